"""The address plan: layout, no overlaps, stability under change, and every rejected configuration."""

from __future__ import annotations

import copy
import ipaddress
import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from components.address_plan import (
    ORG_NODE_GROUP,
    AddressPlanError,
    derived_slot,
    plan_addresses,
    route_tables_needed,
    security_group_rule_counts,
    subnets_needed,
)
from components.config import ConfigError, parse_spec
from components.network import INTERFACE_ENDPOINTS
from components.network_spec import NetworkSpec
from tests.harness import BASE_CONFIG

SOURCE = "stacks/Pulumi.test.yaml"
N = ipaddress.IPv4Network
DEFAULT = NetworkSpec()
SLOTS = 16  # a /16 VPC: upper half /17 cut into /21 segments


@dataclass(frozen=True)
class Org:
    id: str
    dedicated: bool = True
    cidr: str | None = None


def distinct_slot_ids(count: int, slots: int = SLOTS) -> list[str]:
    """`count` ids whose derived slots differ (chosen deterministically, in order)."""
    chosen: dict[int, str] = {}
    for n in itertools.count():
        org_id = f"clinic-{n}"
        chosen.setdefault(derived_slot(org_id, slots), org_id)
        if len(chosen) == count:
            return list(chosen.values())
    raise AssertionError("unreachable")


def colliding_pair(slots: int = SLOTS) -> tuple[str, str]:
    seen: dict[int, str] = {}
    for n in itertools.count():
        org_id = f"clinic-{n}"
        slot = derived_slot(org_id, slots)
        if slot in seen:
            return seen[slot], org_id
        seen[slot] = org_id
    raise AssertionError("unreachable")


def all_subnets(plan) -> list[N]:
    subnets = [*plan.shared.public, *plan.shared.private, *plan.shared.isolated, *plan.shared.endpoints]
    for segment in plan.segments.values():
        subnets.extend([*segment.private, *segment.isolated])
    return subnets


# -- layout ----------------------------------------------------------------------------------------
def test_shared_tiers_of_a_16_vpc():
    plan = plan_addresses(DEFAULT, [])
    assert plan.vpc == N("10.64.0.0/16")
    assert plan.shared_block == N("10.64.0.0/17")
    assert plan.supernet == N("10.64.128.0/17")
    assert plan.shared.private == (N("10.64.0.0/19"), N("10.64.32.0/19"), N("10.64.64.0/19"))
    assert plan.shared.isolated == (N("10.64.96.0/21"), N("10.64.104.0/21"), N("10.64.112.0/21"))
    assert plan.shared.public == (N("10.64.120.0/23"), N("10.64.122.0/23"), N("10.64.124.0/23"))
    assert plan.shared.endpoints == (N("10.64.126.0/25"), N("10.64.126.128/25"), N("10.64.127.0/25"))
    assert plan.slots == 16
    assert plan.segments == {}


def test_endpoint_subnets_fill_the_one_free_slot_and_move_nothing():
    """Added after the first deployments: only the fourth /23 of the public block was still unused."""
    plan = plan_addresses(DEFAULT, [Org("acme")])
    free_slot = N("10.64.126.0/23")
    assert all(subnet.subnet_of(free_slot) for subnet in plan.shared.endpoints)
    earlier = [*plan.shared.public, *plan.shared.private, *plan.shared.isolated,
               *plan.segments["acme"].private, *plan.segments["acme"].isolated]
    assert not any(subnet.overlaps(free_slot) for subnet in earlier)
    # A fourth AZ's endpoint subnet would still fit: 10.64.127.128/25.
    assert N("10.64.127.128/25").subnet_of(free_slot) and N("10.64.127.128/25") not in plan.shared.endpoints


def test_going_from_two_to_three_zones_renumbers_nothing():
    two = plan_addresses(NetworkSpec(availability_zones=2), [Org("acme")])
    three = plan_addresses(NetworkSpec(availability_zones=3), [Org("acme")])
    for tier in ("public", "private", "isolated", "endpoints"):
        assert getattr(three.shared, tier)[:2] == getattr(two.shared, tier)
    assert three.segments["acme"].private[:2] == two.segments["acme"].private
    assert three.segments["acme"].isolated[:2] == two.segments["acme"].isolated


