"""The VPC address plan: deterministic CIDRs for the shared tiers and every dedicated organization.

Pure functions, no Pulumi: the config check and the Network component compute the same plan.

Layout of a VPC with prefix V (a /16 in the examples; V is at most /19):

* lower half (V+1, 10.64.0.0/17) holds the shared tiers, one subnet per AZ each:
  private (V+3, /19: shared nodes; pods take their addresses from here) in the first three quarters,
  and in the last quarter isolated (V+5, /21: data, no default route) in its first three eighths,
  public (V+7, /23: only the load balancer and the NAT gateways) in the first three slots of the next
  (10.64.120.0/21), and in its fourth slot (V+7, 10.64.126.0/23) the interface-endpoint subnets (V+9,
  /25: nothing but the endpoints' network interfaces, so a path "to the endpoints" opens nothing else).
  The endpoint subnets came last, into the one slot that was still free: no earlier CIDR moved. Going
  from 2 to 3 AZs renumbers nothing (each tier's third slot was reserved); only the endpoint tier has a
  fourth AZ's slot left, every other tier's fourth slot holds the next tier.
* upper half (V+1, 10.64.128.0/17) is the organization-segment supernet, cut into equal segments of
  prefix S (default V+5, a /21: 16 segments). A segment holds private subnets (S+2, /23) in its first
  three quarters and isolated subnets (S+4, /25) in its last quarter.

A dedicated organization's segment is the slot `sha256(id) mod slots`, or its explicit `cidr`. The
slot depends on nothing but the id and the supernet's size, so adding, removing or reordering
organizations never renumbers another one. Two organizations on one slot are a configuration error
asking for an explicit cidr: resolving it by probing for the next free slot would make one
organization's addresses depend on which others exist. Capacity is `2 ** (S - (V + 1))` segments
(16 by default); VPC secondary CIDR blocks are out of scope.

Besides subnets and route tables, the plan checks the security-group rules the Network creates
(`security_group_rule_counts`): several shared groups get rules per dedicated organization and per
service port, and AWS limits each group to 60 inbound and 60 outbound rules by default.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping, Protocol, Sequence

from components.network_spec import NetworkSpec

IPv4Network = ipaddress.IPv4Network
NAMESPACE = "quome"
MAX_AVAILABILITY_ZONES = 3


class OrganizationLike(Protocol):
    """What the plan reads of an organization (components.config.Organization satisfies it)."""

    @property
    def id(self) -> str: ...

    @property
    def cidr(self) -> str | None: ...

    @property
    def dedicated(self) -> bool: ...


class AddressPlanError(ValueError):
    """The address plan cannot be built; `problems` holds one config-style message each."""

    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class SharedTiers:
    """The shared part's subnets, one per AZ in each tier."""

    public: tuple[IPv4Network, ...]
    private: tuple[IPv4Network, ...]
    isolated: tuple[IPv4Network, ...]
    endpoints: tuple[IPv4Network, ...]
    """Interface VPC endpoints only (their network interfaces), one per AZ."""


@dataclass(frozen=True)
class SegmentPlan:
    """A dedicated organization's block and its subnets."""

    org_id: str
    cidr: IPv4Network
    slot: int
    explicit: bool
    """True when the block comes from the organization's `cidr` in config, False when derived from its id."""
    private: tuple[IPv4Network, ...]
    isolated: tuple[IPv4Network, ...]


@dataclass(frozen=True)
class AddressPlan:
    """Every CIDR the network creates, decided before any resource exists."""

    vpc: IPv4Network
    shared_block: IPv4Network
    supernet: IPv4Network
    """The block holding every organization segment (network ACLs deny it as a whole)."""
    segment_prefix_length: int
    availability_zones: int
    shared: SharedTiers
    segments: Mapping[str, SegmentPlan]

    @property
    def slots(self) -> int:
        """How many segments the supernet holds: the most dedicated organizations this VPC can take."""
        return slot_count(self.supernet, self.segment_prefix_length)

    @property
    def subnet_count(self) -> int:
        return subnets_needed(self.availability_zones, len(self.segments))

    @property
    def route_table_count(self) -> int:
        return route_tables_needed(self.availability_zones, len(self.segments))


