"""The Network component under the plan's mocks: tiers, routes, endpoints, flow logs, isolation rules."""

from __future__ import annotations

import fnmatch
import ipaddress
from types import MappingProxyType
from typing import Any

import pulumi
import pytest
from pulumi.runtime import MockResourceArgs

from components import network as network_module
from components.address_plan import ORG_NODE_GROUP, security_group_rule_counts
from components.network import (
    ARTIFACT_BUCKET_NAME_PATTERN,
    INTERFACE_ENDPOINTS,
    Network,
    NetworkArgs,
    artifact_bucket_name,
    audit_delivery_grants,
    key_grants,
    segment_acl_rules,
    zone_at,
)
from components.providers import aws_provider
from quome.check import check_plan
from quome.mocks import AwsLikeMocks
from quome.plan import Plan, Registration, plan_stack
from tests.harness import ACCOUNT, REGION, build, make_spec, of_type, one, policy_document, statement

LOGS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000001"
AUDIT_BUCKET = f"arn:aws:s3:::quome-audit-{ACCOUNT}-{REGION}"
NAME = "net"

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ENDPOINT_ROUTE = "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ACL = "aws:ec2/networkAcl:NetworkAcl"

ENTERPRISE = {"displayName": "Org", "tier": "enterprise", "residency": "us"}
STANDARD = {"displayName": "Org", "tier": "standard", "residency": "us"}


