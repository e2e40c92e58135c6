"""Exemptions: parsing, matching, and what the factory does with them for resource and stack policies."""
import datetime

import pytest

from hipaa_pack import exemptions
from hipaa_pack.checks import enc_s3_sse_kms, key_rotation_enabled
from hipaa_pack.exemptions import Exemption, ExemptionError, match_exemptions, parse_exemptions
from tests.policies.fakes import (
    FakeResource,
    PolicyConfigError,
    resolved_config,
    resource_args,
    run,
    stack_args,
    urn_for,
)

POLICY_NAME = "key-rotation-enabled"
KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucket:Bucket"
JAN_15 = datetime.date(2026, 1, 15)
VALID = {"resource": "legacy-*", "reason": "imported key, replaced in SEC-42", "expires": "2026-03-31"}


def entry(**changes):
    return {**VALID, **changes}


# ------------------------------------------------------------------------------------ parsing


def test_parses_a_valid_entry():
    assert parse_exemptions([entry(control=POLICY_NAME)], POLICY_NAME) == (
        Exemption(resource="legacy-*", reason="imported key, replaced in SEC-42",
                  expires=datetime.date(2026, 3, 31), control=POLICY_NAME),)


def test_no_config_means_no_exemptions():
    assert parse_exemptions(None, POLICY_NAME) == ()
    assert parse_exemptions([], POLICY_NAME) == ()


@pytest.mark.parametrize("raw, message", [
    ([entry(reason="too short")],
     "policy 'key-rotation-enabled': exemptions[0].reason = 'too short': expected a reason of at least 10 characters"),
    ([entry(), entry(expires="31/03/2026")],
     "policy 'key-rotation-enabled': exemptions[1].expires = '31/03/2026': expected a calendar date YYYY-MM-DD"),
    ([entry(expires="2026-02-30")],
     "policy 'key-rotation-enabled': exemptions[0].expires = '2026-02-30': expected a calendar date YYYY-MM-DD"),
    ([entry(expires="20260331")],
     "policy 'key-rotation-enabled': exemptions[0].expires = '20260331': expected a calendar date YYYY-MM-DD"),
    ([entry(control="enc-s3-sse-kms")],
     "policy 'key-rotation-enabled': exemptions[0].control = 'enc-s3-sse-kms': must be 'key-rotation-enabled', "
     "the policy this exemption is configured under"),
    ([entry(resource="")],
     "policy 'key-rotation-enabled': exemptions[0].resource = '': expected a non-empty glob over resource name or URN"),
    ([{"resource": "x", "reason": "a long enough reason"}],
     "policy 'key-rotation-enabled': exemptions[0]: missing field 'expires'; "
     "required fields are resource, reason, expires"),
    ([entry(owner="alice")],
     "policy 'key-rotation-enabled': exemptions[0].owner = 'alice': unknown field; "
     "allowed fields are control, resource, reason, expires"),
    (["legacy-*"],
     "policy 'key-rotation-enabled': exemptions[0] = 'legacy-*': expected an object with resource, reason and expires"),
    ({"resource": "x"},
     "policy 'key-rotation-enabled': exemptions = {'resource': 'x'}: expected a list of objects"),
])
def test_malformed_entries_name_the_field_and_value(raw, message):
    with pytest.raises(ExemptionError) as error:
        parse_exemptions(raw, POLICY_NAME)
    assert str(error.value) == message


# ------------------------------------------------------------------------------------ matching


def test_pattern_matches_the_resource_name():
    (waiver,) = parse_exemptions([entry(resource="legacy-*")], POLICY_NAME)
    assert waiver.matches("legacy-audit", urn_for(KEY, "legacy-audit"))
    assert not waiver.matches("audit", urn_for(KEY, "audit"))


def test_pattern_matches_the_urn():
    (waiver,) = parse_exemptions([entry(resource="urn:pulumi:test::*::aws:kms/key:Key::*")], POLICY_NAME)
    assert waiver.matches("audit", urn_for(KEY, "audit"))
    assert not waiver.matches("audit", urn_for(BUCKET, "audit"))


def test_matching_is_case_sensitive():
    (waiver,) = parse_exemptions([entry(resource="Legacy-*")], POLICY_NAME)
    assert not waiver.matches("legacy-audit", urn_for(KEY, "legacy-audit"))


def test_an_exemption_holds_through_its_expiry_day():
    waivers = parse_exemptions([entry(expires="2026-01-15")], POLICY_NAME)
    assert match_exemptions(waivers, "legacy-a", "urn", JAN_15).active == waivers[0]
    later = match_exemptions(waivers, "legacy-a", "urn", JAN_15 + datetime.timedelta(days=1))
    assert later.active is None and later.expired == waivers


def test_an_unexpired_exemption_wins_over_an_expired_one():
    waivers = parse_exemptions([entry(expires="2025-12-31"), entry(expires="2026-02-01")], POLICY_NAME)
    found = match_exemptions(waivers, "legacy-a", "urn", JAN_15)
    assert found.active == waivers[1]
    assert found.expired == (waivers[0],)


def test_fixed_today_pins_and_restores_the_date():
    real = exemptions.today()
    with exemptions.fixed_today(datetime.date(2030, 5, 1)):
        assert exemptions.today() == datetime.date(2030, 5, 1)
    assert exemptions.today() == real


# ------------------------------------------------------------------------------------ resource policies

ROTATING = {"enableKeyRotation": True}
NOT_ROTATING = {"enableKeyRotation": False}