# -- layout --------------------------------------------------------------------------------------
def _nth(block: IPv4Network, prefix: int, index: int) -> IPv4Network:
    """The `index`-th subnet of `block` at `prefix`, computed without enumerating the block."""
    size = 2 ** (32 - prefix)
    return IPv4Network((int(block.network_address) + index * size, prefix))


def split_vpc(vpc: IPv4Network) -> tuple[IPv4Network, IPv4Network]:
    """(shared block, organization supernet): the VPC's lower and upper half."""
    lower, upper = vpc.subnets(prefixlen_diff=1)
    return lower, upper


def shared_tiers(vpc: IPv4Network, availability_zones: int) -> SharedTiers:
    shared, _ = split_vpc(vpc)
    half = shared.prefixlen
    last_quarter = _nth(shared, half + 2, 3)
    public_quarter = _nth(last_quarter, half + 4, 3)
    endpoint_block = _nth(public_quarter, half + 6, 3)
    zones = range(availability_zones)
    return SharedTiers(
        private=tuple(_nth(shared, half + 2, az) for az in zones),
        isolated=tuple(_nth(last_quarter, half + 4, az) for az in zones),
        public=tuple(_nth(public_quarter, half + 6, az) for az in zones),
        endpoints=tuple(_nth(endpoint_block, half + 8, az) for az in zones),
    )


def segment_subnets(
    segment: IPv4Network, availability_zones: int
) -> tuple[tuple[IPv4Network, ...], tuple[IPv4Network, ...]]:
    """(private, isolated) subnets of one organization segment, one per AZ."""
    last_quarter = _nth(segment, segment.prefixlen + 2, 3)
    zones = range(availability_zones)
    private = tuple(_nth(segment, segment.prefixlen + 2, az) for az in zones)
    isolated = tuple(_nth(last_quarter, segment.prefixlen + 4, az) for az in zones)
    return private, isolated


def slot_count(supernet: IPv4Network, segment_prefix_length: int) -> int:
    return 2 ** (segment_prefix_length - supernet.prefixlen)


def derived_slot(org_id: str, slots: int) -> int:
    """The slot an organization's id derives. Frozen forever: changing it would renumber every segment."""
    digest = hashlib.sha256(org_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % slots


def slot_cidr(supernet: IPv4Network, segment_prefix_length: int, slot: int) -> IPv4Network:
    return _nth(supernet, segment_prefix_length, slot)


def subnets_needed(availability_zones: int, dedicated_organizations: int) -> int:
    """Four shared tiers per AZ, plus a private and an isolated subnet per AZ for each segment."""
    return 4 * availability_zones + 2 * availability_zones * dedicated_organizations


def route_tables_needed(availability_zones: int, dedicated_organizations: int) -> int:
    """The VPC's main table, one public, one private per AZ, one isolated (which the endpoint subnets
    share: neither has a default route); per segment the same minus public."""
    return 3 + availability_zones + (availability_zones + 1) * dedicated_organizations


# -- security-group rules ------------------------------------------------------------------------
INGRESS = "ingress"
EGRESS = "egress"
ORG_NODE_GROUP = "org-nodes"
"""Stands for each dedicated organization's node group, which all have the same rules."""
SECURITY_GROUP_DESCRIPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "endpoints": "the interface-endpoint security group",
        "control-plane": "the control-plane security group",
        "shared-nodes": "the shared node security group",
        "edge": "the edge (load balancer) security group",
        ORG_NODE_GROUP: "each dedicated organization's node security group",
    }
)
_RULE_REASONS: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("endpoints", INGRESS): "tcp 443 from the VPC",
        ("endpoints", EGRESS): "none",
        ("control-plane", INGRESS): "tcp 443 from the shared and each dedicated organization's node group",
        ("control-plane", EGRESS): "tcp 443 and 10250 to the shared and each dedicated organization's node group",
        ("shared-nodes", INGRESS): (
            "itself, tcp 443 and 10250 from the control plane, each service port from the edge, and tcp and "
            "udp 53 from each dedicated organization's node group"
        ),
        ("shared-nodes", EGRESS): "itself, the control plane, the endpoints and HTTPS out",
        ("edge", INGRESS): "tcp 443 from the internet, counted before a load balancer opens it",
        ("edge", EGRESS): "each service port to the shared and each dedicated organization's node group",
        (ORG_NODE_GROUP, INGRESS): "itself, tcp 443 and 10250 from the control plane, each service port from the edge",
        (ORG_NODE_GROUP, EGRESS): "itself, the control plane, the endpoints, HTTPS out, tcp and udp 53 to CoreDNS",
    }
)


