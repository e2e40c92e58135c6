"""int-s3-versioning: a bucket joined to its BucketVersioning through property_dependencies["bucket"]."""
import datetime

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.int_s3_versioning import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
PHI_URN = urn_for(BUCKET, "phi")


def versioning(status="Enabled", name="phi-versioning", bucket="phi", token=VERSIONING):
    return FakeResource(token, name, {"bucket": "quome-phi", "versioningConfiguration": {"status": status}},
                        property_dependencies={"bucket": bucket})


def stack(*configs, bucket_type=BUCKET, extra=(), config=None):
    resources = [FakeResource(bucket_type, "phi", {"bucket": "quome-phi"}), *configs, *extra]
    return stack_args(resources, config=resolved_config(POLICY, config))


def test_passes_when_versioning_is_enabled():
    outcome = run(POLICY, stack(versioning()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_without_versioning():
    assert run(POLICY, stack()).violations == [
        ("bucket 'phi' has no BucketVersioning; required one with versioningConfiguration.status Enabled", PHI_URN)]


def test_fails_when_versioning_is_suspended():
    assert run(POLICY, stack(versioning("Suspended"))).messages == [
        "bucket 'phi': BucketVersioning 'phi-versioning' versioningConfiguration.status is 'Suspended'; "
        "required 'Enabled'"]


def test_fails_when_two_versioning_resources_compete():
    assert run(POLICY, stack(versioning(), versioning(name="phi-versioning-2"))).messages == [
        "bucket 'phi' has 2 BucketVersioning resources ('phi-versioning', 'phi-versioning-2'); required exactly one"]


def test_a_versioning_resource_naming_the_bucket_literally_does_not_join():
    literal = FakeResource(VERSIONING, "phi-versioning",
                           {"bucket": "quome-phi", "versioningConfiguration": {"status": "Enabled"}})
    assert run(POLICY, stack(literal)).messages == [
        "bucket 'phi' has no BucketVersioning; required one with versioningConfiguration.status Enabled"]


def test_deprecated_v2_tokens_are_checked_too():
    outcome = run(POLICY, stack(versioning("Suspended", token=VERSIONING_V2), bucket_type=BUCKET_V2))
    assert outcome.violations == [
        ("bucket 'phi': BucketVersioning 'phi-versioning' versioningConfiguration.status is 'Suspended'; "
         "required 'Enabled'", urn_for(BUCKET_V2, "phi"))]


def test_an_exempted_bucket_is_waived_and_listed_while_others_still_fail():
    other = FakeResource(BUCKET, "scratch", {"bucket": "quome-scratch"})
    config = {"exemptions": [{"resource": "phi", "reason": "imported bucket, versioned in SEC-7",
                              "expires": "2026-06-30"}]}
    outcome = run(POLICY, stack(extra=[other], config=config), today=datetime.date(2026, 1, 15))
    assert outcome.violations == [
        ("bucket 'scratch' has no BucketVersioning; required one with versioningConfiguration.status Enabled",
         urn_for(BUCKET, "scratch"))]
    assert outcome.not_applicable_to == {
        "phi": "exempted until 2026-06-30: imported bucket, versioned in SEC-7 (waived: bucket 'phi' has no "
               "BucketVersioning; required one with versioningConfiguration.status Enabled)"}


def test_an_unknown_status_during_preview_defers_the_check():
    outcome = run(POLICY, stack(versioning(UNKNOWN_STRING_VALUE)))
    assert outcome.unknown == "string value at .versioningConfiguration.status can't be known during preview"
    assert outcome.violations == []