def orgs(*entries: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": org_id, **fields} for org_id, fields in entries]


# acme derives slot 0 (10.64.128.0/21); kappa slot 12, omega slot 14.
TWO_DEDICATED = orgs(("acme", ENTERPRISE), ("bluebird", STANDARD), ("kappa", ENTERPRISE))


def build_network(protect: bool = False, retain: bool = False, edge_open: bool = False, **overrides: Any) -> Plan:
    spec = make_spec(**overrides)

    def body() -> None:
        provider = aws_provider("aws", spec)
        network = Network(
            NAME,
            NetworkArgs(spec, LOGS_KEY, AUDIT_BUCKET, protect=protect, retain_on_delete=retain),
            provider,
        )
        if edge_open:
            network.open_edge_to_internet()
        groups = {
            "edge": network.edge_security_group_id,
            "endpoints": network.endpoint_security_group_id,
            "control-plane": network.control_plane_security_group_id,
            "shared-nodes": network.shared_node_security_group_id,
        }
        groups.update({f"org:{org_id}": s.node_security_group_id for org_id, s in network.org_segments.items()})
        pulumi.export("groups", groups)
        pulumi.export("privateSubnetIds", network.private_subnet_ids)
        pulumi.export("endpointSubnetIds", network.endpoint_subnet_ids)
        pulumi.export(
            "segments",
            {
                org_id: {
                    "cidr": s.cidr,
                    "privateSubnetIds": s.private_subnet_ids,
                    "isolatedSubnetIds": s.isolated_subnet_ids,
                    "privateSubnetCidrs": list(s.private_subnet_cidrs),
                    "isolatedSubnetCidrs": list(s.isolated_subnet_cidrs),
                }
                for org_id, s in network.org_segments.items()
            },
        )
        pulumi.export(
            "cidrs",
            {
                "vpc": network.vpc_cidr,
                "supernet": network.org_supernet_cidr,
                "public": list(network.public_subnet_cidrs),
                "endpoints": list(network.endpoint_subnet_cidrs),
            },
        )

    return build(body)


@pytest.fixture(scope="module")
def plan() -> Plan:
    """The compliant fixture: 3 AZs, a NAT per AZ, two dedicated organizations and one shared."""
    return build_network(organizations=TWO_DEDICATED)


_MOCKS = AwsLikeMocks(ACCOUNT, REGION)


def resource_id(registration: Registration) -> str:
    """The id the plan's mocks gave this resource (deterministic from its type and name)."""
    return _MOCKS.new_resource(MockResourceArgs(registration.type, registration.name, dict(registration.inputs)))[0]


def by_id(plan: Plan, token: str) -> dict[str, Registration]:
    return {resource_id(r): r for r in of_type(plan, token)}


def subnet_names(plan: Plan, ids: list[str]) -> list[str]:
    subnets = by_id(plan, SUBNET)
    return [subnets[i].name for i in ids]


def tables_of_subnets(plan: Plan) -> dict[str, str]:
    """subnet name -> route table name."""
    subnets, tables = by_id(plan, SUBNET), by_id(plan, ROUTE_TABLE)
    return {
        subnets[a.inputs["subnetId"]].name: tables[a.inputs["routeTableId"]].name for a in of_type(plan, ASSOCIATION)
    }


# -- VPC and tiers ------------------------------------------------------------------------------------
def test_one_vpc_with_dns_support_and_hostnames(plan):
    vpc = one(plan, "aws:ec2/vpc:Vpc")
    assert vpc.name == f"{NAME}-vpc"
    assert vpc.inputs["cidrBlock"] == "10.64.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True
    assert vpc.inputs["enableDnsHostnames"] is True


def test_shared_subnets_per_tier_and_zone(plan):
    subnets = {r.name: r.inputs for r in of_type(plan, SUBNET)}
    expected = {
        "public": ("10.64.120.0/23", "10.64.122.0/23", "10.64.124.0/23"),
        "private": ("10.64.0.0/19", "10.64.32.0/19", "10.64.64.0/19"),
        "isolated": ("10.64.96.0/21", "10.64.104.0/21", "10.64.112.0/21"),
        "endpoints": ("10.64.126.0/25", "10.64.126.128/25", "10.64.127.0/25"),
    }
    for tier, cidrs in expected.items():
        for az, cidr in enumerate(cidrs):
            subnet = subnets[f"{NAME}-{tier}-az{az}"]
            assert subnet["cidrBlock"] == cidr
            assert subnet["availabilityZone"] == f"{REGION}{'abc'[az]}"
            assert subnet["tags"]["quome.io/tier"] == tier
    assert subnets[f"{NAME}-public-az0"]["tags"]["kubernetes.io/role/elb"] == "1"
    assert subnets[f"{NAME}-private-az0"]["tags"]["kubernetes.io/role/internal-elb"] == "1"


def test_nodes_are_named_by_their_address_in_every_private_subnet(plan):
    """The node admission policy places a registering node by the address in its name."""
    for subnet in of_type(plan, SUBNET):
        expected = "ip-name" if subnet.inputs["tags"]["quome.io/tier"] == "private" else None
        assert subnet.inputs.get("privateDnsHostnameTypeOnLaunch") == expected, subnet.name
    assert len([s for s in of_type(plan, SUBNET) if s.inputs.get("privateDnsHostnameTypeOnLaunch")]) == 3 + 2 * 3


def test_no_subnet_maps_public_addresses_on_launch(plan):
    subnets = of_type(plan, SUBNET)
    assert len(subnets) == 12 + 2 * 6
    assert [r.name for r in subnets if r.inputs.get("mapPublicIpOnLaunch") is not False] == []


def test_a_nat_gateway_per_zone_in_its_public_subnet(plan):
    nats = sorted(of_type(plan, "aws:ec2/natGateway:NatGateway"), key=lambda r: r.name)
    assert [r.name for r in nats] == [f"{NAME}-nat-az{az}" for az in range(3)]
    eips = by_id(plan, "aws:ec2/eip:Eip")
    for az, nat in enumerate(nats):
        assert subnet_names(plan, [nat.inputs["subnetId"]]) == [f"{NAME}-public-az{az}"]
        assert nat.inputs["connectivityType"] == "public"
        assert eips[nat.inputs["allocationId"]].inputs["domain"] == "vpc"
        igw = one(plan, "aws:ec2/internetGateway:InternetGateway")
        assert igw.urn in nat.dependencies


def test_only_the_public_table_routes_to_the_internet_gateway(plan):
    tables = by_id(plan, ROUTE_TABLE)
    nats = {resource_id(r): r.name for r in of_type(plan, "aws:ec2/natGateway:NatGateway")}
    igw_id = resource_id(one(plan, "aws:ec2/internetGateway:InternetGateway"))
    routes: dict[str, list[dict[str, Any]]] = {}
    for route in of_type(plan, ROUTE):
        routes.setdefault(tables[route.inputs["routeTableId"]].name, []).append(route.inputs)
    assert routes.pop(f"{NAME}-public-rt") == [
        {
            "routeTableId": resource_id(one(plan, ROUTE_TABLE, f"{NAME}-public-rt")),
            "destinationCidrBlock": "0.0.0.0/0",
            "gatewayId": igw_id,
        }
    ]
    for prefix in (NAME, f"{NAME}-org-acme", f"{NAME}-org-kappa"):
        for az in range(3):
            (route,) = routes.pop(f"{prefix}-private-rt-az{az}")
            assert route["destinationCidrBlock"] == "0.0.0.0/0"
            assert nats[route["natGatewayId"]] == f"{NAME}-nat-az{az}"
            assert "gatewayId" not in route
    assert routes == {}, "isolated tables have no routes besides the VPC's local one"
    for table in of_type(plan, ROUTE_TABLE):
        assert "routes" not in table.inputs  # no inline routes anywhere


def test_each_subnet_is_associated_with_its_tier_table(plan):
    associations = tables_of_subnets(plan)
    for az in range(3):
        assert associations[f"{NAME}-public-az{az}"] == f"{NAME}-public-rt"
        assert associations[f"{NAME}-private-az{az}"] == f"{NAME}-private-rt-az{az}"
        assert associations[f"{NAME}-isolated-az{az}"] == f"{NAME}-isolated-rt"
        # Endpoint interfaces need no default route either: they share the isolated table.
        assert associations[f"{NAME}-endpoints-az{az}"] == f"{NAME}-isolated-rt"
        for org_id in ("acme", "kappa"):
            assert associations[f"{NAME}-org-{org_id}-private-az{az}"] == f"{NAME}-org-{org_id}-private-rt-az{az}"
            assert associations[f"{NAME}-org-{org_id}-isolated-az{az}"] == f"{NAME}-org-{org_id}-isolated-rt"
    assert len(associations) == 24


def test_dev_shares_one_nat_across_two_zones():
    plan = build_network(network={"availabilityZones": 2, "singleNatGateway": True}, organizations=TWO_DEDICATED)
    (nat,) = of_type(plan, "aws:ec2/natGateway:NatGateway")
    assert subnet_names(plan, [nat.inputs["subnetId"]]) == [f"{NAME}-public-az0"]
    nat_id = resource_id(nat)
    private_routes = [r for r in of_type(plan, ROUTE) if "natGatewayId" in r.inputs]
    assert len(private_routes) == 2 * 3  # shared + 2 orgs, 2 AZs each
    assert {r.inputs["natGatewayId"] for r in private_routes} == {nat_id}
    assert len(of_type(plan, SUBNET)) == 8 + 2 * 4


def test_a_public_subnet_without_a_nat_reaches_the_internet_only_once_the_edge_opens():
    dev = {"availabilityZones": 2, "singleNatGateway": True}
    closed = tables_of_subnets(build_network(network=dev, organizations=TWO_DEDICATED))
    assert closed[f"{NAME}-public-az0"] == f"{NAME}-public-rt"  # hosts the NAT
    assert f"{NAME}-public-az1" not in closed  # the VPC's main table: local route only
    opened = tables_of_subnets(build_network(network=dev, organizations=TWO_DEDICATED, edge_open=True))
    assert opened[f"{NAME}-public-az0"] == opened[f"{NAME}-public-az1"] == f"{NAME}-public-rt"
    assert {k: v for k, v in opened.items() if k != f"{NAME}-public-az1"} == closed


def test_the_default_security_group_is_adopted_and_emptied(plan):
    default = one(plan, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default.inputs["vpcId"] == resource_id(one(plan, "aws:ec2/vpc:Vpc"))
    assert default.inputs["ingress"] == []
    assert default.inputs["egress"] == []


# -- endpoints ------------------------------------------------------------------------------------------
def test_s3_gateway_endpoint_policy_allows_own_buckets_image_layers_and_os_packages(plan):
    endpoint = one(plan, ENDPOINT, f"{NAME}-s3")
    assert endpoint.inputs["serviceName"] == f"com.amazonaws.{REGION}.s3"
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    document = policy_document(endpoint.inputs["policy"])
    assert len(document["Statement"]) == 3
    own = statement(document, "PlatformBucketsOfThisAccount")
    assert own["Effect"] == "Allow"
    assert own["Principal"] == "*"
    assert own["Resource"] == ["arn:aws:s3:::quome-*", "arn:aws:s3:::quome-*/*"]
    assert own["Condition"] == {"StringEquals": {"aws:ResourceAccount": ACCOUNT}}
    assert "s3:GetObject" in own["Action"] and "s3:PutObject" in own["Action"]
    bucket_administration = ("s3:PutBucket", "s3:DeleteBucket", "s3:PutObjectLegalHold", "s3:Bypass")
    assert not any(a.startswith(bucket_administration) or a == "s3:*" for a in own["Action"])
    layers = statement(document, "EcrImageLayers")
    assert (layers["Effect"], layers["Principal"], layers["Action"]) == ("Allow", "*", "s3:GetObject")
    assert layers["Resource"] == f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket/*"
    packages = statement(document, "AmazonLinux2023Repositories")
    assert (packages["Effect"], packages["Principal"], packages["Action"]) == ("Allow", "*", "s3:GetObject")
    assert packages["Resource"] == f"arn:aws:s3:::al2023-repos-{REGION}-de612dc2/*"


def test_the_node_artifact_bucket_is_reachable_through_the_s3_endpoint(plan):
    name = artifact_bucket_name(ACCOUNT, REGION)
    assert name == f"quome-artifacts-{ACCOUNT}-{REGION}"
    assert ARTIFACT_BUCKET_NAME_PATTERN == "quome-artifacts-{account}-{region}"
    own = statement(policy_document(one(plan, ENDPOINT, f"{NAME}-s3").inputs["policy"]), "PlatformBucketsOfThisAccount")
    assert any(fnmatch.fnmatchcase(f"arn:aws:s3:::{name}/gvisor/runsc", pattern) for pattern in own["Resource"])
    assert any(fnmatch.fnmatchcase(f"arn:aws:s3:::{name}", pattern) for pattern in own["Resource"])


def test_the_s3_endpoint_serves_every_private_and_isolated_table_but_not_the_public_one(plan):
    tables = by_id(plan, ROUTE_TABLE)
    endpoint_id = resource_id(one(plan, ENDPOINT, f"{NAME}-s3"))
    served = {tables[a.inputs["routeTableId"]].name for a in of_type(plan, ENDPOINT_ROUTE)}
    assert {a.inputs["vpcEndpointId"] for a in of_type(plan, ENDPOINT_ROUTE)} == {endpoint_id}
    assert served == {t.name for t in of_type(plan, ROUTE_TABLE)} - {f"{NAME}-public-rt"}
    assert "routeTableIds" not in one(plan, ENDPOINT, f"{NAME}-s3").inputs


def test_interface_endpoints_with_private_dns_a_security_group_and_a_policy(plan):
    endpoint_subnets = plan.outputs["endpointSubnetIds"]
    assert subnet_names(plan, endpoint_subnets) == [f"{NAME}-endpoints-az{az}" for az in range(3)]
    assert not set(endpoint_subnets) & set(plan.outputs["privateSubnetIds"])
    endpoint_group = plan.outputs["groups"]["endpoints"]
    interface = {
        r.inputs["serviceName"]: r for r in of_type(plan, ENDPOINT) if r.inputs["vpcEndpointType"] == "Interface"
    }
    services = ("kms", "secretsmanager", "sts", "logs", "ecr.api", "ecr.dkr", "eks", "eks-auth", "elasticloadbalancing")
    assert sorted(interface) == sorted(f"com.amazonaws.{REGION}.{s}" for s in services)
    for service in services:
        endpoint = interface[f"com.amazonaws.{REGION}.{service}"]
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert endpoint.inputs["subnetIds"] == endpoint_subnets
        assert endpoint.inputs["securityGroupIds"] == [endpoint_group]
        document = policy_document(endpoint.inputs["policy"])
        only = statement(document, "PrincipalsOfThisAccount")
        assert len(document["Statement"]) == 1
        assert only["Effect"] == "Allow"
        assert only["Action"] == f"{INTERFACE_ENDPOINTS[service]}:*"
        assert only["Condition"] == {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}
    assert INTERFACE_ENDPOINTS["ecr.dkr"] == "ecr"


def test_a_service_that_takes_only_the_full_access_policy_gets_none(monkeypatch):
    monkeypatch.setattr(
        network_module, "INTERFACE_ENDPOINTS", MappingProxyType({**INTERFACE_ENDPOINTS, "eks-auth": None})
    )
    assert network_module.interface_endpoint_policy("eks-auth", ACCOUNT) is None
    assert network_module.interface_endpoint_policy("kms", ACCOUNT)["Statement"][0]["Action"] == "kms:*"


# -- flow logs -------------------------------------------------------------------------------------------
def test_flow_logs_of_all_traffic_to_an_encrypted_group_and_to_the_audit_bucket(plan):
    vpc_id = resource_id(one(plan, "aws:ec2/vpc:Vpc"))
    group = one(plan, "aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == f"/quome/vpc-flow-logs/{NAME}"
    assert group.inputs["kmsKeyId"] == LOGS_KEY
    assert group.inputs["retentionInDays"] == 2557  # 7 years, a value CloudWatch accepts
    to_logs = one(plan, "aws:ec2/flowLog:FlowLog", f"{NAME}-flow-logs-cloudwatch")
    assert to_logs.inputs["vpcId"] == vpc_id
    assert to_logs.inputs["trafficType"] == "ALL"
    assert to_logs.inputs["logDestinationType"] == "cloud-watch-logs"
    assert to_logs.inputs["logDestination"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/quome/vpc-flow-logs/{NAME}"
    role = one(plan, "aws:iam/role:Role")
    assert to_logs.inputs["iamRoleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/{NAME}-flow-logs")
    assert one(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").urn in to_logs.dependencies
    to_bucket = one(plan, "aws:ec2/flowLog:FlowLog", f"{NAME}-flow-logs-s3")
    assert to_bucket.inputs["vpcId"] == vpc_id
    assert to_bucket.inputs["trafficType"] == "ALL"
    assert to_bucket.inputs["logDestinationType"] == "s3"
    assert to_bucket.inputs["logDestination"] == f"{AUDIT_BUCKET}/vpc-flow-logs/"
    assert "iamRoleArn" not in to_bucket.inputs
    assert role.inputs.get("inlinePolicies") is None


def test_the_flow_log_role_is_trusted_by_this_accounts_flow_logs_and_writes_one_group(plan):
    trust = policy_document(one(plan, "aws:iam/role:Role").inputs["assumeRolePolicy"])
    assume = statement(trust, "VpcFlowLogsOfThisAccount")
    assert assume["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert assume["Action"] == "sts:AssumeRole"
    assert assume["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/*"},
    }
    policy = policy_document(one(plan, "aws:iam/policy:Policy").inputs["policy"])
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/quome/vpc-flow-logs/{NAME}"
    write = statement(policy, "WriteFlowLogGroup")
    assert write["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert write["Resource"] == [group_arn, f"{group_arn}:log-stream:*"]
    describe = statement(policy, "DescribeLogGroups")
    assert describe["Action"] == ["logs:DescribeLogGroups", "logs:DescribeLogStreams"]
    assert describe["Resource"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"
    assert all(s["Resource"] != "*" and "*" not in s["Action"] for s in policy["Statement"])


# -- security groups -------------------------------------------------------------------------------------
def rule_table(plan: Plan) -> set[tuple]:
    """Every security-group rule as (group, direction, peer, protocol, from, to), groups by role."""
    role_of = {group_id: role for role, group_id in plan.outputs["groups"].items()}
    rules = set()
    for token, direction in ((INGRESS, "in"), (EGRESS, "out")):
        for rule in of_type(plan, token):
            inputs = rule.inputs
            assert inputs.get("description"), f"{rule.name} has no description"
            if "referencedSecurityGroupId" in inputs:
                peer = role_of[inputs["referencedSecurityGroupId"]]
            else:
                peer = inputs["cidrIpv4"]
            rules.add((role_of[inputs["securityGroupId"]], direction, peer, inputs["ipProtocol"],
                       inputs.get("fromPort"), inputs.get("toPort")))
    return rules


def expected_node_rules(group: str) -> set[tuple]:
    return {
        (group, "in", group, "-1", None, None),
        (group, "in", "control-plane", "tcp", 443, 443),
        (group, "in", "control-plane", "tcp", 10250, 10250),
        (group, "in", "edge", "tcp", 8443, 8443),
        (group, "out", group, "-1", None, None),
        (group, "out", "control-plane", "tcp", 443, 443),
        (group, "out", "endpoints", "tcp", 443, 443),
        (group, "out", "0.0.0.0/0", "tcp", 443, 443),  # HTTPS out through the NAT: SGs do not apply to NAT gateways
    }


def test_the_isolation_rule_table(plan):
    rules = rule_table(plan)
    expected = set()
    for org_group in ("org:acme", "org:kappa"):
        expected |= expected_node_rules(org_group)
        expected |= {
            (org_group, "out", "shared-nodes", "tcp", 53, 53),  # CoreDNS on the shared system nodes
            (org_group, "out", "shared-nodes", "udp", 53, 53),
            ("shared-nodes", "in", org_group, "tcp", 53, 53),
            ("shared-nodes", "in", org_group, "udp", 53, 53),
            ("control-plane", "in", org_group, "tcp", 443, 443),
            ("control-plane", "out", org_group, "tcp", 443, 443),
            ("control-plane", "out", org_group, "tcp", 10250, 10250),
            ("edge", "out", org_group, "tcp", 8443, 8443),
        }
    expected |= expected_node_rules("shared-nodes")
    expected |= {
        ("control-plane", "in", "shared-nodes", "tcp", 443, 443),
        ("control-plane", "out", "shared-nodes", "tcp", 443, 443),
        ("control-plane", "out", "shared-nodes", "tcp", 10250, 10250),
        ("edge", "out", "shared-nodes", "tcp", 8443, 8443),
        ("endpoints", "in", "10.64.0.0/16", "tcp", 443, 443),
    }
    assert rules == expected
    assert len(of_type(plan, INGRESS)) + len(of_type(plan, EGRESS)) == len(expected)


def rule_counts(plan: Plan) -> dict[tuple[str, str], int]:
    """(group role, direction) -> planned rules; dedicated organizations' groups under ORG_NODE_GROUP each."""
    role_of = {group_id: role for role, group_id in plan.outputs["groups"].items()}
    counts: dict[tuple[str, str], int] = {}
    for token, direction in ((INGRESS, "ingress"), (EGRESS, "egress")):
        for rule in of_type(plan, token):  # every registration, so a duplicated rule counts twice
            group = role_of[rule.inputs["securityGroupId"]]
            key = (ORG_NODE_GROUP if group.startswith("org:") else group, direction)
            counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.mark.parametrize(
    ("network", "organizations", "edge_open"),
    [
        ({}, TWO_DEDICATED, False),
        ({}, TWO_DEDICATED, True),
        (
            {"servicePorts": [8080, 9443, 10443]},
            orgs(("acme", ENTERPRISE), ("kappa", ENTERPRISE), ("omega", ENTERPRISE)),
            True,
        ),
        ({"servicePorts": [8080, 9443]}, orgs(("bluebird", STANDARD)), False),
    ],
)
def test_the_config_check_counts_exactly_the_rules_the_network_creates(network, organizations, edge_open):
    """quotas.rulesPerSecurityGroup is checked against security_group_rule_counts: it must not drift."""
    plan = build_network(network=network, organizations=organizations, edge_open=edge_open)
    ports = len(network.get("servicePorts", [8443]))
    dedicated = [o for o in organizations if o["tier"] == "enterprise"]
    planned = rule_counts(plan)
    org_groups = len(dedicated)
    if org_groups:
        # rule_table folds every dedicated group into one role: divide back to one group's rules.
        for direction in ("ingress", "egress"):
            assert planned[(ORG_NODE_GROUP, direction)] % org_groups == 0
            planned[(ORG_NODE_GROUP, direction)] //= org_groups
    expected = {key: count for key, count in security_group_rule_counts(ports, org_groups).items() if count}
    if not edge_open:
        # Counted before a load balancer opens 443, so that opening it can never exceed the quota.
        assert expected.pop(("edge", "ingress")) == 1
    assert planned == expected


def test_no_group_admits_another_organizations_nodes(plan):
    org_groups = {"org:acme", "org:kappa"}
    for group, direction, peer, protocol, from_port, to_port in rule_table(plan):
        if group in org_groups and peer in org_groups:
            assert peer == group, f"{group} {direction} {peer}"
        if group == "shared-nodes" and direction == "in" and peer in org_groups:
            assert protocol in ("tcp", "udp") and from_port == to_port == 53, (
                "shared nodes admit org nodes for DNS only"
            )


def test_security_groups_have_no_inline_rules(plan):
    groups = of_type(plan, "aws:ec2/securityGroup:SecurityGroup")
    assert sorted(g.name for g in groups) == sorted(
        [f"{NAME}-{role}" for role in ("endpoints", "control-plane", "shared-nodes", "edge")]
        + [f"{NAME}-org-acme-nodes", f"{NAME}-org-kappa-nodes"]
    )
    for group in groups:
        assert "ingress" not in group.inputs and "egress" not in group.inputs
        assert group.inputs["description"]


def test_the_edge_is_closed_to_the_internet_until_a_listener_opens_443():
    closed = build_network(organizations=TWO_DEDICATED)
    assert [r for r in rule_table(closed) if r[0] == "edge" and r[1] == "in"] == []
    opened = build_network(organizations=TWO_DEDICATED, edge_open=True)
    assert [r for r in rule_table(opened) if r[0] == "edge" and r[1] == "in"] == [
        ("edge", "in", "0.0.0.0/0", "tcp", 443, 443)
    ]


def test_only_https_can_be_opened_to_the_internet():
    spec = make_spec()
    raised: list[str] = []

    def body() -> None:
        network = Network(NAME, NetworkArgs(spec, LOGS_KEY, AUDIT_BUCKET), aws_provider("aws", spec))
        try:
            network.open_edge_to_internet(80)
        except ValueError as error:
            raised.append(str(error))

    build(body)
    assert raised == ["open_edge_to_internet(port=80): only 443 (TLS) may be open to the internet"]


def test_service_ports_come_from_config():
    plan = build_network(network={"servicePorts": [8080, 9443]}, organizations=orgs(("acme", ENTERPRISE)))
    edge_rules = {r for r in rule_table(plan) if "edge" in (r[0], r[2])}
    assert edge_rules == {
        (group, direction, peer, "tcp", port, port)
        for port in (8080, 9443)
        for group, direction, peer in (("edge", "out", "shared-nodes"), ("edge", "out", "org:acme"),
                                       ("shared-nodes", "in", "edge"), ("org:acme", "in", "edge"))
    }


# -- network ACLs ----------------------------------------------------------------------------------------
def acl_decision(rules: list[dict[str, Any]], address: str, protocol: str, port: int) -> str:
    """How a network ACL treats a packet: the lowest-numbered matching rule wins; no match is a deny."""
    for rule in sorted(rules, key=lambda r: r["ruleNo"]):
        if ipaddress.ip_address(address) not in ipaddress.ip_network(rule["cidrBlock"]):
            continue
        if rule["protocol"] != "-1" and (
            rule["protocol"] != protocol or not rule["fromPort"] <= port <= rule["toPort"]
        ):
            continue
        return rule["action"]
    return "deny"


def test_each_segment_has_one_acl_over_its_subnets(plan):
    acls = {r.name: r for r in of_type(plan, ACL)}
    assert sorted(acls) == [f"{NAME}-org-acme-acl", f"{NAME}-org-kappa-acl"]
    for org_id in ("acme", "kappa"):
        segment = plan.outputs["segments"][org_id]
        acl = acls[f"{NAME}-org-{org_id}-acl"]
        assert acl.inputs["subnetIds"] == segment["privateSubnetIds"] + segment["isolatedSubnetIds"]
        assert acl.inputs["tags"]["quome.io/organization"] == org_id


@pytest.mark.parametrize(
    ("direction", "address", "protocol", "port", "decision"),
    [
        ("ingress", "10.64.130.5", "tcp", 8443, "allow"),  # its own nodes
        ("ingress", "10.64.224.9", "tcp", 443, "deny"),  # kappa's segment
        ("ingress", "10.64.224.9", "udp", 53, "deny"),
        ("ingress", "10.64.250.1", "tcp", 10250, "deny"),  # an unallocated block of the supernet
        ("ingress", "10.64.120.10", "tcp", 8443, "allow"),  # load balancer in a public subnet
        ("ingress", "10.64.1.10", "tcp", 10250, "allow"),  # control plane in a shared private subnet
        ("ingress", "10.64.2.2", "udp", 40000, "allow"),  # CoreDNS reply to an ephemeral port
        ("ingress", "203.0.113.5", "tcp", 50000, "allow"),  # reply to HTTPS through the NAT
        ("ingress", "203.0.113.5", "tcp", 22, "deny"),
        ("ingress", "203.0.113.5", "udp", 50000, "deny"),
        ("egress", "10.64.2.2", "udp", 53, "allow"),  # DNS to CoreDNS
        ("egress", "10.64.3.3", "tcp", 443, "allow"),  # interface endpoint
        ("egress", "198.51.100.7", "tcp", 443, "allow"),  # HTTPS through the NAT
        ("egress", "198.51.100.7", "tcp", 80, "deny"),
        ("egress", "10.64.120.10", "tcp", 50000, "allow"),  # reply to the load balancer
        ("egress", "10.64.1.10", "tcp", 61000, "allow"),  # reply to the control plane
        ("egress", "10.64.224.9", "tcp", 443, "deny"),  # kappa's segment
        ("egress", "10.64.133.1", "tcp", 5432, "allow"),  # its own isolated data subnet
    ],
)
def test_acl_of_acme_isolates_it_without_breaking_replies(plan, direction, address, protocol, port, decision):
    assert plan.outputs["segments"]["acme"]["cidr"] == "10.64.128.0/21"
    assert plan.outputs["segments"]["kappa"]["cidr"] == "10.64.224.0/21"
    acl = one(plan, ACL, f"{NAME}-org-acme-acl")
    assert acl_decision(acl.inputs[direction], address, protocol, port) == decision


def test_acl_rules_are_constant_in_size_and_name_the_supernet(plan):
    acme = one(plan, ACL, f"{NAME}-org-acme-acl").inputs
    kappa = one(plan, ACL, f"{NAME}-org-kappa-acl").inputs
    for inputs in (acme, kappa):
        assert len(inputs["ingress"]) == len(inputs["egress"]) == 4  # AWS default limit: 20 per direction
        denies = [r for r in inputs["ingress"] + inputs["egress"] if r["action"] == "deny"]
        assert {(r["cidrBlock"], r["protocol"], r["ruleNo"]) for r in denies} == {("10.64.128.0/17", "-1", 110)}
    assert acme["ingress"][0]["cidrBlock"] == "10.64.128.0/21"
    assert kappa["ingress"][0]["cidrBlock"] == "10.64.224.0/21"
    assert segment_acl_rules("10.64.128.0/21", "10.64.128.0/17", "10.64.0.0/16", "egress")[3] == dict(
        rule_no=130, action="allow", protocol="tcp", cidr_block="0.0.0.0/0", from_port=443, to_port=443
    )
    with pytest.raises(ValueError, match="allowed are 'ingress', 'egress'"):
        segment_acl_rules("10.64.128.0/21", "10.64.128.0/17", "10.64.0.0/16", "sideways")


# -- segments and stability ---------------------------------------------------------------------------
def test_only_dedicated_orgs_get_a_segment(plan):
    segments = plan.outputs["segments"]
    assert sorted(segments) == ["acme", "kappa"]
    assert segments["acme"]["privateSubnetCidrs"] == ["10.64.128.0/23", "10.64.130.0/23", "10.64.132.0/23"]
    assert segments["acme"]["isolatedSubnetCidrs"] == ["10.64.134.0/25", "10.64.134.128/25", "10.64.135.0/25"]
    assert subnet_names(plan, segments["acme"]["privateSubnetIds"]) == [
        f"{NAME}-org-acme-private-az{az}" for az in range(3)
    ]
    assert not [r for r in plan.registrations if "bluebird" in r.name]
    for subnet in of_type(plan, SUBNET):
        if "-org-" in subnet.name:
            assert subnet.inputs["tags"]["quome.io/organization"] == subnet.name.split("-org-")[1].split("-")[0]


def test_plain_cidrs_for_kubernetes_network_policies(plan):
    cidrs = plan.outputs["cidrs"]
    assert cidrs["vpc"] == "10.64.0.0/16"
    assert cidrs["supernet"] == "10.64.128.0/17"
    assert cidrs["public"] == ["10.64.120.0/23", "10.64.122.0/23", "10.64.124.0/23"]
    # The endpoints' own subnets, not the shared private ones where every shared node and pod lives.
    assert cidrs["endpoints"] == ["10.64.126.0/25", "10.64.126.128/25", "10.64.127.0/25"]


def snapshot(plan: Plan) -> dict[tuple[str, str], Any]:
    return {(r.type, r.name): (r.inputs, r.dependencies, r.parent, r.provider) for r in plan.registrations}


def test_adding_reordering_or_removing_an_org_changes_only_that_orgs_resources(plan):
    base = snapshot(plan)
    grown = snapshot(build_network(organizations=orgs(
        ("omega", ENTERPRISE), ("kappa", ENTERPRISE), ("bluebird", STANDARD), ("acme", ENTERPRISE)
    )))
    added = set(grown) - set(base)
    assert added and all(f"{NAME}-org-omega-" in name for _, name in added)
    assert set(base) - set(grown) == set()
    assert [key for key in base if base[key] != grown[key]] == []

    shrunk = snapshot(build_network(organizations=orgs(("acme", ENTERPRISE), ("bluebird", STANDARD))))
    removed = set(base) - set(shrunk)
    assert removed and all(f"{NAME}-org-kappa-" in name for _, name in removed)
    assert set(shrunk) - set(base) == set()
    assert [key for key in shrunk if shrunk[key] != base[key]] == []


# -- resource options -------------------------------------------------------------------------------------
def test_every_aws_resource_uses_the_stack_provider(plan):
    provider = one(plan, "pulumi:providers:aws")
    for registration in plan.registrations:
        if registration.custom and registration.type.startswith("aws:"):
            assert registration.provider and registration.provider.startswith(provider.urn + "::"), registration.name


def test_only_the_flow_log_group_is_protected_and_retained():
    plan = build_network(protect=True, retain=True, organizations=TWO_DEDICATED)
    protected = [r.name for r in plan.registrations if r.protect]
    retained = [r.name for r in plan.registrations if r.retain_on_delete]
    assert protected == retained == [f"{NAME}-flow-logs"]
    assert one(plan, "aws:cloudwatch/logGroup:LogGroup").inputs["deletionProtectionEnabled"] is True
    assert one(plan, "quome:network:Network").protect is False


def test_unprotected_outside_prod(plan):
    assert [r.name for r in plan.registrations if r.protect or r.retain_on_delete] == []
    assert one(plan, "aws:cloudwatch/logGroup:LogGroup").inputs["deletionProtectionEnabled"] is False


def test_children_are_parented_and_named_after_the_component(plan):
    component = one(plan, "quome:network:Network")
    for registration in plan.registrations:
        if registration.type.startswith(("aws:ec2", "aws:vpc", "aws:iam", "aws:cloudwatch")):
            assert registration.parent == component.urn
            assert registration.name.startswith(f"{NAME}-")


# -- grants and helpers -----------------------------------------------------------------------------------
def test_the_network_needs_no_key_grant():
    assert key_grants(make_spec()) == ()


def test_flow_logs_are_granted_into_the_audit_bucket_under_their_prefix():
    (grant,) = audit_delivery_grants(make_spec())
    assert grant.service == "delivery.logs.amazonaws.com"
    assert grant.prefix == "vpc-flow-logs/"
    assert grant.source_arn_pattern == f"arn:aws:logs:{REGION}:{ACCOUNT}:*"


def test_s3_flow_logs_wait_for_the_audit_bucket_policy():
    spec = make_spec()

    def body() -> None:
        provider = aws_provider("aws", spec)
        policy = pulumi.CustomResource("test:index:BucketPolicy", "audit-policy", {})
        Network(NAME, NetworkArgs(spec, LOGS_KEY, AUDIT_BUCKET, audit_delivery_ready=(policy,)), provider)

    plan = build(body)
    policy_urn = one(plan, "test:index:BucketPolicy").urn
    assert policy_urn in one(plan, "aws:ec2/flowLog:FlowLog", f"{NAME}-flow-logs-s3").dependencies
    assert policy_urn not in one(plan, "aws:ec2/flowLog:FlowLog", f"{NAME}-flow-logs-cloudwatch").dependencies


def test_too_few_zones_in_the_region_is_a_clear_error():
    assert zone_at(["us-east-1a", "us-east-1b"], 1) == "us-east-1b"
    with pytest.raises(ValueError) as caught:
        zone_at(["us-east-1a", "us-east-1b"], 2)
    assert str(caught.value) == (
        "the region offers 2 availability zones without opt-in, but quome:network.availabilityZones needs 3"
    )


# -- the HIPAA pack ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["dev", "us-prod"])
def test_the_policy_pack_finds_no_mandatory_violation_in_the_network(stack):
    """Whatever the pack checks today or later, nothing the network creates may violate it."""
    document = plan_stack(stack)
    network_urns = {r["urn"] for r in document["resources"] if "quome:network:Network" in r["urn"]}
    assert any("aws:ec2/vpc:Vpc" in urn for urn in network_urns)
    result = check_plan(document, in_process=True)
    assert result.policies, "the pack loaded no policy"
    mandatory = [(v.policy, v.urn, v.message) for v in result.violations
                 if v.enforcement == "mandatory" and v.urn in network_urns]
    assert mandatory == []
