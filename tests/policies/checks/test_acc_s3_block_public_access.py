"""acc-s3-block-public-access: every bucket has a full BucketPublicAccessBlock; the baseline-owning stack
also declares a full AccountPublicAccessBlock."""
import pytest

from hipaa_pack.checks.acc_s3_block_public_access import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
ALL_TRUE = dict.fromkeys(FLAGS, True)
PHI_URN = urn_for(BUCKET, "phi")
ACCOUNT_URN = urn_for(ACCOUNT_BLOCK, "account-block")
REQUIRED = "blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true"


def bucket_block(changes=None, drop=(), name="phi-public-access-block"):
    flags = {k: v for k, v in {**ALL_TRUE, **(changes or {})}.items() if k not in drop}
    return FakeResource(BLOCK, name, {"bucket": "quome-phi", **flags}, property_dependencies={"bucket": "phi"})


def account_block(changes=None, drop=()):
    flags = {k: v for k, v in {**ALL_TRUE, **(changes or {})}.items() if k not in drop}
    return FakeResource(ACCOUNT_BLOCK, "account-block", {"accountId": "111111111111", **flags})


def stack(*resources, bucket_type=BUCKET, config=None):
    return stack_args([FakeResource(bucket_type, "phi", {"bucket": "quome-phi"}), *resources],
                      config=resolved_config(POLICY, config))


def test_passes_when_bucket_and_account_block_everything():
    outcome = run(POLICY, stack(bucket_block(), account_block()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_the_bucket_has_no_block():
    assert run(POLICY, stack(account_block())).violations == [
        (f"bucket 'phi' has no BucketPublicAccessBlock; required one with {REQUIRED}", PHI_URN)]


@pytest.mark.parametrize("flag", FLAGS)
def test_fails_when_one_bucket_flag_is_false(flag):
    assert run(POLICY, stack(bucket_block({flag: False}), account_block())).violations == [
        (f"bucket 'phi': BucketPublicAccessBlock 'phi-public-access-block' {flag} is false; required true", PHI_URN)]


def test_fails_when_a_bucket_flag_is_unset_because_s3_defaults_to_false():
    assert run(POLICY, stack(bucket_block(drop=["restrictPublicBuckets"]), account_block())).messages == [
        "bucket 'phi': BucketPublicAccessBlock 'phi-public-access-block' restrictPublicBuckets is unset; "
        "required true"]


def test_fails_when_two_blocks_compete_for_one_bucket():
    outcome = run(POLICY, stack(bucket_block(), bucket_block(name="phi-pab-2"), account_block()))
    assert outcome.messages == [
        "bucket 'phi' has 2 BucketPublicAccessBlock resources ('phi-public-access-block', 'phi-pab-2'); "
        "required exactly one"]


def test_deprecated_v2_bucket_token_is_checked_too():
    assert run(POLICY, stack(account_block(), bucket_type=BUCKET_V2)).violations == [
        (f"bucket 'phi' has no BucketPublicAccessBlock; required one with {REQUIRED}", urn_for(BUCKET_V2, "phi"))]


def test_fails_when_the_baseline_owner_has_no_account_block():
    assert run(POLICY, stack(bucket_block())).violations == [
        (f"the stack has no AccountPublicAccessBlock; required one with {REQUIRED} (ownsAccountBaseline is true)",
         None)]


@pytest.mark.parametrize("flag", FLAGS)
def test_fails_when_one_account_flag_is_unset(flag):
    assert run(POLICY, stack(bucket_block(), account_block(drop=[flag]))).violations == [
        (f"AccountPublicAccessBlock 'account-block' {flag} is unset; required true", ACCOUNT_URN)]


def test_a_stack_not_owning_the_baseline_needs_no_account_block_but_still_blocks_buckets():
    outcome = run(POLICY, stack(bucket_block({"blockPublicPolicy": False}), config={"ownsAccountBaseline": False}))
    assert outcome.messages == [
        "bucket 'phi': BucketPublicAccessBlock 'phi-public-access-block' blockPublicPolicy is false; required true"]
    assert outcome.not_applicable is None


def test_an_account_block_in_a_stack_not_owning_the_baseline_is_listed_as_not_applicable():
    outcome = run(POLICY, stack(bucket_block(), account_block({"blockPublicAcls": False}),
                                config={"ownsAccountBaseline": False}))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "account-block": "ownsAccountBaseline is false: the stack owning the account baseline is held to the "
                         "account-level block"}
