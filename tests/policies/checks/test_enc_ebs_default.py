"""enc-ebs-default: the account-owning stack declares EBS default encryption and a customer-managed default key."""
from hipaa_pack.checks.enc_ebs_default import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

SWITCH = "aws:ebs/encryptionByDefault:EncryptionByDefault"
DEFAULT_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"
KEY = "aws:kms/key:Key"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/5370a966-9811-e81a-2eb0-d5f59b00253b"


def stack(switch=True, default_key=True, enabled=True, key_arn=KEY_ARN, config=None):
    resources = [FakeResource(KEY, "storage-key", {"arn": KEY_ARN})]
    if switch:
        resources.append(FakeResource(SWITCH, "ebs-encryption", {} if enabled is None else {"enabled": enabled}))
    if default_key:
        resources.append(FakeResource(DEFAULT_KEY, "ebs-default-key", {"keyArn": key_arn} if key_arn else {},
                                      property_dependencies={"keyArn": "storage-key"} if key_arn == KEY_ARN else {}))
    return stack_args(resources, config=resolved_config(POLICY, config))


def test_passes_with_default_encryption_and_a_customer_default_key():
    outcome = run(POLICY, stack())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_enabled_is_left_to_the_provider_default_true():
    assert run(POLICY, stack(enabled=None)).violations == []


def test_fails_when_default_encryption_is_switched_off():
    assert run(POLICY, stack(enabled=False)).violations == [
        ("EncryptionByDefault 'ebs-encryption': enabled is false; required true", urn_for(SWITCH, "ebs-encryption"))]


def test_fails_against_the_stack_when_default_encryption_is_missing():
    assert run(POLICY, stack(switch=False)).violations == [
        ("the stack declares no EncryptionByDefault; required one with enabled true (ownsAccountBaseline is true)",
         None)]


def test_fails_against_the_stack_when_the_default_key_is_missing():
    assert run(POLICY, stack(default_key=False)).violations == [
        ("the stack declares no DefaultKmsKey, so default encryption uses the AWS-managed aws/ebs key; required one "
         "whose keyArn names a customer-managed KMS key (ownsAccountBaseline is true)", None)]


def test_fails_when_the_default_key_is_the_aws_managed_alias():
    alias = "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs"
    assert run(POLICY, stack(key_arn=alias)).violations == [
        (f"DefaultKmsKey 'ebs-default-key': keyArn is '{alias}' (AWS-managed); required a customer-managed KMS key",
         urn_for(DEFAULT_KEY, "ebs-default-key"))]


def test_not_applicable_to_a_stack_that_does_not_own_the_account_baseline():
    outcome = run(POLICY, stack(switch=False, default_key=False, config={"ownsAccountBaseline": False}))
    assert outcome.not_applicable == ("ownsAccountBaseline is false: another stack owns EBS default encryption "
                                      "for this account and region")
    assert outcome.violations == []
