"""acc-igw-routes-edge-only: default routes to an internet gateway serve only edge subnets, and
internet gateways attach only to VPCs that have edge subnets.

Edge subnets are the ones an internet-facing load balancer (subnets / subnetMappings) or a public
NAT gateway (subnetId) is placed in. Every join goes through property dependencies. A VPC's main
route table (a DefaultRouteTable, or a RouteTable made main by a MainRouteTableAssociation) serves
every subnet without an explicit association, so it must never route to an internet gateway.

Gateway, subnet and VPC ids are unknown during preview until those resources exist, so they are read
only where no property dependency answers the question (a literal id, or no reference at all).
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Callable, Optional

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import LB_TOKENS, as_bool, as_list, by_joined_urn, joined, resources_of

CONTROL = CATALOG["acc-igw-routes-edge-only"]

ROUTE_TOKEN = "aws:ec2/route:Route"
ROUTE_TABLE_TOKEN = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE_TOKEN = "aws:ec2/defaultRouteTable:DefaultRouteTable"
ASSOCIATION_TOKEN = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MAIN_ASSOCIATION_TOKEN = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
IGW_TOKEN = "aws:ec2/internetGateway:InternetGateway"
IGW_ATTACHMENT_TOKEN = "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"
SUBNET_TOKEN = "aws:ec2/subnet:Subnet"
NAT_TOKEN = "aws:ec2/natGateway:NatGateway"
VPC_TOKEN = "aws:ec2/vpc:Vpc"
# The only other kind of gateway a route's gatewayId may name.
VPN_GATEWAY_TOKEN = "aws:ec2/vpnGateway:VpnGateway"

DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")
REQUIRED = "required internet-gateway routes only in route tables whose subnets are all edge subnets"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    igws = {igw.urn: igw for igw in resources_of(args, IGW_TOKEN)}
    vpn_gateways = {gateway.urn for gateway in resources_of(args, VPN_GATEWAY_TOKEN)}
    subnets = {subnet.urn: subnet for subnet in resources_of(args, SUBNET_TOKEN)}
    edge = _edge_subnets(args)
    tables = {rt.urn: rt for rt in resources_of(args, (ROUTE_TABLE_TOKEN, DEFAULT_ROUTE_TABLE_TOKEN))}
    associations = by_joined_urn(resources_of(args, ASSOCIATION_TOKEN), "routeTableId")
    main_associations = by_joined_urn(resources_of(args, MAIN_ASSOCIATION_TOKEN), "routeTableId")

    # (route table, destination, gateway name, the resource holding the route)
    igw_routes: list[tuple[Optional[PolicyResource], str, str, PolicyResource]] = []
    for route in resources_of(args, ROUTE_TOKEN):
        destination = _default_destination(route.props.get("destinationCidrBlock"),
                                           route.props.get("destinationIpv6CidrBlock"))
        if not destination:
            continue
        gateway = _internet_gateway(joined(route, "gatewayId"), igws, partial(route.props.get, "gatewayId"))
        if gateway:
            table = next((tables[urn] for urn in joined(route, "routeTableId") if urn in tables), None)
            igw_routes.append((table, destination, gateway, route))
    for table in tables.values():
        # gatewayId names an internet gateway or a virtual private gateway. Without the latter among the
        # routes' dependencies, a gatewayId of a default route is taken to be the internet gateway they
        # depend on (its id is unknown during preview); with both, each gatewayId has to be read.
        dependencies = joined(table, "routes")
        if any(urn in vpn_gateways for urn in dependencies):
            dependencies = []
        for entry in as_list(table.props.get("routes")):
            if not isinstance(entry, Mapping) or "gatewayId" not in list(entry):
                continue
            destination = _default_destination(entry.get("cidrBlock"), entry.get("ipv6CidrBlock"))
            if destination:
                gateway = _internet_gateway(dependencies, igws, partial(entry.get, "gatewayId"))
                if gateway:
                    igw_routes.append((table, destination, gateway, table))

    for table, destination, gateway, holder in igw_routes:
        route = f"routes {destination} to internet gateway {gateway}"
        if table is None:
            report_violation(f"route '{holder.name}' {route}, but its routeTableId depends on no route table of "
                             f"this stack, so the subnets it serves cannot be checked; {REQUIRED}", holder.urn)
            continue
        if table.resource_type == DEFAULT_ROUTE_TABLE_TOKEN or main_associations.get(table.urn):
            report_violation(f"route table '{table.name}' {route} and is the VPC's main route table, which serves "
                             f"every subnet without an explicit association; {REQUIRED}", holder.urn)
            continue
        # A gateway (edge) association routes inbound traffic and serves no subnet.
        attached = [a for a in associations.get(table.urn, []) if joined(a, "subnetId") or a.props.get("subnetId")]
        if not attached:
            args.not_applicable_to(table, f"route table {route} but has no subnet associations")
        for association in attached:
            found = [subnets[urn] for urn in joined(association, "subnetId") if urn in subnets]
            if not found:
                report_violation(f"route table '{table.name}' {route}; association '{association.name}' attaches a "
                                 f"subnet that is not a subnet of this stack, so it cannot be checked; {REQUIRED}",
                                 association.urn)
            for subnet in found:
                if subnet.urn not in edge:
                    report_violation(f"route table '{table.name}' {route} and serves subnet '{subnet.name}', which "
                                     f"hosts no internet-facing load balancer or NAT gateway; {REQUIRED}",
                                     association.urn)

    _check_attachments(args, igws, subnets, edge, report_violation)


def _edge_subnets(args: StackArgs) -> set[str]:
    edge: set[str] = set()
    for lb in resources_of(args, LB_TOKENS):
        if as_bool(lb.props.get("internal")) is not True:
            edge.update(joined(lb, "subnets"))
            edge.update(joined(lb, "subnetMappings"))
    for nat in resources_of(args, NAT_TOKEN):
        # A private NAT gateway never uses the internet gateway.
        if nat.props.get("connectivityType") != "private":
            edge.update(joined(nat, "subnetId"))
    return edge


def _default_destination(ipv4: object, ipv6: object) -> Optional[str]:
    for value in (ipv4, ipv6):
        if value in DEFAULT_ROUTES:
            return str(value)
    return None


def _internet_gateway(dependencies: list[str], igws: Mapping[str, PolicyResource],
                      literal: Callable[[], object]) -> Optional[str]:
    """The internet gateway a route's gatewayId names ("'name'", or "'igw-...'" when written as a literal
    id), or None for other targets. The value is read only when the gatewayId depends on nothing."""
    depended = [igws[urn] for urn in dependencies if urn in igws]
    if depended:
        return f"'{depended[0].name}'"
    if dependencies:
        return None  # another gateway of this stack: a virtual private gateway
    gateway_id = literal()
    return f"'{gateway_id}'" if str(gateway_id or "").startswith("igw-") else None


def _check_attachments(args: StackArgs, igws: Mapping[str, PolicyResource], subnets: Mapping[str, PolicyResource],
                       edge: set[str], report_violation: ReportViolation) -> None:
    vpcs = {vpc.urn: vpc for vpc in resources_of(args, VPC_TOKEN)}
    vpcs_with_edge = {urn for subnet_urn in edge if subnet_urn in subnets
                      for urn in joined(subnets[subnet_urn], "vpcId")}
    attachments = by_joined_urn(resources_of(args, IGW_ATTACHMENT_TOKEN), "internetGatewayId")
    for igw in igws.values():
        holders = [igw] + attachments.get(igw.urn, [])
        for holder in holders:
            if not joined(holder, "vpcId") and not holder.props.get("vpcId"):
                continue  # not attached (here)
            targets = [vpcs[urn] for urn in joined(holder, "vpcId") if urn in vpcs]
            if not targets:
                report_violation(f"internet gateway '{igw.name}' is attached to a VPC that is not a VPC of this "
                                 f"stack, so its subnets cannot be checked; required internet gateways only in "
                                 f"VPCs with edge subnets", holder.urn)
            for vpc in targets:
                if vpc.urn not in vpcs_with_edge:
                    report_violation(f"internet gateway '{igw.name}' is attached to VPC '{vpc.name}', which has no "
                                     f"edge subnet (no internet-facing load balancer or NAT gateway); required "
                                     f"internet gateways only in VPCs with edge subnets", holder.urn)


POLICY = stack_policy(CONTROL, validate)
