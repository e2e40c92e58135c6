"""enc-rds-storage: RDS instances and Aurora clusters encrypt storage with a customer-managed key."""
from hipaa_pack.checks.enc_rds_storage import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/23cc7baf-0e22-fc41-78f6-85b783d8c72e"


def database(resource_type=INSTANCE, changes=None, drop=()):
    props = {k: v for k, v in {"engine": "postgres", "storageEncrypted": True, "kmsKeyId": KEY_ARN,
                               **(changes or {})}.items() if k not in drop}
    return resource_args(resource_type, props, name="records-db", config=resolved_config(POLICY))


def test_passes_for_an_encrypted_instance_with_a_customer_key():
    outcome = run(POLICY, database())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_an_encrypted_aurora_cluster_with_a_customer_key():
    assert run(POLICY, database(CLUSTER, {"engine": "aurora-postgresql"})).violations == []


def test_fails_when_instance_storage_is_not_encrypted():
    assert run(POLICY, database(drop=["storageEncrypted"])).messages == [
        "RDS instance 'records-db': storageEncrypted is unset; required true"]


def test_fails_when_cluster_storage_is_not_encrypted():
    assert run(POLICY, database(CLUSTER, {"storageEncrypted": False})).messages == [
        "RDS cluster 'records-db': storageEncrypted is false; required true"]


def test_fails_without_a_key():
    assert run(POLICY, database(drop=["kmsKeyId"])).messages == [
        "RDS instance 'records-db': kmsKeyId is unset, which means the AWS-managed aws/rds key; "
        "required a customer-managed KMS key"]


def test_fails_for_the_aws_managed_key():
    assert run(POLICY, database(CLUSTER, {"kmsKeyId": "alias/aws/rds"})).messages == [
        "RDS cluster 'records-db': kmsKeyId is 'alias/aws/rds' (AWS-managed); required a customer-managed KMS key"]
