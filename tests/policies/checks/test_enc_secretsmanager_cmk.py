"""enc-secretsmanager-cmk: secrets and their replicas use a customer-managed key."""
from hipaa_pack.checks.enc_secretsmanager_cmk import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

SECRET = "aws:secretsmanager/secret:Secret"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/46eec4d3-bf56-833d-8edc-36d3349260ad"
REPLICA_KEY_ARN = "arn:aws:kms:us-west-2:111122223333:key/9a1d6d1c-5b0e-4c8e-9d1e-0f6f3b1f2a11"


def secret(changes=None, drop=(), replicas=None):
    props = {k: v for k, v in {"name": "quome/acme-health/db", "kmsKeyId": KEY_ARN,
                               **(changes or {})}.items() if k not in drop}
    if replicas is not None:
        props["replicas"] = replicas
    return resource_args(SECRET, props, name="acme-db-secret", config=resolved_config(POLICY))


def test_passes_with_a_customer_key_and_replica_keys():
    outcome = run(POLICY, secret(replicas=[{"region": "us-west-2", "kmsKeyId": REPLICA_KEY_ARN}]))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_without_a_key():
    assert run(POLICY, secret(drop=["kmsKeyId"])).messages == [
        "secret 'acme-db-secret': kmsKeyId is unset, which means the AWS-managed aws/secretsmanager key; "
        "required a customer-managed KMS key"]


def test_fails_for_the_aws_managed_alias():
    assert run(POLICY, secret({"kmsKeyId": "alias/aws/secretsmanager"})).messages == [
        "secret 'acme-db-secret': kmsKeyId is 'alias/aws/secretsmanager' (AWS-managed); "
        "required a customer-managed KMS key"]


def test_fails_when_a_replica_has_no_key():
    assert run(POLICY, secret(replicas=[{"region": "us-west-2"}])).messages == [
        "secret 'acme-db-secret' replicas[0] (us-west-2): kmsKeyId is unset, which means the AWS-managed "
        "aws/secretsmanager key of that region; required a customer-managed KMS key"]


def test_fails_when_a_replica_uses_the_aws_managed_alias():
    assert run(POLICY, secret(replicas=[{"region": "us-west-2", "kmsKeyId": "alias/aws/secretsmanager"}])).messages == [
        "secret 'acme-db-secret' replicas[0] (us-west-2): kmsKeyId is 'alias/aws/secretsmanager' (AWS-managed); "
        "required a customer-managed KMS key"]
