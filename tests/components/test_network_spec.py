"""The `quome:network` section: secure defaults, and every rejected value with its message."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.config import ConfigError, parse_spec
from components.network_spec import NetworkSpec
from tests.harness import BASE_CONFIG

SOURCE = "stacks/Pulumi.test.yaml"
TOO_BIG = (
    "must have a prefix length from /16 to /19 (AWS allows /16 to /28, but the tiers need room: a /19 VPC's "
    "interface-endpoint subnets are /28 already, AWS's smallest subnet)"
)
PORT_RULE = "must be from 1024 to 65535 (tenant containers run as non-root)"


def segment_prefix_rule(shortest: int, vpc_cidr: str) -> str:
    return (
        f"must be from {shortest} (two segments in the upper half of vpcCidr {vpc_cidr}) to 24 "
        "(a segment's isolated subnets are 4 bits longer, and AWS's smallest subnet is /28)"
    )


def config_with_network(**network: Any) -> dict[str, Any]:
    config = copy.deepcopy(BASE_CONFIG)
    config["quome:network"] = network
    return config


def problems_of(config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_spec(config, SOURCE)
    assert all(line.startswith(f"{SOURCE}: ") for line in str(caught.value).splitlines())
    return list(caught.value.problems)


def test_defaults_are_the_production_shape():
    network = parse_spec(config_with_network(), SOURCE).network
    assert network.vpc_cidr == "10.64.0.0/16"
    assert network.availability_zones == 3
    assert network.single_nat_gateway is False
    assert network.org_segment_prefix_length is None
    assert network.segment_prefix_length == 21
    assert network.service_ports == (8443,)
    assert network.quotas.subnets_per_vpc == 200
    assert network.quotas.route_tables_per_vpc == 200
    assert network.quotas.rules_per_security_group == 60  # AWS's default, per direction


# /20 went when the interface endpoints got subnets of their own: a /20's would be /29, below AWS's /28.
@pytest.mark.parametrize(("vpc_cidr", "segment"), [("10.64.0.0/16", 21), ("10.64.0.0/18", 23), ("10.64.0.0/19", 24)])
def test_default_segment_is_vpc_prefix_plus_five_but_never_smaller_than_a_24(vpc_cidr, segment):
    assert NetworkSpec(vpc_cidr=vpc_cidr).segment_prefix_length == segment


def test_an_explicit_segment_size_is_kept():
    network = parse_spec(config_with_network(orgSegmentPrefixLength=22), SOURCE).network
    assert network.segment_prefix_length == 22


def test_keys_are_camel_case_like_the_rest_of_the_stack_file():
    network = parse_spec(
        config_with_network(
            vpcCidr="10.80.0.0/16", availabilityZones=2, singleNatGateway=True, orgSegmentPrefixLength=20,
            servicePorts=[8080, 8443],
            quotas={"subnetsPerVpc": 300, "routeTablesPerVpc": 250, "rulesPerSecurityGroup": 120},
        ),
        SOURCE,
    ).network
    assert network.vpc_cidr == "10.80.0.0/16"
    assert network.availability_zones == 2
    assert network.single_nat_gateway is True
    assert network.segment_prefix_length == 20
    assert network.service_ports == (8080, 8443)
    assert network.quotas.subnets_per_vpc == 300
    assert network.quotas.route_tables_per_vpc == 250
    assert network.quotas.rules_per_security_group == 120


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        (
            {"vpcCidr": "10.64.0.1/16"},
            'quome:network.vpcCidr = "10.64.0.1/16": '
            "must be an IPv4 network in CIDR notation (10.64.0.1/16 has host bits set)",
        ),
        ({"vpcCidr": "10.0.0.0/8"}, f'quome:network.vpcCidr = "10.0.0.0/8": {TOO_BIG}'),
        ({"vpcCidr": "10.64.0.0/20"}, f'quome:network.vpcCidr = "10.64.0.0/20": {TOO_BIG}'),
        ({"vpcCidr": "8.8.0.0/16"}, 'quome:network.vpcCidr = "8.8.0.0/16": must be a private (RFC 1918) range'),
        ({"availabilityZones": 1}, "quome:network.availabilityZones = 1: Input should be greater than or equal to 2"),
        (
            {"orgSegmentPrefixLength": 17},
            f"quome:network.orgSegmentPrefixLength = 17: {segment_prefix_rule(18, '10.64.0.0/16')}",
        ),
        (
            {"orgSegmentPrefixLength": 25},
            f"quome:network.orgSegmentPrefixLength = 25: {segment_prefix_rule(18, '10.64.0.0/16')}",
        ),
        (
            {"vpcCidr": "10.64.0.0/19", "orgSegmentPrefixLength": 20},
            f"quome:network.orgSegmentPrefixLength = 20: {segment_prefix_rule(21, '10.64.0.0/19')}",
        ),
        (
            {"servicePorts": []},
            "quome:network.servicePorts = []: "
            "must list 1 to 5 ports (each becomes a security-group rule per node group)",
        ),
        ({"servicePorts": [8443, 8443]}, "quome:network.servicePorts = [8443, 8443]: must not repeat a port"),
        ({"servicePorts": [80]}, f"quome:network.servicePorts = [80]: port 80 {PORT_RULE}"),
        ({"servicePorts": [70000]}, f"quome:network.servicePorts = [70000]: port 70000 {PORT_RULE}"),
        (
            {"quotas": {"subnetsPerVpc": 0}},
            "quome:network.quotas.subnetsPerVpc = 0: Input should be greater than or equal to 1",
        ),
        (
            {"quotas": {"routeTablesPerVpc": 0}},
            "quome:network.quotas.routeTablesPerVpc = 0: Input should be greater than or equal to 1",
        ),
        (
            {"quotas": {"rulesPerSecurityGroup": 0}},
            "quome:network.quotas.rulesPerSecurityGroup = 0: Input should be greater than or equal to 1",
        ),
        # AWS: rules per group times groups per network interface may not exceed 1000.
        (
            {"quotas": {"rulesPerSecurityGroup": 1001}},
            "quome:network.quotas.rulesPerSecurityGroup = 1001: Input should be less than or equal to 1000",
        ),
        (
            {"quotas": {"natGatewaysPerAz": 5}},
            "quome:network.quotas.natGatewaysPerAz: "
            "unknown key (check the spelling; allowed keys are listed in the README)",
        ),
    ],
)
def test_rejects_with_key_value_and_what_is_allowed(network, expected):
    assert problems_of(config_with_network(**network)) == [expected]


def test_the_segment_size_is_not_checked_against_an_invalid_vpc_cidr_twice():
    problems = problems_of(config_with_network(vpcCidr="10.0.0.0/8", orgSegmentPrefixLength=12))
    assert problems == [f'quome:network.vpcCidr = "10.0.0.0/8": {TOO_BIG}']
