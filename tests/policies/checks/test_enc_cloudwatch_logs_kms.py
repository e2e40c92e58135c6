"""enc-cloudwatch-logs-kms: every log group carries a customer-managed key."""
from hipaa_pack.checks.enc_cloudwatch_logs_kms import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/33a64e88-54f7-c3a3-86ba-eb3cdba25948"


def log_group(changes=None, drop=()):
    props = {k: v for k, v in {"name": "/aws/eks/quome-dev/cluster", "kmsKeyId": KEY_ARN, "retentionInDays": 2557,
                               **(changes or {})}.items() if k not in drop}
    return resource_args(LOG_GROUP, props, name="control-plane-logs", config=resolved_config(POLICY))


def test_passes_with_a_customer_key():
    outcome = run(POLICY, log_group())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_without_a_key():
    assert run(POLICY, log_group(drop=["kmsKeyId"])).messages == [
        "log group 'control-plane-logs' (/aws/eks/quome-dev/cluster): kmsKeyId is unset, so CloudWatch Logs "
        "encrypts with a key it owns; required a customer-managed KMS key"]


def test_an_auto_named_group_is_reported_by_resource_name():
    assert run(POLICY, log_group(drop=["kmsKeyId", "name"])).messages == [
        "log group 'control-plane-logs': kmsKeyId is unset, so CloudWatch Logs encrypts with a key it owns; "
        "required a customer-managed KMS key"]


def test_fails_for_an_aws_managed_alias():
    assert run(POLICY, log_group({"kmsKeyId": "alias/aws/logs"})).messages == [
        "log group 'control-plane-logs' (/aws/eks/quome-dev/cluster): kmsKeyId is 'alias/aws/logs' (AWS-managed); "
        "required a customer-managed KMS key"]