def test_a_segment_is_derived_from_the_org_id_and_holds_its_subnets():
    plan = plan_addresses(DEFAULT, [Org("acme"), Org("bluebird", dedicated=False)])
    assert list(plan.segments) == ["acme"]
    segment = plan.segments["acme"]
    assert derived_slot("acme", 16) == 0
    assert segment.slot == 0
    assert segment.explicit is False
    assert segment.cidr == N("10.64.128.0/21")
    assert segment.private == (N("10.64.128.0/23"), N("10.64.130.0/23"), N("10.64.132.0/23"))
    assert segment.isolated == (N("10.64.134.0/25"), N("10.64.134.128/25"), N("10.64.135.0/25"))


def test_an_explicit_cidr_is_used_as_given():
    plan = plan_addresses(DEFAULT, [Org("acme", cidr="10.64.248.0/21")])
    segment = plan.segments["acme"]
    assert segment.cidr == N("10.64.248.0/21")
    assert segment.slot == 15
    assert segment.explicit is True


def test_the_smallest_vpc_still_yields_valid_aws_subnets():
    # The smallest VPC is a /19 since the endpoint subnets (VPC prefix + 9) exist: a /20's would be /29.
    plan = plan_addresses(NetworkSpec(vpc_cidr="10.64.0.0/19"), [Org(i) for i in distinct_slot_ids(16, slots=16)])
    assert plan.segment_prefix_length == 24
    assert plan.slots == 16
    assert min(s.prefixlen for s in all_subnets(plan)) >= 22
    assert max(s.prefixlen for s in all_subnets(plan)) == 28  # AWS's smallest subnet
    assert plan.shared.public[0].prefixlen == 26  # a load balancer needs at least a /27
    (endpoint_prefix,) = {s.prefixlen for s in plan.shared.endpoints}
    assert endpoint_prefix == 28
    # AWS reserves 5 addresses of every subnet; each interface endpoint takes one per subnet.
    assert 2 ** (32 - endpoint_prefix) - 5 >= len(INTERFACE_ENDPOINTS)


@pytest.mark.parametrize("count", range(1, SLOTS + 1))
def test_no_overlaps_for_any_number_of_dedicated_orgs(count):
    ids = distinct_slot_ids(count)
    plan = plan_addresses(DEFAULT, [Org(i) for i in ids])
    assert sorted(plan.segments) == sorted(ids)
    subnets = all_subnets(plan)
    assert len(subnets) == plan.subnet_count == subnets_needed(3, count)
    for a, b in itertools.combinations(subnets, 2):
        assert not a.overlaps(b), f"{a} overlaps {b}"
    for segment in plan.segments.values():
        assert segment.cidr.subnet_of(plan.supernet)
        assert all(s.subnet_of(segment.cidr) for s in (*segment.private, *segment.isolated))
        assert not segment.cidr.overlaps(plan.shared_block)
    for a, b in itertools.combinations([s.cidr for s in plan.segments.values()], 2):
        assert not a.overlaps(b)


# -- stability ---------------------------------------------------------------------------------------
def test_adding_removing_or_reordering_orgs_never_renumbers_another():
    first, second, third, fourth = distinct_slot_ids(4)
    base = plan_addresses(DEFAULT, [Org(first), Org(second), Org(third)])
    variants = [
        [Org(third), Org(first), Org(second)],  # reordered
        [Org(first), Org(second), Org(third), Org(fourth)],  # added
        [Org(fourth), Org(third), Org("shared", dedicated=False), Org(first), Org(second)],  # added, reordered, mixed
        [Org(first), Org(third)],  # removed
    ]
    for orgs in variants:
        plan = plan_addresses(DEFAULT, orgs)
        for org_id, segment in plan.segments.items():
            if org_id in base.segments:
                assert segment == base.segments[org_id]
        assert plan.shared == base.shared


def test_pinning_a_deployed_org_to_its_derived_block_changes_nothing():
    derived = plan_addresses(DEFAULT, [Org("acme")]).segments["acme"]
    pinned = plan_addresses(DEFAULT, [Org("acme", cidr=str(derived.cidr))]).segments["acme"]
    assert (pinned.cidr, pinned.private, pinned.isolated) == (derived.cidr, derived.private, derived.isolated)


