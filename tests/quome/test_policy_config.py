"""quome.policy_config: the CLI's reconciliation (all, defaults, overlay) and exact error messages."""
from __future__ import annotations

import pytest

from quome.analyzer import ResolvedPolicyConfig, load_pack_servicer, pack_info_from_proto
from quome.policy_config import (
    PolicyConfigError,
    describe_allowed,
    load_policy_config,
    policy_config_path,
    resolve_policy_config,
)
from tests.quome.fixtures.plans import MINI_PACK, PROJECT

SRC = "stacks/policy.test.json"


@pytest.fixture(scope="module")
def pack():
    # The pack's metadata exactly as GetAnalyzerInfo reports it.
    return pack_info_from_proto(load_pack_servicer(MINI_PACK).GetAnalyzerInfo(None, None), "1.2.3")


def levels(resolved):
    return {name: cfg.enforcement for name, cfg in resolved.items()}


def test_no_file_means_the_packs_defaults(pack):
    resolved = resolve_policy_config(None, pack, SRC)
    assert resolved == {
        "mini-kms-rotation": ResolvedPolicyConfig("advisory", {}),
        "mini-log-retention": ResolvedPolicyConfig("mandatory", {"minimumRetentionDays": 365}),
        "mini-residency": ResolvedPolicyConfig("mandatory", {"allowedRegions": ["eu-central-1"]}),
    }


def test_all_sets_every_level_and_a_policy_entry_wins(pack):
    resolved = resolve_policy_config({"all": "disabled", "mini-kms-rotation": "mandatory"}, pack, SRC)
    assert levels(resolved) == {"mini-kms-rotation": "mandatory", "mini-log-retention": "disabled",
                                "mini-residency": "disabled"}
    # `all` never touches properties: schema defaults stay.
    assert resolved["mini-log-retention"].properties == {"minimumRetentionDays": 365}


def test_all_in_object_form(pack):
    resolved = resolve_policy_config({"all": {"enforcementLevel": "advisory"}}, pack, SRC)
    assert set(levels(resolved).values()) == {"advisory"}


def test_properties_overlay_defaults_and_keep_the_level(pack):
    resolved = resolve_policy_config({"mini-log-retention": {"minimumRetentionDays": 30},
                                      "mini-residency": {"enforcementLevel": "advisory",
                                                         "allowedRegions": ["eu-west-1", "eu-central-1"]}},
                                     pack, SRC)
    assert resolved["mini-log-retention"] == ResolvedPolicyConfig("mandatory", {"minimumRetentionDays": 30})
    assert resolved["mini-residency"] == ResolvedPolicyConfig("advisory",
                                                              {"allowedRegions": ["eu-west-1", "eu-central-1"]})


def test_resolution_does_not_mutate_the_schema_defaults(pack):
    resolved = resolve_policy_config(None, pack, SRC)
    resolved["mini-residency"].properties["allowedRegions"].append("xx-yy-1")
    assert resolve_policy_config(None, pack, SRC)["mini-residency"].properties == {"allowedRegions": ["eu-central-1"]}


@pytest.mark.parametrize("raw, message", [
    ({"mini-log-retension": "advisory"},
     'stacks/policy.test.json: "mini-log-retension" is not a policy of pack "mini-hipaa" (did you mean '
     '"mini-log-retention"?); known policies: mini-kms-rotation, mini-log-retention, mini-residency'),
    ({"mini-kms-rotation": "strict"},
     'stacks/policy.test.json: policy "mini-kms-rotation": "strict" is not an enforcement level; '
     'allowed: "advisory", "mandatory", "remediate", "disabled"'),
    ({"all": "off"},
     'stacks/policy.test.json: "all": "off" is not an enforcement level; '
     'allowed: "advisory", "mandatory", "remediate", "disabled"'),
    ({"mini-log-retention": {"enforcementLevel": 1}},
     'stacks/policy.test.json: policy "mini-log-retention": key "enforcementLevel": 1 is not allowed; '
     'allowed: "advisory", "mandatory", "remediate", "disabled"'),
    ({"mini-log-retention": 7},
     'stacks/policy.test.json: policy "mini-log-retention": expected an enforcement level ("advisory", '
     '"mandatory", "remediate", "disabled") or an object, got a number'),
    ({"all": {"minimumRetentionDays": 3}},
     'stacks/policy.test.json: "all": key "minimumRetentionDays" cannot be set for all policies; '
     'allowed keys: enforcementLevel'),
    ({"mini-log-retention": {"minimumRetentionDays": 0}},
     'stacks/policy.test.json: policy "mini-log-retention": key "minimumRetentionDays": 0 is less than the '
     'minimum of 1; allowed: integer >= 1'),
    ({"mini-log-retention": {"minimumRetentionDays": "365"}},
     'stacks/policy.test.json: policy "mini-log-retention": key "minimumRetentionDays": \'365\' is not of '
     "type 'integer'; allowed: integer >= 1"),
    ({"mini-log-retention": {"retentionDays": 30}},
     'stacks/policy.test.json: policy "mini-log-retention": key "retentionDays" is not a setting of this '
     'policy; allowed keys: enforcementLevel, minimumRetentionDays'),
    ({"mini-residency": {"allowedRegions": ["eu-central-1", "mars"]}},
     'stacks/policy.test.json: policy "mini-residency": key "allowedRegions[1]": \'mars\' does not match '
     "'^[a-z]{2}-[a-z]+-[0-9]$'; allowed: array of (string matching ^[a-z]{2}-[a-z]+-[0-9]$), "
     "at least 1 item(s)"),
    ({"mini-residency": {"allowedRegions": []}},
     'stacks/policy.test.json: policy "mini-residency": key "allowedRegions": [] should be non-empty; '
     "allowed: array of (string matching ^[a-z]{2}-[a-z]+-[0-9]$), at least 1 item(s)"),
])
def test_invalid_config_names_file_policy_key_and_what_is_allowed(pack, raw, message):
    with pytest.raises(PolicyConfigError) as err:
        resolve_policy_config(raw, pack, SRC)
    assert str(err.value) == message