def security_group_rule_counts(service_ports: int, dedicated_organizations: int) -> dict[tuple[str, str], int]:
    """(group, direction) -> how many rules the Network creates on that group (see components/network.py).

    The edge's one inbound rule exists only once a load balancer opens 443 (`open_edge_to_internet`);
    it is counted anyway, so opening the edge can never exceed the quota. `ORG_NODE_GROUP` is each
    dedicated organization's group; it is listed only when there is one.
    """
    ports, orgs = service_ports, dedicated_organizations
    node_groups = 1 + orgs
    counts = {
        ("endpoints", INGRESS): 1,
        ("endpoints", EGRESS): 0,
        ("control-plane", INGRESS): node_groups,
        ("control-plane", EGRESS): 2 * node_groups,
        ("shared-nodes", INGRESS): 3 + ports + 2 * orgs,
        ("shared-nodes", EGRESS): 4,
        ("edge", INGRESS): 1,
        ("edge", EGRESS): ports * node_groups,
    }
    if orgs:
        counts[(ORG_NODE_GROUP, INGRESS)] = 3 + ports
        counts[(ORG_NODE_GROUP, EGRESS)] = 6
    return counts


# -- validation ----------------------------------------------------------------------------------
def _cidr_key(index: int) -> str:
    return f"{NAMESPACE}:organizations[{index}].cidr"


def _explicit_problem(index: int, raw: str, supernet: IPv4Network, prefix: int, vpc_cidr: str) -> str | None:
    key = f"{_cidr_key(index)} = {json.dumps(raw)}"
    try:
        network = IPv4Network(raw, strict=False)
    except ValueError as error:
        return f"{key}: must be an IPv4 network in CIDR notation ({error})"
    if str(network.network_address) != raw.split("/")[0]:
        return f"{key}: host bits are set; the block is written {network}"
    if network.prefixlen != prefix:
        return (
            f"{key}: must be a /{prefix}: every organization segment has the same size "
            f"(quome:network.orgSegmentPrefixLength, default VPC prefix + 5)"
        )
    if not network.subnet_of(supernet):
        return (
            f"{key}: must lie inside the organization-segment supernet {supernet} "
            f"(the upper half of quome:network.vpcCidr {vpc_cidr})"
        )
    return None


def address_problems(network: NetworkSpec, organizations: Sequence[OrganizationLike]) -> list[str]:
    """Every reason the address plan cannot be built, as config messages (key path, value, what is allowed)."""
    problems, _ = _allocate(network, organizations)
    return problems


def plan_addresses(network: NetworkSpec, organizations: Sequence[OrganizationLike]) -> AddressPlan:
    """The plan for a validated spec; AddressPlanError if the configuration cannot be laid out."""
    problems, segments = _allocate(network, organizations)
    if problems:
        raise AddressPlanError(problems)
    vpc = IPv4Network(network.vpc_cidr)
    shared, supernet = split_vpc(vpc)
    return AddressPlan(
        vpc=vpc,
        shared_block=shared,
        supernet=supernet,
        segment_prefix_length=network.segment_prefix_length,
        availability_zones=network.availability_zones,
        shared=shared_tiers(vpc, network.availability_zones),
        segments=MappingProxyType(segments),
    )


