"""key-no-lockout-bypass: neither keys nor key policies bypass the lockout safety check."""
from hipaa_pack.checks.key_no_lockout_bypass import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"


def resource(resource_type, props):
    return resource_args(resource_type, props, name="audit", config=resolved_config(POLICY))


def test_passes_when_the_check_is_kept_explicitly():
    outcome = run(POLICY, resource(KEY, {"bypassPolicyLockoutSafetyCheck": False}))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_unset():
    assert run(POLICY, resource(KEY_POLICY, {"keyId": "1234", "policy": "{}"})).violations == []


def test_fails_for_a_key_that_bypasses_the_check():
    assert run(POLICY, resource(KEY, {"bypassPolicyLockoutSafetyCheck": True})).messages == [
        "KMS key 'audit': bypassPolicyLockoutSafetyCheck is true; required unset or false"]


def test_fails_for_a_key_policy_that_bypasses_the_check():
    assert run(POLICY, resource(KEY_POLICY, {"keyId": "1234", "bypassPolicyLockoutSafetyCheck": True})).messages == [
        "KMS key policy 'audit': bypassPolicyLockoutSafetyCheck is true; required unset or false"]