def test_every_problem_is_reported_at_once(pack):
    with pytest.raises(PolicyConfigError) as err:
        resolve_policy_config({"nope": "advisory", "mini-log-retention": {"minimumRetentionDays": -1},
                               "mini-residency": {"allowedRegions": "eu-central-1"}}, pack, SRC)
    assert str(err.value).splitlines() == [
        'stacks/policy.test.json: "nope" is not a policy of pack "mini-hipaa"; known policies: '
        'mini-kms-rotation, mini-log-retention, mini-residency',
        'stacks/policy.test.json: policy "mini-log-retention": key "minimumRetentionDays": -1 is less than '
        'the minimum of 1; allowed: integer >= 1',
        'stacks/policy.test.json: policy "mini-residency": key "allowedRegions": \'eu-central-1\' is not of '
        "type 'array'; allowed: array of (string matching ^[a-z]{2}-[a-z]+-[0-9]$), at least 1 item(s)",
    ]


def test_a_required_key_without_default_must_be_given(pack):
    from dataclasses import replace

    schema = {"properties": {"zone": {"type": "string", "enum": ["eu", "us"]}}, "required": ["zone"]}
    policy = replace(pack.policies["mini-residency"], config_schema=schema)
    custom = replace(pack, policies={**pack.policies, "mini-residency": policy})
    with pytest.raises(PolicyConfigError) as err:
        resolve_policy_config(None, custom, SRC)
    assert str(err.value) == ('stacks/policy.test.json: policy "mini-residency": key "zone" is required; '
                              'allowed: one of "eu", "us"')
    assert resolve_policy_config({"mini-residency": {"zone": "eu"}}, custom, SRC)["mini-residency"].properties == {
        "zone": "eu"}


def test_initial_config_applies_before_the_file(pack):
    from dataclasses import replace

    with_initial = replace(pack, initial_config={"mini-log-retention": {"enforcementLevel": "advisory",
                                                                        "minimumRetentionDays": 90}})
    resolved = resolve_policy_config(None, with_initial, SRC)
    assert resolved["mini-log-retention"] == ResolvedPolicyConfig("advisory", {"minimumRetentionDays": 90})
    resolved = resolve_policy_config({"mini-log-retention": "mandatory"}, with_initial, SRC)
    assert resolved["mini-log-retention"] == ResolvedPolicyConfig("mandatory", {"minimumRetentionDays": 90})


def test_load_policy_config(tmp_path):
    path = tmp_path / "policy.s.json"
    assert load_policy_config(path, "stacks/policy.s.json") is None
    path.write_text("  \n")
    assert load_policy_config(path, "stacks/policy.s.json") == {}
    path.write_text('{"all": "mandatory",}')
    with pytest.raises(PolicyConfigError) as err:
        load_policy_config(path, "stacks/policy.s.json")
    assert str(err.value) == ("stacks/policy.s.json: invalid JSON at line 1 column 21: "
                              "Expecting property name enclosed in double quotes")
    path.write_text('["mandatory"]')
    with pytest.raises(PolicyConfigError) as err:
        load_policy_config(path, "stacks/policy.s.json")
    assert str(err.value) == ("stacks/policy.s.json: expected a JSON object mapping policy names to settings, "
                              "got an array")
    path.write_text('{"all": "advisory"}')
    assert load_policy_config(path) == {"all": "advisory"}


def test_policy_config_path():
    assert policy_config_path(PROJECT, "fixture-relaxed") == PROJECT / "stacks" / "policy.fixture-relaxed.json"
    assert load_policy_config(policy_config_path(PROJECT, "fixture-relaxed"))["all"] == "advisory"


@pytest.mark.parametrize("schema, text", [
    ({"type": "integer", "minimum": 1, "maximum": 10}, "integer >= 1, <= 10"),
    ({"enum": ["a", 1]}, 'one of "a", 1'),
    ({"type": "string", "pattern": "^x$"}, "string matching ^x$"),
    ({"type": ["string", "null"]}, "string or null"),
    ({"type": "array", "items": {"type": "string"}, "uniqueItems": True}, "array of (string), no duplicates"),
    ({}, "any value"),
])
def test_describe_allowed(schema, text):
    assert describe_allowed(schema) == text
