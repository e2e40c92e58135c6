"""Every rule of the stack configuration model, accepted and rejected, with its exact message."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.config import (
    ConfigError,
    LoadedSpec,
    check_stacks_together,
    parse_spec,
)
from tests.harness import BASE_CONFIG

SOURCE = "stacks/Pulumi.test.yaml"


def config_with(**changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(BASE_CONFIG)
    for key, value in changes.items():
        full_key = key.replace("__", ":")
        if value is None:
            config.pop(full_key, None)
        else:
            config[full_key] = value
    return config


def problems_of(config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_spec(config, SOURCE)
    assert all(line.startswith(f"{SOURCE}: ") for line in str(caught.value).splitlines())
    return list(caught.value.problems)


def org(**fields: Any) -> dict[str, Any]:
    return {"id": "acme", "displayName": "Acme", "residency": "us", **fields}


def test_compliant_fixture_is_accepted_with_secure_defaults():
    spec = parse_spec(config_with(), SOURCE)
    assert spec.region == "us-east-1"
    assert spec.account_id == "111111111111"
    assert spec.audit_retention_years == 7
    assert spec.key_rotation_days == 365
    assert spec.owns_account_baseline is False
    assert spec.features.cloud_hsm.enabled is False
    assert spec.network.single_nat_gateway is False
    assert spec.network.availability_zones == 3
    assert [o.id for o in spec.organizations] == ["acme", "bluebird"]
    assert spec.organizations[0].dedicated is True  # enterprise tier
    assert spec.organizations[1].dedicated is False


def test_structured_values_arrive_as_json_text_like_the_engine_sends_them():
    config = config_with(quome__organizations='[{"id": "acme", "displayName": "Acme", "residency": "us"}]')
    assert parse_spec(config, SOURCE).organizations[0].id == "acme"


def test_isolation_overrides_the_tier_default():
    spec = parse_spec(config_with(quome__organizations=[org(tier="standard", isolation="dedicated")]), SOURCE)
    assert spec.organizations[0].dedicated is True
    spec = parse_spec(config_with(quome__organizations=[org(tier="enterprise", isolation="shared")]), SOURCE)
    assert spec.organizations[0].dedicated is False


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"quome__colour": "blue"},
            "quome:colour: unknown key (check the spelling; allowed keys are listed in the README)",
        ),
        ({"quome__region": "us-east-1"}, "quome:region: unknown key (the stack region is aws:region)"),
        ({"aws__region": None}, "aws:region: required key is missing"),
        ({"quome__accountId": None}, "quome:accountId: required key is missing"),
        (
            {"quome__accountId": "12345"},
            'quome:accountId = "12345": must be a 12-digit AWS account id, quoted as a string',
        ),
        ({"quome__environment": "qa"}, "quome:environment = \"qa\": Input should be 'dev', 'staging' or 'prod'"),
        (
            {"quome__residency": "apac"},
            "quome:residency = \"apac\": must be one of the residency zones ['ca', 'eu', 'us']",
        ),
        (
            {"quome__auditRetentionYears": 6},
            "quome:auditRetentionYears = 6: must be at least 7 years (platform minimum, stricter than HIPAA's 6)",
        ),
        ({"quome__keyRotationDays": 30}, "quome:keyRotationDays = 30: Input should be greater than or equal to 90"),
        (
            {"quome__deployerRoleArn": "deployer"},
            'quome:deployerRoleArn = "deployer": must be an IAM role ARN such as arn:aws:iam::123456789012:role/name',
        ),
        (
            {"quome__tags": {"aws:owner": "x"}},
            "quome:tags = {\"aws:owner\": \"x\"}: tag key 'aws:owner' must be 1-128 characters of letters, digits, "
            "spaces and _.:/=+-@, not starting with 'aws:'",
        ),
        (
            {"quome__network": {"vpcCidr": "10.0.0.0/8"}},
            'quome:network.vpcCidr = "10.0.0.0/8": must have a prefix length from /16 to /19 (AWS allows /16 to /28, '
            "but the tiers need room: a /19 VPC's interface-endpoint subnets are /28 already, AWS's smallest subnet)",
        ),
        (
            {"quome__network": {"vpcCidr": "8.8.0.0/16"}},
            'quome:network.vpcCidr = "8.8.0.0/16": must be a private (RFC 1918) range',
        ),
        (
            {"quome__network": {"availabilityZones": 4}},
            "quome:network.availabilityZones = 4: Input should be less than or equal to 3",
        ),
        (
            {"quome__cluster": {"name": "quome-test", "publicAccessCidrs": ["0.0.0.0/0"]}},
            'quome:cluster.publicAccessCidrs = ["0.0.0.0/0"]: must not contain 0.0.0.0/0: '
            "the API endpoint is private, or open to named ranges only",
        ),
        (
            {"quome__features": {"cloudHsm": {"enabled": True, "kmsuserPassword": "x"}}},
            'quome:features.cloudHsm = {"enabled": true, "kmsuserPassword": "x"}: '
            "trustAnchorCertificate and kmsuserPassword go together (phase 2): set both or neither",
        ),
    ],
)
def test_rejects_with_a_message_naming_key_value_and_what_is_allowed(changes, expected):
    assert expected in problems_of(config_with(**changes))


ORG_ID_RULE = (
    "must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) "
    "of at most 20 characters"
)


@pytest.mark.parametrize(
    ("organization", "expected"),
    [
        (org(id="Acme_Health"), f'quome:organizations[0].id = "Acme_Health": {ORG_ID_RULE}'),
        (org(id="a" * 21), f'quome:organizations[0].id = "{"a" * 21}": {ORG_ID_RULE}'),
        (org(id="-acme"), f'quome:organizations[0].id = "-acme": {ORG_ID_RULE}'),
        (
            org(id="shared"),
            'quome:organizations[0].id = "shared": '
            "is reserved for the platform's node pools (shared, system); choose another id",
        ),
        (org(tier="gold"), "quome:organizations[0].tier = \"gold\": Input should be 'standard' or 'enterprise'"),
        (
            org(quotas={"cpu": "lots"}),
            "quome:organizations[0].quotas.cpu = \"lots\": must be a Kubernetes quantity such as '4', '500m', '16Gi'",
        ),
        (
            org(colour="red"),
            "quome:organizations[0].colour: unknown key (check the spelling; allowed keys are listed in the README)",
        ),
        ({"id": "acme", "residency": "us"}, "quome:organizations[0].displayName: required key is missing"),
    ],
)
def test_rejects_bad_organizations(organization, expected):
    assert expected in problems_of(config_with(quome__organizations=[organization]))


def test_org_id_of_exactly_twenty_characters_is_accepted():
    spec = parse_spec(config_with(quome__organizations=[org(id="a" * 20)]), SOURCE)
    assert spec.organizations[0].id == "a" * 20


def test_rejects_duplicate_organization_ids():
    problems = problems_of(config_with(quome__organizations=[org(), org(displayName="Other")]))
    assert problems == [
        'quome:organizations[1].id = "acme": duplicate organization id (already used by organizations[0])'
    ]


def test_rejects_an_organization_from_another_residency_zone():
    problems = problems_of(config_with(quome__organizations=[org(residency="eu")]))
    assert problems == [
        "quome:organizations[0].residency = \"eu\": must equal the stack's residency 'us' "
        "(an organization's data stays in its zone's stack)"
    ]


def test_rejects_a_region_outside_the_residency_zone():
    problems = problems_of(config_with(aws__region="eu-central-1"))
    assert problems == [
        "aws:region = \"eu-central-1\": must be a region of residency zone 'us': us-east-1, us-east-2, us-west-2"
    ]


def test_rejects_roles_of_another_account():
    problems = problems_of(config_with(quome__breakGlassRoleArn="arn:aws:iam::999999999999:role/bg"))
    assert problems == [
        'quome:breakGlassRoleArn = "arn:aws:iam::999999999999:role/bg": '
        "must be a role of the stack's account 111111111111"
    ]


def test_rejects_a_single_nat_gateway_in_prod():
    problems = problems_of(config_with(quome__environment="prod", quome__network={"singleNatGateway": True}))
    assert problems == [
        "quome:network.singleNatGateway = true: not allowed in prod (one AZ outage would cut all egress)"
    ]


def test_reports_every_problem_at_once():
    problems = problems_of(config_with(quome__accountId="1", quome__auditRetentionYears=3, quome__colour="x"))
    assert len(problems) == 3


def loaded(stack: str, **changes: Any) -> LoadedSpec:
    return LoadedSpec(stack, f"stacks/Pulumi.{stack}.yaml", parse_spec(config_with(**changes), SOURCE))


def test_stacks_in_separate_accounts_and_zones_pass_together():
    eu = dict(
        aws__region="eu-central-1", quome__residency="eu", quome__accountId="333333333333",
        quome__deployerRoleArn="arn:aws:iam::333333333333:role/d",
        quome__breakGlassRoleArn="arn:aws:iam::333333333333:role/b",
        quome__organizations=[org(residency="eu")], quome__ownsAccountBaseline=True,
    )
    check_stacks_together([loaded("dev", quome__ownsAccountBaseline=True), loaded("eu", **eu)])


def test_rejects_two_baseline_owners_of_one_account_and_region():
    with pytest.raises(ConfigError) as caught:
        check_stacks_together([
            loaded("a", quome__ownsAccountBaseline=True),
            loaded("b", quome__ownsAccountBaseline=True),
        ])
    assert caught.value.problems == (
        "stacks/Pulumi.b.yaml: quome:ownsAccountBaseline = true: account 111111111111 in us-east-1 already has its "
        "baseline owned by stack 'a' (stacks/Pulumi.a.yaml); exactly one stack may own it",
    )


def test_baseline_owners_in_different_regions_of_one_account_are_fine():
    check_stacks_together([
        loaded("a", quome__ownsAccountBaseline=True),
        loaded("b", quome__ownsAccountBaseline=True, aws__region="us-west-2"),
    ])


def test_rejects_two_zones_sharing_an_account():
    eu_same_account = dict(
        aws__region="eu-central-1", quome__residency="eu", quome__organizations=[org(residency="eu")],
    )
    with pytest.raises(ConfigError) as caught:
        check_stacks_together([loaded("us", ), loaded("eu", **eu_same_account)])
    assert caught.value.problems == (
        "stacks/Pulumi.eu.yaml: quome:accountId = \"111111111111\": account already serves residency zone 'us' "
        "(stack 'us'); each zone needs its own account(s)",
    )


# --- adopting existing account singletons (quome:adoptExisting) -------------------------------------------

DETECTOR = "0123456789abcdef0123456789abcdef"


def test_every_singleton_is_created_unless_adopted():
    adopt = parse_spec(config_with(quome__ownsAccountBaseline=True), SOURCE).adopt_existing
    assert adopt.autoscaling_service_linked_role is False
    assert adopt.config_service_linked_role is False
    assert adopt.guard_duty_detector_id is None
    assert adopt.config_recorder_name is None
    assert adopt.security_hub is False
    assert adopt.adopted == ()


def test_each_singleton_can_be_adopted_by_its_own_key():
    adopt = parse_spec(
        config_with(
            quome__ownsAccountBaseline=True,
            quome__adoptExisting={
                "autoscalingServiceLinkedRole": True,
                "configServiceLinkedRole": True,
                "guardDutyDetectorId": DETECTOR,
                "configRecorderName": "aws-controltower-BaselineConfigRecorder",
                "securityHub": True,
            },
        ),
        SOURCE,
    ).adopt_existing
    assert adopt.autoscaling_service_linked_role is True
    assert adopt.config_service_linked_role is True
    assert adopt.guard_duty_detector_id == DETECTOR
    assert adopt.config_recorder_name == "aws-controltower-BaselineConfigRecorder"
    assert adopt.security_hub is True
    assert adopt.adopted == (
        "autoscalingServiceLinkedRole",
        "configServiceLinkedRole",
        "guardDutyDetectorId",
        "configRecorderName",
        "securityHub",
    )
    only_one = parse_spec(
        config_with(quome__ownsAccountBaseline=True, quome__adoptExisting='{"securityHub": true}'), SOURCE
    ).adopt_existing
    assert only_one.adopted == ("securityHub",)


@pytest.mark.parametrize(
    ("adopt", "expected"),
    [
        (
            {"guardDutyDetectorId": "detector-1"},
            'quome:adoptExisting.guardDutyDetectorId = "detector-1": must be a GuardDuty detector id: 32 lower-case '
            "hex characters (aws guardduty list-detectors)",
        ),
        (
            {"configRecorderName": "my recorder"},
            'quome:adoptExisting.configRecorderName = "my recorder": must be an AWS Config recorder name: 1-256 '
            "letters, digits, '_', '.' or '-' (aws configservice describe-configuration-recorders)",
        ),
        (
            {"securityHub": "maybe"},
            'quome:adoptExisting.securityHub = "maybe": Input should be a valid boolean, unable to interpret input',
        ),
        (
            {"guardDuty": True},
            "quome:adoptExisting.guardDuty: unknown key (check the spelling; allowed keys are listed in the README)",
        ),
    ],
)
def test_rejects_bad_adopt_existing_values(adopt, expected):
    problems = problems_of(config_with(quome__ownsAccountBaseline=True, quome__adoptExisting=adopt))
    assert problems == [expected]


def test_rejects_adopting_singletons_in_a_stack_that_does_not_own_the_baseline():
    problems = problems_of(config_with(quome__adoptExisting={"securityHub": True, "guardDutyDetectorId": DETECTOR}))
    assert problems == [
        "quome:adoptExisting.guardDutyDetectorId is set but quome:ownsAccountBaseline is false: only the stack that "
        "owns the account baseline creates (or adopts) the account singletons",
        "quome:adoptExisting.securityHub is set but quome:ownsAccountBaseline is false: only the stack that owns the "
        "account baseline creates (or adopts) the account singletons",
    ]


def test_reserved_org_ids_are_the_node_pool_names():
    from components.config import RESERVED_ORG_IDS
    from components.node_pool import SHARED_POOL, SYSTEM_POOL

    assert set(RESERVED_ORG_IDS) == {SHARED_POOL, SYSTEM_POOL}