def test_filling_every_slot_by_following_the_suggested_blocks():
    orgs: list[Org] = []
    for n in itertools.count():
        if len(orgs) == SLOTS:
            break
        candidate = Org(f"tenant-{n}")
        try:
            plan_addresses(DEFAULT, [*orgs, candidate])
            orgs.append(candidate)
        except AddressPlanError as error:
            (problem,) = error.problems
            suggested = problem.rsplit("a free block such as ", 1)[1]
            orgs.append(Org(candidate.id, cidr=suggested))
    plan = plan_addresses(DEFAULT, orgs)
    assert len({s.cidr for s in plan.segments.values()}) == SLOTS
    with pytest.raises(AddressPlanError) as caught:
        plan_addresses(DEFAULT, [*orgs, Org("one-too-many", cidr="10.64.128.0/21")])
    assert "17 dedicated organizations need 17 segments" in caught.value.problems[0]


def test_who_is_blamed_for_a_collision_does_not_depend_on_list_order():
    first, second = colliding_pair()
    forward = plan_addresses_problems([Org(first), Org(second)])
    backward = plan_addresses_problems([Org(second), Org(first)])
    assert len(forward) == len(backward) == 1
    assert f"'{first}' and organizations[1] '{second}' both derive" in forward[0]
    assert f"'{first}' and organizations[0] '{second}' both derive" in backward[0]


def plan_addresses_problems(orgs: list[Org]) -> list[str]:
    with pytest.raises(AddressPlanError) as caught:
        plan_addresses(DEFAULT, orgs)
    return list(caught.value.problems)


def test_counts_of_subnets_and_route_tables():
    # Four shared tiers per AZ since the endpoints have subnets of their own (were 9, 21, 10).
    assert subnets_needed(3, 0) == 12
    assert subnets_needed(3, 2) == 24
    assert subnets_needed(2, 1) == 12
    assert route_tables_needed(3, 0) == 6  # main, public, 3 private, isolated
    assert route_tables_needed(3, 2) == 14
    assert route_tables_needed(2, 1) == 8


# -- rejected configurations (through the stack config, with file, key path and value) --------------
def org(org_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": org_id, "displayName": org_id.title(), "residency": "us", "tier": "enterprise", **fields}


def problems_of(organizations: list[dict[str, Any]], **network: Any) -> list[str]:
    config = copy.deepcopy(BASE_CONFIG)
    config["quome:organizations"] = organizations
    if network:
        config["quome:network"] = network
    with pytest.raises(ConfigError) as caught:
        parse_spec(config, SOURCE)
    assert all(line.startswith(f"{SOURCE}: ") for line in str(caught.value).splitlines())
    return list(caught.value.problems)


def test_the_stack_fixtures_are_accepted():
    config = copy.deepcopy(BASE_CONFIG)
    config["quome:organizations"] = [org("acme", cidr="10.64.136.0/21"), org("zeta")]
    spec = parse_spec(config, SOURCE)
    assert [o.cidr for o in spec.organizations] == ["10.64.136.0/21", None]


def test_rejects_a_cidr_on_a_shared_org():
    problems = problems_of([org("acme", tier="standard", cidr="10.64.128.0/21")])
    assert problems == [
        'quome:organizations[0].cidr = "10.64.128.0/21": only dedicated organizations (tier enterprise, or isolation: '
        "dedicated) have a VPC segment; remove cidr or set isolation: dedicated"
    ]


OUTSIDE_SUPERNET = (
    "must lie inside the organization-segment supernet 10.64.128.0/17 "
    "(the upper half of quome:network.vpcCidr 10.64.0.0/16)"
)


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [
        (
            "10.64.300.0/21",
            "must be an IPv4 network in CIDR notation (Octet 300 (> 255) not permitted in '10.64.300.0')",
        ),
        ("segment-a", "must be an IPv4 network in CIDR notation (Expected 4 octets in 'segment-a')"),
        ("10.64.130.0/21", "host bits are set; the block is written 10.64.128.0/21"),
        (
            "10.64.128.0/22",
            "must be a /21: every organization segment has the same size "
            "(quome:network.orgSegmentPrefixLength, default VPC prefix + 5)",
        ),
        ("10.64.64.0/21", OUTSIDE_SUPERNET),
        ("10.65.0.0/21", OUTSIDE_SUPERNET),
    ],
)
def test_rejects_invalid_explicit_cidrs(cidr, expected):
    assert problems_of([org("acme", cidr=cidr)]) == [f'quome:organizations[0].cidr = "{cidr}": {expected}']