def _allocate(
    network: NetworkSpec, organizations: Sequence[OrganizationLike]
) -> tuple[list[str], dict[str, SegmentPlan]]:
    vpc = IPv4Network(network.vpc_cidr)
    _, supernet = split_vpc(vpc)
    prefix = network.segment_prefix_length
    slots = slot_count(supernet, prefix)
    zones = network.availability_zones
    problems: list[str] = []

    dedicated: list[tuple[int, OrganizationLike]] = []
    for index, org in enumerate(organizations):
        if org.dedicated:
            dedicated.append((index, org))
        elif org.cidr is not None:
            problems.append(
                f"{_cidr_key(index)} = {json.dumps(org.cidr)}: only dedicated organizations (tier enterprise, or "
                f"isolation: dedicated) have a VPC segment; remove cidr or set isolation: dedicated"
            )

    if len(dedicated) > slots:
        beyond = ", ".join(f"organizations[{i}] '{o.id}'" for i, o in dedicated[slots:])
        problems.append(
            f"{NAMESPACE}:organizations: {len(dedicated)} dedicated organizations need {len(dedicated)} segments, but "
            f"the supernet {supernet} holds only {slots} segments of /{prefix}; {beyond} do not fit "
            f"(use a larger quome:network.vpcCidr or a longer quome:network.orgSegmentPrefixLength)"
        )
        return problems, {}
    problems.extend(_quota_problems(network, dedicated))

    # Explicit blocks first, then derived ones, each in id order: who is blamed never depends on list order.
    by_id = sorted(dedicated, key=lambda item: item[1].id)
    claimed: dict[int, tuple[int, OrganizationLike, bool]] = {}
    blamed: list[tuple[int, OrganizationLike, int, int, OrganizationLike, bool]] = []
    for index, org in by_id:
        if org.cidr is None:
            continue
        problem = _explicit_problem(index, org.cidr, supernet, prefix, network.vpc_cidr)
        if problem:
            problems.append(problem)
            continue
        slot = _slot_of(IPv4Network(org.cidr), supernet, prefix)
        if slot in claimed:
            blamed.append((index, org, slot, *claimed[slot][:2], True))
        else:
            claimed[slot] = (index, org, True)
    for index, org in by_id:
        if org.cidr is not None:
            continue
        slot = derived_slot(org.id, slots)
        if slot in claimed:
            blamed.append((index, org, slot, *claimed[slot]))
        else:
            claimed[slot] = (index, org, False)

    free = iter(s for s in range(slots) if s not in claimed)
    for index, org, slot, other_index, other, other_explicit in blamed:
        block = slot_cidr(supernet, prefix, slot)
        suggestion = next(free, None)
        example = (
            f"a free block such as {slot_cidr(supernet, prefix, suggestion)}"
            if suggestion is not None
            else f"a block freed by removing another organization (all {slots} segments are taken)"
        )
        if org.cidr is not None:
            problems.append(
                f"{_cidr_key(index)} = {json.dumps(org.cidr)}: "
                f"overlaps the explicit cidr of organizations[{other_index}] '{other.id}'; "
                f"every segment needs its own block, for example {example}"
            )
        elif other_explicit:
            problems.append(
                f"{_cidr_key(index)} = null: organization '{org.id}' derives {block} from its id (slot {slot} of "
                f"{slots}), which organizations[{other_index}] '{other.id}' claims explicitly; set an explicit cidr "
                f"for '{org.id}', for example {example}"
            )
        else:
            problems.append(
                f"{_cidr_key(index)} = null: organizations[{other_index}] '{other.id}' and organizations[{index}] "
                f"'{org.id}' both derive {block} from their ids (slot {slot} of {slots}); set an explicit cidr for "
                f"one of them: pin the one already deployed to {block}, and give the other {example}"
            )
    if problems:
        return problems, {}

    segments: dict[str, SegmentPlan] = {}
    for slot, (_, org, explicit) in sorted(claimed.items()):
        block = slot_cidr(supernet, prefix, slot)
        private, isolated = segment_subnets(block, zones)
        segments[org.id] = SegmentPlan(org.id, block, slot, explicit, private, isolated)
    return problems, dict(sorted(segments.items()))


