"""enc-dynamodb-cmk: tables and every replica use a customer-managed key."""
from hipaa_pack.checks.enc_dynamodb_cmk import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

TABLE = "aws:dynamodb/table:Table"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/23cc7baf-0e22-fc41-78f6-85b783d8c72e"
REPLICA_KEY_ARN = "arn:aws:kms:us-west-2:111122223333:key/9a1d6d1c-5b0e-4c8e-9d1e-0f6f3b1f2a11"


def table(sse=None, replicas=None):
    props = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], "billingMode": "PAY_PER_REQUEST",
             "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY_ARN} if sse is None else sse}
    if replicas is not None:
        props["replicas"] = replicas
    return resource_args(TABLE, props, name="sessions", config=resolved_config(POLICY))


def test_passes_with_a_customer_key_and_replica_keys():
    outcome = run(POLICY, table(replicas=[{"regionName": "us-west-2", "kmsKeyArn": REPLICA_KEY_ARN}]))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_server_side_encryption_is_not_enabled():
    assert run(POLICY, table(sse={})).messages == [
        "DynamoDB table 'sessions': serverSideEncryption.enabled is unset, which means an AWS-owned key; "
        "required true with kmsKeyArn naming a customer-managed KMS key"]


def test_fails_when_enabled_without_a_key():
    assert run(POLICY, table(sse={"enabled": True})).messages == [
        "DynamoDB table 'sessions': serverSideEncryption.kmsKeyArn is unset, which means the AWS-managed "
        "aws/dynamodb key; required a customer-managed KMS key"]


def test_fails_for_the_aws_managed_key():
    alias = "arn:aws:kms:us-east-1:111122223333:alias/aws/dynamodb"
    assert run(POLICY, table(sse={"enabled": True, "kmsKeyArn": alias})).messages == [
        f"DynamoDB table 'sessions': serverSideEncryption.kmsKeyArn is '{alias}' (AWS-managed); "
        "required a customer-managed KMS key"]


def test_fails_when_a_replica_has_no_key_of_its_own():
    outcome = run(POLICY, table(replicas=[{"regionName": "us-west-2", "kmsKeyArn": REPLICA_KEY_ARN},
                                          {"regionName": "us-east-2"}]))
    assert outcome.messages == [
        "DynamoDB table 'sessions' replicas[1] (us-east-2): kmsKeyArn is unset, which means the AWS-managed "
        "aws/dynamodb key of that region; required a customer-managed KMS key"]
