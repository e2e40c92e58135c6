"""acc-sg-public-ingress-edge-443: internet ingress (any public CIDR) only on TCP 443, and only to a
security group an internet-facing load balancer uses.

Ingress comes from three places: inline SecurityGroup.ingress blocks, SecurityGroupIngressRule
resources (one CIDR each) and SecurityGroupRule resources of type ingress. A group is "edge" when an
internet-facing load balancer's securityGroups input depends on it.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import LB_TOKENS, as_bool, as_int, as_list, joined, resources_of, shown

CONTROL = CATALOG["acc-sg-public-ingress-edge-443"]

SECURITY_GROUP_TOKEN = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE_TOKEN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_RULE_TOKEN = "aws:ec2/securityGroupRule:SecurityGroupRule"

# Address space that is not reachable from the internet: RFC 1918, RFC 6598 shared space (used for
# pod networking) and IPv6 unique-local addresses. Anything else is an internet source.
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in
                         ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))
TCP = ("tcp", "6")
HTTPS_PORT = 443


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    edge_groups = {urn for lb in resources_of(args, LB_TOKENS) if as_bool(lb.props.get("internal")) is not True
                   for urn in joined(lb, "securityGroups")}
    groups = {sg.urn: sg for sg in resources_of(args, SECURITY_GROUP_TOKEN)}

    def check(source: PolicyResource, group: Optional[PolicyResource], where: str,
              cidrs: list[Any], protocol: Any, from_port: Any, to_port: Any) -> None:
        public = [c for c in cidrs if not _is_private(c)]
        if not public:
            return
        group_name = f"'{group.name}'" if group is not None else "(not a security group of this stack)"
        found = ", ".join(str(c) for c in public)
        if group is None or group.urn not in edge_groups:
            report_violation(f"security group {group_name}: {where} allows {found}, but no internet-facing load "
                             f"balancer lists the group in securityGroups; required internet ingress only on the "
                             f"edge load balancer's group", source.urn)
        if str(protocol).lower() not in TCP or as_int(from_port) != HTTPS_PORT or as_int(to_port) != HTTPS_PORT:
            ports = _ports(protocol, from_port, to_port)
            report_violation(f"security group {group_name}: {where} allows {found} on {ports}; required tcp 443 only",
                             source.urn)

    for sg in groups.values():
        for index, block in enumerate(as_list(sg.props.get("ingress"))):
            if isinstance(block, Mapping):
                check(sg, sg, f"ingress #{index + 1}",
                      as_list(block.get("cidrBlocks")) + as_list(block.get("ipv6CidrBlocks")),
                      block.get("protocol"), block.get("fromPort"), block.get("toPort"))

    for rule in resources_of(args, INGRESS_RULE_TOKEN):
        check(rule, _group_of(rule, groups), f"ingress rule '{rule.name}'",
              as_list(rule.props.get("cidrIpv4")) + as_list(rule.props.get("cidrIpv6")),
              rule.props.get("ipProtocol"), rule.props.get("fromPort"), rule.props.get("toPort"))

    for rule in resources_of(args, SECURITY_GROUP_RULE_TOKEN):
        kind = rule.props.get("type")
        if kind != "ingress":
            args.not_applicable_to(rule, f"security group rule of type {shown(kind)}; this control covers ingress")
            continue
        check(rule, _group_of(rule, groups), f"ingress rule '{rule.name}'",
              as_list(rule.props.get("cidrBlocks")) + as_list(rule.props.get("ipv6CidrBlocks")),
              rule.props.get("protocol"), rule.props.get("fromPort"), rule.props.get("toPort"))


def _group_of(rule: PolicyResource, groups: Mapping[str, PolicyResource]) -> Optional[PolicyResource]:
    return next((groups[urn] for urn in joined(rule, "securityGroupId") if urn in groups), None)


def _is_private(cidr: Any) -> bool:
    """True for a CIDR inside PRIVATE_NETWORKS; a value that is not a CIDR counts as public."""
    try:
        network = ipaddress.ip_network(str(cidr).strip(), strict=False)
    except ValueError:
        return False
    return any(network.version == private.version and network.subnet_of(private) for private in PRIVATE_NETWORKS)


def _ports(protocol: Any, from_port: Any, to_port: Any) -> str:
    if str(protocol) == "-1":
        return "all protocols and ports"
    low, high = as_int(from_port), as_int(to_port)
    if low is not None and low == high:
        return f"{protocol} port {low}"
    return f"{protocol} ports {shown(from_port)}-{shown(to_port)}"


POLICY = stack_policy(CONTROL, validate)
