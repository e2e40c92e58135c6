"""acc-s3-acls-disabled: BucketOwnerEnforced on every bucket; no BucketAcl other than private."""
from hipaa_pack.checks.acc_s3_acls_disabled import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ACL = "aws:s3/bucketAcl:BucketAcl"
ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
PHI_URN = urn_for(BUCKET, "phi")


def ownership(value="BucketOwnerEnforced", name="phi-ownership"):
    return FakeResource(OWNERSHIP, name, {"bucket": "quome-phi", "rule": {"objectOwnership": value}},
                        property_dependencies={"bucket": "phi"})


def stack(*extra, bucket_type=BUCKET):
    resources = [FakeResource(bucket_type, "phi", {"bucket": "quome-phi"}), *extra]
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_when_the_bucket_owner_enforces_ownership():
    outcome = run(POLICY, stack(ownership()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_without_ownership_controls():
    assert run(POLICY, stack()).violations == [
        ("bucket 'phi' has no BucketOwnershipControls; required one with rule.objectOwnership BucketOwnerEnforced",
         PHI_URN)]


def test_fails_when_acls_still_apply():
    assert run(POLICY, stack(ownership("BucketOwnerPreferred"))).messages == [
        "bucket 'phi': BucketOwnershipControls 'phi-ownership' rule.objectOwnership is 'BucketOwnerPreferred'; "
        "required 'BucketOwnerEnforced'"]


def test_fails_when_two_ownership_controls_compete():
    assert run(POLICY, stack(ownership(), ownership(name="phi-ownership-2"))).messages == [
        "bucket 'phi' has 2 BucketOwnershipControls resources ('phi-ownership', 'phi-ownership-2'); "
        "required exactly one"]


def test_a_private_acl_is_allowed():
    acl = FakeResource(ACL, "phi-acl", {"bucket": "quome-phi", "acl": "private"},
                       property_dependencies={"bucket": "phi"})
    assert run(POLICY, stack(ownership(), acl)).violations == []


def test_fails_for_a_public_acl_and_names_its_bucket():
    acl = FakeResource(ACL, "phi-acl", {"bucket": "quome-phi", "acl": "public-read"},
                       property_dependencies={"bucket": "phi"})
    assert run(POLICY, stack(ownership(), acl)).violations == [
        ("BucketAcl 'phi-acl' of bucket 'phi': acl is 'public-read'; required 'private'", urn_for(ACL, "phi-acl"))]


def test_fails_for_grants_through_an_access_control_policy():
    acl = FakeResource(ACL_V2, "legacy-acl", {"bucket": "quome-legacy", "accessControlPolicy": {
        "grants": [{"grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"},
                    "permission": "READ"}], "owner": {"id": "abc"}}})
    assert run(POLICY, stack(ownership(), acl)).messages == [
        "BucketAcl 'legacy-acl': acl is unset (grants set through accessControlPolicy); required 'private'"]


def test_deprecated_v2_bucket_token_is_checked_too():
    assert run(POLICY, stack(bucket_type=BUCKET_V2)).violations == [
        ("bucket 'phi' has no BucketOwnershipControls; required one with rule.objectOwnership BucketOwnerEnforced",
         urn_for(BUCKET_V2, "phi"))]