def key_args(props, name="legacy-audit", waivers=None):
    waivers = [entry()] if waivers is None else list(waivers)
    config = resolved_config(key_rotation_enabled.POLICY, {"exemptions": waivers})
    return resource_args(KEY, props, name=name, config=config)


def test_unexpired_exemption_makes_the_resource_not_applicable_with_its_reason():
    outcome = run(key_rotation_enabled.POLICY, key_args(NOT_ROTATING), today=JAN_15)
    assert outcome.not_applicable == "exempted until 2026-03-31: imported key, replaced in SEC-42"
    assert outcome.violations == []


def test_expired_exemption_is_a_violation_and_the_check_still_runs():
    outcome = run(key_rotation_enabled.POLICY, key_args(NOT_ROTATING), today=datetime.date(2026, 4, 1))
    assert outcome.not_applicable is None
    assert outcome.messages == [
        "exemption for legacy-audit expired on 2026-03-31: imported key, replaced in SEC-42",
        "KMS key 'legacy-audit': enableKeyRotation is false; required true",
    ]


def test_expired_exemption_is_reported_even_when_the_resource_now_complies():
    outcome = run(key_rotation_enabled.POLICY, key_args(ROTATING), today=datetime.date(2026, 4, 1))
    assert outcome.messages == ["exemption for legacy-audit expired on 2026-03-31: imported key, replaced in SEC-42"]


def test_exemption_for_another_resource_does_not_apply():
    outcome = run(key_rotation_enabled.POLICY, key_args(NOT_ROTATING, name="audit"), today=JAN_15)
    assert outcome.not_applicable is None
    assert outcome.messages == ["KMS key 'audit': enableKeyRotation is false; required true"]


def test_resources_outside_the_control_types_never_see_exemptions():
    config = resolved_config(key_rotation_enabled.POLICY, {"exemptions": [entry(expires="2020-01-01")]})
    outcome = run(key_rotation_enabled.POLICY, resource_args(BUCKET, {}, name="legacy-bucket", config=config),
                  today=JAN_15)
    assert outcome.violations == [] and outcome.not_applicable is None


def test_a_malformed_exemption_fails_loudly_instead_of_waiving():
    args = resource_args(KEY, NOT_ROTATING, name="legacy-audit",
                         config={"exemptions": [entry(reason="because")]})
    with pytest.raises(ExemptionError, match=r"exemptions\[0\]\.reason = 'because'"):
        run(key_rotation_enabled.POLICY, args, today=JAN_15)


def test_the_cli_side_schema_rejects_a_short_reason_too():
    with pytest.raises(PolicyConfigError, match=r"key-rotation-enabled: exemptions\.0\.reason: 'because' is too short"):
        resolved_config(key_rotation_enabled.POLICY, {"exemptions": [entry(reason="because")]})


def test_the_cli_side_schema_rejects_an_exemption_filed_under_another_policy():
    with pytest.raises(PolicyConfigError, match=r"exemptions\.0\.control: 'key-rotation-enabled' was expected"):
        resolved_config(key_rotation_enabled.POLICY, {"exemptions": [entry(control="enc-s3-sse-kms")]})


# ------------------------------------------------------------------------------------ stack policies

SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def unencrypted_buckets(*names, waivers=()):
    resources = [FakeResource(BUCKET, name, {"bucket": f"quome-{name}"}) for name in names]
    config = resolved_config(enc_s3_sse_kms.POLICY, {"exemptions": list(waivers)})
    return stack_args(resources, config=config)


def missing_sse(name):
    return (f"bucket '{name}' has no BucketServerSideEncryptionConfiguration; required one with sseAlgorithm "
            f"aws:kms or aws:kms:dsse")


def test_stack_violation_on_an_exempted_resource_is_dropped_and_listed():
    waiver = entry(resource="legacy-*", reason="imported bucket, re-created in SEC-42")
    outcome = run(enc_s3_sse_kms.POLICY, unencrypted_buckets("legacy-logs", "phi", waivers=[waiver]), today=JAN_15)
    assert outcome.violations == [(missing_sse("phi"), urn_for(BUCKET, "phi"))]
    assert outcome.not_applicable_to == {
        "legacy-logs": f"exempted until 2026-03-31: imported bucket, re-created in SEC-42 "
                       f"(waived: {missing_sse('legacy-logs')})"}


def test_stack_exemption_matches_by_urn():
    waiver = entry(resource=urn_for(BUCKET, "phi"))
    outcome = run(enc_s3_sse_kms.POLICY, unencrypted_buckets("phi", waivers=[waiver]), today=JAN_15)
    assert outcome.violations == []
    assert outcome.not_applicable_to["phi"].startswith("exempted until 2026-03-31: imported key, replaced in SEC-42")


def test_expired_stack_exemption_is_reported_on_the_resource_and_the_finding_stays():
    outcome = run(enc_s3_sse_kms.POLICY, unencrypted_buckets("legacy-logs", waivers=[entry()]),
                  today=datetime.date(2026, 4, 1))
    assert outcome.violations == [
        (
            "exemption for legacy-logs expired on 2026-03-31: imported key, replaced in SEC-42",
            urn_for(BUCKET, "legacy-logs"),
        ),
        (missing_sse("legacy-logs"), urn_for(BUCKET, "legacy-logs")),
    ]
    assert outcome.not_applicable is None


def test_every_policy_accepts_exemptions_in_its_config_schema():
    for policy in (key_rotation_enabled.POLICY, enc_s3_sse_kms.POLICY):
        schema = policy.config_schema.properties["exemptions"]
        assert schema["default"] == []
        assert schema["items"]["properties"]["control"]["const"] == policy.name
        assert schema["items"]["required"] == ["resource", "reason", "expires"]