def test_rejects_two_explicit_cidrs_on_one_block_blaming_the_later_id():
    problems = problems_of([org("zeta", cidr="10.64.136.0/21"), org("acme", cidr="10.64.136.0/21")])
    assert problems == [
        'quome:organizations[0].cidr = "10.64.136.0/21": overlaps the explicit cidr of organizations[1] \'acme\'; '
        "every segment needs its own block, for example a free block such as 10.64.128.0/21"
    ]


def test_a_derived_block_taken_by_an_explicit_cidr_blames_the_org_without_one():
    # acme derives 10.64.128.0/21 (slot 0); zeta claims that block explicitly.
    problems = problems_of([org("acme"), org("zeta", cidr="10.64.128.0/21")])
    assert problems == [
        "quome:organizations[0].cidr = null: organization 'acme' derives 10.64.128.0/21 from its id (slot 0 of 16), "
        "which organizations[1] 'zeta' claims explicitly; set an explicit cidr for 'acme', for example a free block "
        "such as 10.64.136.0/21"
    ]


def test_two_orgs_deriving_one_block_are_both_named():
    first, second = colliding_pair()
    block = "10.64.208.0/21"
    assert derived_slot(first, 16) == derived_slot(second, 16) == 10
    problems = problems_of([org(second), org(first)])
    assert problems == [
        f"quome:organizations[0].cidr = null: organizations[1] '{first}' and organizations[0] '{second}' both derive "
        f"{block} from their ids (slot 10 of 16); set an explicit cidr for one of them: pin the one already deployed "
        f"to {block}, and give the other a free block such as 10.64.128.0/21"
    ]


def test_the_suggested_block_resolves_the_collision():
    first, second = colliding_pair()
    config = copy.deepcopy(BASE_CONFIG)
    config["quome:organizations"] = [org(first), org(second, cidr="10.64.128.0/21")]
    spec = parse_spec(config, SOURCE)
    plan = plan_addresses(spec.network, spec.organizations)
    assert str(plan.segments[first].cidr) == "10.64.208.0/21"
    assert str(plan.segments[second].cidr) == "10.64.128.0/21"


def test_rejects_more_dedicated_orgs_than_segments():
    ids = distinct_slot_ids(8, slots=8)
    # A /19 (the smallest VPC since /20 went) cut into /23 segments: 8 slots.
    problems = problems_of([org(i) for i in [*ids, "one-more"]], vpcCidr="10.64.0.0/19", orgSegmentPrefixLength=23)
    assert problems == [
        "quome:organizations: 9 dedicated organizations need 9 segments, but the supernet 10.64.16.0/20 holds only 8 "
        "segments of /23; organizations[8] 'one-more' do not fit (use a larger quome:network.vpcCidr or a longer "
        "quome:network.orgSegmentPrefixLength)"
    ]


def test_rejects_more_subnets_than_the_vpc_quota():
    ids = distinct_slot_ids(3)
    # 12 shared + 6 per org: 18, 24, 30; a quota of 25 takes two organizations.
    problems = problems_of([org(i) for i in ids], quotas={"subnetsPerVpc": 25})
    assert problems == [
        "quome:network.quotas.subnetsPerVpc = 25: the address plan needs 30 subnets (4 shared per AZ, 2 per AZ for "
        f"each dedicated organization, with 3 AZs); organizations[2] '{ids[2]}' is the first dedicated organization "
        "that does not fit. Raise the VPC quota with AWS and set the new value here, or dedicate fewer organizations"
    ]


def test_rejects_more_route_tables_than_the_vpc_quota():
    ids = distinct_slot_ids(2)
    # 6 shared + 4 per org: 10, 14; a quota of 13 takes one organization.
    problems = problems_of([org("shared-a", tier="standard"), org("shared-b", tier="standard"), *[org(i) for i in ids]],
                           quotas={"routeTablesPerVpc": 13})
    assert problems == [
        "quome:network.quotas.routeTablesPerVpc = 13: the address plan needs 14 route tables (the main table, 1 "
        f"public, 3 private and 1 isolated, plus 4 per dedicated organization); organizations[3] '{ids[1]}' is the "
        "first dedicated organization that does not fit. Raise the VPC quota with AWS and set the new value here, "
        "or dedicate fewer organizations"
    ]