def _slot_of(block: IPv4Network, supernet: IPv4Network, prefix: int) -> int:
    return (int(block.network_address) - int(supernet.network_address)) // 2 ** (32 - prefix)


def _quota_problems(network: NetworkSpec, dedicated: Sequence[tuple[int, OrganizationLike]]) -> list[str]:
    zones = network.availability_zones
    checks = (
        ("subnetsPerVpc", network.quotas.subnets_per_vpc, subnets_needed, "subnets",
         f"4 shared per AZ, 2 per AZ for each dedicated organization, with {zones} AZs"),
        ("routeTablesPerVpc", network.quotas.route_tables_per_vpc, route_tables_needed, "route tables",
         f"the main table, 1 public, {zones} private and 1 isolated, plus {zones + 1} per dedicated organization"),
    )
    problems = []
    for key, quota, needed, what, how in checks:
        total = needed(zones, len(dedicated))
        if total <= quota:
            continue
        culprit = _culprit(functools.partial(needed, zones), quota, dedicated, "the shared tiers")
        problems.append(
            f"{NAMESPACE}:network.quotas.{key} = {quota}: the address plan needs {total} {what} ({how}); "
            f"{culprit}. Raise the VPC quota with AWS and set the new value here, or dedicate fewer organizations"
        )
    return problems + _rule_quota_problems(network, dedicated)


def _culprit(needed: Callable[[int], int], quota: int, dedicated: Sequence[tuple[int, OrganizationLike]],
             shared: str) -> str:
    """Why `needed(len(dedicated))` exceeds `quota`: the shared part alone, or the first organization too many."""
    if needed(0) > quota:
        return f"{shared} alone do not fit"
    fitting = next(n for n in range(len(dedicated)) if needed(n + 1) > quota)
    first_index, first = dedicated[fitting]
    return f"organizations[{first_index}] '{first.id}' is the first dedicated organization that does not fit"


def _rule_quota_problems(network: NetworkSpec, dedicated: Sequence[tuple[int, OrganizationLike]]) -> list[str]:
    """One message per (group, direction) whose rules exceed quotas.rulesPerSecurityGroup."""
    quota = network.quotas.rules_per_security_group
    ports = len(network.service_ports)
    problems = []
    for (group, direction), total in security_group_rule_counts(ports, len(dedicated)).items():
        if total <= quota:
            continue
        if group == ORG_NODE_GROUP:
            culprit = (
                f"this does not depend on how many organizations are dedicated; organizations[{dedicated[0][0]}] "
                f"'{dedicated[0][1].id}' is the first whose group does not fit"
            )
        else:
            culprit = _culprit(lambda n, key=(group, direction): security_group_rule_counts(ports, n)[key], quota,
                               dedicated, "the shared groups")
        problems.append(
            f"{NAMESPACE}:network.quotas.rulesPerSecurityGroup = {quota}: {SECURITY_GROUP_DESCRIPTIONS[group]} needs "
            f"{total} {direction} rules ({_RULE_REASONS[(group, direction)]}; {ports} service ports, "
            f"{len(dedicated)} dedicated organizations); {culprit}. Raise the quota 'Inbound or outbound rules per "
            f"security group' with AWS and set the new value here, or use fewer quome:network.servicePorts or "
            f"dedicate fewer organizations"
        )
    return problems
