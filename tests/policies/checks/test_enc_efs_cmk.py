"""enc-efs-cmk: EFS file systems are encrypted with a customer-managed key."""
from hipaa_pack.checks.enc_efs_cmk import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
KEY_ARN = "arn:aws:kms:eu-central-1:111122223333:key/46eec4d3-bf56-833d-8edc-36d3349260ad"


def file_system(changes=None, drop=()):
    props = {k: v for k, v in {"encrypted": True, "kmsKeyId": KEY_ARN, "performanceMode": "generalPurpose",
                               **(changes or {})}.items() if k not in drop}
    return resource_args(FILE_SYSTEM, props, name="shared-fs", config=resolved_config(POLICY))


def test_passes_for_an_encrypted_file_system_with_a_customer_key():
    outcome = run(POLICY, file_system())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_encryption_is_off():
    assert run(POLICY, file_system({"encrypted": False})).messages == [
        "EFS file system 'shared-fs': encrypted is false; required true"]


def test_fails_when_encrypted_is_unset():
    assert run(POLICY, file_system(drop=["encrypted"])).messages == [
        "EFS file system 'shared-fs': encrypted is unset; required true"]


def test_fails_without_a_key_because_efs_then_uses_the_aws_managed_key():
    assert run(POLICY, file_system(drop=["kmsKeyId"])).messages == [
        "EFS file system 'shared-fs': kmsKeyId is unset, which means the AWS-managed aws/elasticfilesystem key; "
        "required a customer-managed KMS key"]


def test_fails_for_the_aws_managed_alias():
    assert run(POLICY, file_system({"kmsKeyId": "alias/aws/elasticfilesystem"})).messages == [
        "EFS file system 'shared-fs': kmsKeyId is 'alias/aws/elasticfilesystem' (AWS-managed); "
        "required a customer-managed KMS key"]
