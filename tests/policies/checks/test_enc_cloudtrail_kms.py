"""enc-cloudtrail-kms: trails encrypt log files with a customer-managed key."""
from hipaa_pack.checks.enc_cloudtrail_kms import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

TRAIL = "aws:cloudtrail/trail:Trail"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/33a64e88-54f7-c3a3-86ba-eb3cdba25948"


def trail(changes=None, drop=()):
    props = {k: v for k, v in {"name": "quome-audit", "s3BucketName": "quome-audit-111122223333-us-east-1",
                               "kmsKeyId": KEY_ARN, **(changes or {})}.items() if k not in drop}
    return resource_args(TRAIL, props, name="audit-trail", config=resolved_config(POLICY))


def test_passes_with_a_customer_key():
    outcome = run(POLICY, trail())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_without_a_key():
    assert run(POLICY, trail(drop=["kmsKeyId"])).messages == [
        "trail 'audit-trail': kmsKeyId is unset, so log files get only the bucket's default encryption; "
        "required a customer-managed KMS key"]


def test_fails_for_an_aws_managed_alias():
    assert run(POLICY, trail({"kmsKeyId": "alias/aws/s3"})).messages == [
        "trail 'audit-trail': kmsKeyId is 'alias/aws/s3' (AWS-managed); required a customer-managed KMS key"]
