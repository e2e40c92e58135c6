"""key-rotation-enabled: one compliant key, then one change per deciding property."""
import pytest
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE

from hipaa_pack.checks.key_rotation_enabled import POLICY
from tests.policies.fakes import PolicyConfigError, resolved_config, resource_args, run

KEY = "aws:kms/key:Key"
COMPLIANT = {"enableKeyRotation": True, "rotationPeriodInDays": 365, "description": "audit log key"}


def key(changes=None, drop=(), config=None):
    props = {k: v for k, v in {**COMPLIANT, **(changes or {})}.items() if k not in drop}
    return resource_args(KEY, props, name="audit", config=resolved_config(POLICY, config))


def test_passes_for_the_compliant_key():
    outcome = run(POLICY, key())
    assert outcome.violations == []
    assert outcome.not_applicable is None


def test_passes_when_the_period_is_unset_because_aws_rotates_yearly():
    assert run(POLICY, key(drop=["rotationPeriodInDays"])).violations == []


def test_fails_when_rotation_is_disabled():
    assert run(POLICY, key({"enableKeyRotation": False})).messages == [
        "KMS key 'audit': enableKeyRotation is false; required true"]


def test_fails_when_rotation_is_unset():
    assert run(POLICY, key(drop=["enableKeyRotation"])).messages == [
        "KMS key 'audit': enableKeyRotation is unset; required true"]


def test_fails_when_the_period_exceeds_the_default_maximum():
    outcome = run(POLICY, key({"rotationPeriodInDays": 730}))
    assert outcome.violations == [("KMS key 'audit': rotationPeriodInDays is 730; required at most 365",
                                   "urn:pulumi:test::quome-platform::aws:kms/key:Key::audit")]


def test_a_stricter_configured_maximum_applies_to_explicit_periods():
    assert run(POLICY, key({"rotationPeriodInDays": 180}, config={"maxRotationPeriodInDays": 90})).messages == [
        "KMS key 'audit': rotationPeriodInDays is 180; required at most 90"]


def test_a_stricter_configured_maximum_rejects_the_implicit_aws_default():
    assert run(POLICY, key(drop=["rotationPeriodInDays"], config={"maxRotationPeriodInDays": 90})).messages == [
        "KMS key 'audit': rotationPeriodInDays is unset (AWS default 365); required at most 90"]


def test_config_outside_the_aws_range_is_rejected_like_the_cli_would():
    with pytest.raises(PolicyConfigError, match="key-rotation-enabled: maxRotationPeriodInDays: 30 is less than"):
        resolved_config(POLICY, {"maxRotationPeriodInDays": 30})


def test_not_applicable_for_keys_in_the_cloudhsm_store():
    outcome = run(POLICY, key({"customKeyStoreId": "cks-1234567890abcdef0", "enableKeyRotation": False}))
    assert outcome.not_applicable == "keys in a CloudHSM custom key store rotate by runbook"
    assert outcome.violations == []


def test_not_applicable_for_asymmetric_keys():
    outcome = run(POLICY, key({"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"},
                              drop=["enableKeyRotation"]))
    assert outcome.not_applicable == ("automatic rotation exists only for symmetric encryption keys; "
                                      "this key is SIGN_VERIFY RSA_2048")


def test_not_applicable_for_hmac_keys():
    outcome = run(POLICY, key({"customerMasterKeySpec": "HMAC_256", "keyUsage": "GENERATE_VERIFY_MAC"}))
    assert outcome.not_applicable == ("automatic rotation exists only for symmetric encryption keys; "
                                      "this key is GENERATE_VERIFY_MAC HMAC_256")


def test_other_resource_types_are_not_evaluated():
    outcome = run(POLICY, resource_args("aws:kms/alias:Alias", {"name": "alias/audit"}, name="audit-alias"))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_an_unknown_value_during_preview_defers_the_check():
    outcome = run(POLICY, key({"enableKeyRotation": UNKNOWN_BOOLEAN_VALUE}))
    assert outcome.unknown == "boolean value at .enableKeyRotation can't be known during preview"
    assert outcome.violations == []