def test_a_quota_below_the_shared_tiers_is_rejected_without_blaming_an_org():
    problems = problems_of([org("acme", tier="standard")], quotas={"subnetsPerVpc": 8})
    assert problems == [
        "quome:network.quotas.subnetsPerVpc = 8: the address plan needs 12 subnets (4 shared per AZ, 2 per AZ for each "
        "dedicated organization, with 3 AZs); the shared tiers alone do not fit. Raise the VPC quota with AWS and set "
        "the new value here, or dedicate fewer organizations"
    ]


def test_the_quota_counts_two_zones_in_dev():
    ids = distinct_slot_ids(2)
    # 2 AZs: 8 shared + 4 per org: 12, 16.
    problems = problems_of([org(i) for i in ids], availabilityZones=2, quotas={"subnetsPerVpc": 13})
    assert problems[0].startswith("quome:network.quotas.subnetsPerVpc = 13: the address plan needs 16 subnets")


# -- security-group rules ------------------------------------------------------------------------------
def test_rule_counts_per_group_and_direction():
    assert security_group_rule_counts(1, 0) == {
        ("endpoints", "ingress"): 1,
        ("endpoints", "egress"): 0,
        ("control-plane", "ingress"): 1,
        ("control-plane", "egress"): 2,
        ("shared-nodes", "ingress"): 4,
        ("shared-nodes", "egress"): 4,
        ("edge", "ingress"): 1,
        ("edge", "egress"): 1,
    }
    counts = security_group_rule_counts(5, 12)
    assert counts[("edge", "egress")] == 65  # 5 ports x (shared + 12 dedicated node groups)
    assert counts[("control-plane", "ingress")] == 13
    assert counts[("control-plane", "egress")] == 26
    assert counts[("shared-nodes", "ingress")] == 3 + 5 + 2 * 12
    assert counts[(ORG_NODE_GROUP, "ingress")] == 8
    assert counts[(ORG_NODE_GROUP, "egress")] == 6


def test_rejects_more_edge_rules_than_the_security_group_quota():
    """The review's case: a dev stack with 12 dedicated organizations and 5 service ports."""
    ids = distinct_slot_ids(12)
    ports = [8443, 8444, 8445, 8446, 8447]
    problems = problems_of([org(i) for i in ids], availabilityZones=2, singleNatGateway=True, servicePorts=ports)
    assert problems == [
        "quome:network.quotas.rulesPerSecurityGroup = 60: the edge (load balancer) security group needs 65 egress "
        "rules (each service port to the shared and each dedicated organization's node group; 5 service ports, "
        f"12 dedicated organizations); organizations[11] '{ids[11]}' is the first dedicated organization that does "
        "not fit. Raise the quota 'Inbound or outbound rules per security group' with AWS and set the new value "
        "here, or use fewer quome:network.servicePorts or dedicate fewer organizations"
    ]
    config = copy.deepcopy(BASE_CONFIG)
    config["quome:organizations"] = [org(i) for i in ids]
    config["quome:network"] = {"servicePorts": ports, "quotas": {"rulesPerSecurityGroup": 65}}
    assert parse_spec(config, SOURCE).network.quotas.rules_per_security_group == 65
    config["quome:network"] = {"servicePorts": ports[:4]}  # 4 x 13 = 52
    parse_spec(config, SOURCE)


def test_every_group_over_the_rule_quota_is_named():
    problems = problems_of([org("acme")], servicePorts=[8443, 8444, 8445, 8446, 8447],
                           quotas={"rulesPerSecurityGroup": 7})
    assert [p.split(" needs ")[0].split(": ", 1)[1] + " " + p.split(" needs ")[1].split(" (")[0] for p in problems] == [
        "the shared node security group 10 ingress rules",
        "the edge (load balancer) security group 10 egress rules",
        "each dedicated organization's node security group 8 ingress rules",
    ]
    assert "(itself, tcp 443 and 10250 from the control plane, each service port from the edge, and tcp and udp 53 " \
           "from each dedicated organization's node group; 5 service ports, 1 dedicated organizations); the shared " \
           "groups alone do not fit." in problems[0]
    assert "organizations[0] 'acme' is the first dedicated organization that does not fit." in problems[1]
    assert "this does not depend on how many organizations are dedicated; organizations[0] 'acme' is the first " \
           "whose group does not fit." in problems[2]
    assert all(p.startswith("quome:network.quotas.rulesPerSecurityGroup = 7: ") for p in problems)
