"""The network: one VPC per stack, shared tiers, private AWS endpoints, flow logs, and org segments.

Isolation model. Every organization is isolated in Kubernetes (namespace, default-deny policies). A
dedicated organization also runs on its own nodes in its own segment: private subnets (its nodes and
pods, which take their addresses from the node's subnet) and isolated subnets (its data), with its own
route tables, network ACL and node security group. Route tables cannot isolate inside one VPC (the
`local` route always stays), so the isolation is security groups plus network ACLs:

Security groups (stateful; one rule resource each, no inline rules):

| group                | ingress                                      | egress                                         |
|----------------------|----------------------------------------------|------------------------------------------------|
| org `<id>` nodes     | itself (all); control plane tcp 443, 10250;  | itself (all); control plane tcp 443; shared    |
|                      | edge on the service ports                    | nodes tcp+udp 53 (CoreDNS); endpoints tcp 443; |
|                      |                                              | 0.0.0.0/0 tcp 443 (HTTPS out through the NAT)  |
| shared nodes         | itself (all); control plane tcp 443, 10250;  | itself (all); control plane tcp 443; endpoints |
|                      | edge on the service ports; each org's nodes  | tcp 443; 0.0.0.0/0 tcp 443                     |
|                      | tcp+udp 53 (CoreDNS only)                    |                                                |
| control plane        | shared and each org's nodes tcp 443          | shared and each org's nodes tcp 443, 10250     |
| endpoints            | VPC CIDR tcp 443                             | none                                           |
| edge (load balancer) | none until `open_edge_to_internet()`         | shared and each org's nodes on the service     |
|                      | (0.0.0.0/0 tcp 443 only)                     | ports                                          |
| VPC default group    | none (adopted and emptied)                   | none                                           |

Nothing admits another organization's group. Decisions behind the table:
- CoreDNS runs on the shared system nodes, so "egress to CoreDNS" is tcp+udp 53 to the shared node
  group, and the shared group admits exactly that from org nodes. Traffic to the Amazon-provided DNS
  resolver, instance metadata and the Time Sync service is not filtered by security groups or ACLs.
- Security groups do not apply to NAT gateways: "egress to the NAT" is tcp 443 to 0.0.0.0/0 (HTTPS out).
  That rule also matches other organizations' addresses, which is harmless: their groups do not admit
  it and the segment ACLs deny the whole org supernet.
- The control-plane group is created here and attached by the Cluster as an additional cluster security
  group (`vpc_config.security_group_ids`), so the rules need no id from EKS and nothing is circular.
- Interface endpoints have subnets of their own (one small subnet per AZ, components/address_plan.py),
  so the tenant NetworkPolicy path "tcp 443 to the endpoints", written as CIDRs, reaches only endpoint
  interfaces and not every shared node and pod.
- AWS allows 60 inbound and 60 outbound rules per group by default, and the edge, control-plane and
  shared node groups grow with each dedicated organization and service port:
  `address_plan.security_group_rule_counts` counts this table and the config check rejects a plan
  beyond `quome:network.quotas.rulesPerSecurityGroup` (tests compare the count with the planned rules).

Network ACLs of a segment (stateless; rule numbers are evaluated lowest first; constant size, 4 + 4
rules against the default limit of 20 per direction):

| #   | ingress                             | egress                          |
|-----|-------------------------------------|---------------------------------|
| 100 | allow all from the segment's CIDR   | allow all to the segment's CIDR |
| 110 | deny all from the org supernet      | deny all to the org supernet    |
| 120 | allow all from the VPC CIDR         | allow all to the VPC CIDR       |
| 130 | allow tcp 1024-65535 from 0.0.0.0/0 | allow tcp 443 to 0.0.0.0/0      |

Rule 120 carries the shared part (load balancer, control plane, CoreDNS, endpoints) both ways, replies
included; 130 lets replies to HTTPS requests (through the NAT, or to S3 through the gateway endpoint)
back in on the ephemeral ports. "The rest" is narrowed to what the security groups allow anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.address_plan import AddressPlan, SegmentPlan, plan_addresses
from components.audit_trail import LogDeliveryGrant
from components.buckets import BUCKET_NAME_PREFIX, bucket_name
from components.config import PlatformSpec
from components.keys import KeyUseGrant
from components.log_retention import cloudwatch_retention_days
from components.providers import child_options, invoke_options, stateful_options

PARTITION = "aws"
TIER_TAG = "quome.io/tier"
ORGANIZATION_TAG = "quome.io/organization"

FLOW_LOG_PREFIX = "vpc-flow-logs/"
"""Where the VPC's flow logs land in the audit bucket."""

OWN_BUCKET_PREFIX = BUCKET_NAME_PREFIX
"""Buckets of this account that workloads in the VPC may reach through the S3 gateway endpoint: the
platform's own, whose names all come from components/buckets.py `bucket_name`."""
ARTIFACT_BUCKET_PURPOSE = "artifacts"
ARTIFACT_BUCKET_NAME_PATTERN = bucket_name("{account}", "{region}", ARTIFACT_BUCKET_PURPOSE)
"""Name of the bucket holding node artifacts (gVisor binaries); covered by the own-bucket statement."""
OWN_BUCKET_ACTIONS: tuple[str, ...] = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTagging",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:GetBucketLocation",
)
"""Object work only: bucket configuration (policies, lock, encryption) is never changed from inside the VPC."""

# Interface endpoints: short name -> IAM action prefix its endpoint policy allows. Key, secret, log,
# identity and image traffic then never leaves the AWS network, and only this account's principals
# can use the endpoints (stolen credentials of another account cannot exfiltrate through them).
# Some services accept only the full-access endpoint policy and refuse any other at creation ("Service
# ... only supports the full-access endpoint policy"). EKS accepts custom policies since 2025; for
# eks-auth this could not be confirmed offline: if `pulumi up` reports that error for it, map it to
# None here and leave its policy unset (the call it serves needs the node role anyway).
INTERFACE_ENDPOINTS: Mapping[str, str | None] = MappingProxyType(
    {
        "kms": "kms",
        "secretsmanager": "secretsmanager",
        "sts": "sts",
        "logs": "logs",
        "ecr.api": "ecr",
        "ecr.dkr": "ecr",
        "eks": "eks",
        "eks-auth": "eks-auth",
        "elasticloadbalancing": "elasticloadbalancing",
    }
)

NODE_HOSTNAME_TYPE = "ip-name"
"""Instances in private (node) subnets are named ip-<a>-<b>-<c>-<d>.<region>..., never by instance id."""

HTTPS = 443
KUBELET = 10250
DNS = 53
EPHEMERAL_PORTS = (1024, 65535)
ANYWHERE = "0.0.0.0/0"


def artifact_bucket_name(account_id: str, region: str) -> str:
    """The node-artifact bucket's name (the Cluster creates it; the S3 endpoint policy must allow it)."""
    return bucket_name(account_id, region, ARTIFACT_BUCKET_PURPOSE)


def key_grants(spec: PlatformSpec) -> tuple[KeyUseGrant, ...]:
    """Key uses the network needs: none.

    Its only encrypted resource is the flow-log group, and the logs key's policy already lets CloudWatch
    Logs of this region use it for this account's log groups; flow-log delivery to the audit bucket is
    covered by the logs key's grant to `delivery.logs.amazonaws.com`.
    """
    return ()


def audit_delivery_grants(spec: PlatformSpec) -> tuple[LogDeliveryGrant, ...]:
    """The audit bucket must accept VPC flow logs delivered by CloudWatch Logs' delivery service."""
    return (
        LogDeliveryGrant(
            service="delivery.logs.amazonaws.com",
            prefix=FLOW_LOG_PREFIX,
            source_arn_pattern=f"arn:{PARTITION}:logs:{spec.region}:{spec.account_id}:*",
        ),
    )


def s3_gateway_policy(account_id: str, region: str) -> dict[str, Any]:
    """The S3 gateway endpoint's policy: this account's platform buckets, image layers, OS packages.

    Without the two AWS-owned buckets nodes could not pull images from ECR (layers are served from
    `prod-<region>-starport-layer-bucket`) nor install Amazon Linux 2023 packages (served from
    `al2023-repos-<region>-de612dc2`; name as in the AL2023 documentation and widely used endpoint
    policies). Both are read-only here.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PlatformBucketsOfThisAccount",
                "Effect": "Allow",
                "Principal": "*",
                "Action": list(OWN_BUCKET_ACTIONS),
                "Resource": [
                    f"arn:{PARTITION}:s3:::{OWN_BUCKET_PREFIX}*",
                    f"arn:{PARTITION}:s3:::{OWN_BUCKET_PREFIX}*/*",
                ],
                "Condition": {"StringEquals": {"aws:ResourceAccount": account_id}},
            },
            {
                "Sid": "EcrImageLayers",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:{PARTITION}:s3:::prod-{region}-starport-layer-bucket/*",
            },
            {
                "Sid": "AmazonLinux2023Repositories",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:{PARTITION}:s3:::al2023-repos-{region}-de612dc2/*",
            },
        ],
    }


def interface_endpoint_policy(service: str, account_id: str) -> dict[str, Any] | None:
    """An interface endpoint's policy: the service's actions, for this account's principals only.

    None for a service that accepts only the full-access policy. Pod Identity (eks-auth) is how
    workloads get credentials; IRSA's unauthenticated AssumeRoleWithWebIdentity would be refused
    through the sts endpoint by this condition.
    """
    if INTERFACE_ENDPOINTS[service] is None:
        return None
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PrincipalsOfThisAccount",
                "Effect": "Allow",
                "Principal": "*",
                "Action": f"{INTERFACE_ENDPOINTS[service]}:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": account_id}},
            }
        ],
    }


def flow_log_trust_policy(account_id: str, region: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "VpcFlowLogsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{PARTITION}:ec2:{region}:{account_id}:vpc-flow-log/*"},
                },
            }
        ],
    }


def flow_log_write_policy(log_group_arn: str, account_id: str, region: str) -> dict[str, Any]:
    """Write to the one flow-log group; describing groups is account metadata, read-only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteFlowLogGroup",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
            },
            {
                "Sid": "DescribeLogGroups",
                "Effect": "Allow",
                "Action": ["logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                "Resource": f"arn:{PARTITION}:logs:{region}:{account_id}:log-group:*",
            },
        ],
    }


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of the Network. Address plan and sizes come from the validated spec."""

    spec: PlatformSpec
    logs_key_arn: pulumi.Input[str]
    """The logs CMK (Keys.key_arn("logs")): encrypts the flow-log group."""
    audit_bucket_arn: pulumi.Input[str]
    """The audit bucket (AuditTrail.audit_bucket_arn): flow logs land under FLOW_LOG_PREFIX."""
    audit_delivery_ready: tuple[pulumi.Resource, ...] = ()
    """What must exist before flow logs are delivered to the audit bucket (its bucket policy): S3 flow
    logs check the destination's policy when they are created."""
    protect: bool = False
    """Protect the stateful leaves (the flow-log group); on in prod."""
    retain_on_delete: bool = False
    """Keep the flow-log group when the stack is destroyed (its logs are audit evidence)."""


@dataclass(frozen=True)
class OrgSegment:
    """A dedicated organization's segment, as the Cluster and the Organization need it."""

    org_id: str
    cidr: str
    private_subnet_ids: list[pulumi.Output[str]]
    """One per AZ: the organization's nodes (and so its pods) live here."""
    isolated_subnet_ids: list[pulumi.Output[str]]
    """One per AZ, no default route: the organization's data stores."""
    private_subnet_cidrs: tuple[str, ...]
    isolated_subnet_cidrs: tuple[str, ...]
    node_security_group_id: pulumi.Output[str]
    network_acl_id: pulumi.Output[str]


@dataclass(frozen=True)
class _Peer:
    """One side of a security-group rule: another group, or a CIDR."""

    role: str
    group_id: pulumi.Input[str] | None = None
    cidr: str | None = None


class Network(pulumi.ComponentResource):
    """One VPC with public/private/isolated tiers, endpoints, flow logs and dedicated org segments."""

    def __init__(
        self,
        name: str,
        args: NetworkArgs,
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("quome:network:Network", name, None, opts)
        self._name = name
        self._provider = provider
        spec = args.spec
        self._spec = spec
        self.address_plan: AddressPlan = plan_addresses(spec.network, spec.organizations)
        plan = self.address_plan
        zones = range(plan.availability_zones)
        self.vpc_cidr = str(plan.vpc)
        self.org_supernet_cidr = str(plan.supernet)
        self.public_subnet_cidrs = tuple(str(c) for c in plan.shared.public)
        self.private_subnet_cidrs = tuple(str(c) for c in plan.shared.private)
        self.isolated_subnet_cidrs = tuple(str(c) for c in plan.shared.isolated)
        self.endpoint_subnet_cidrs = tuple(str(c) for c in plan.shared.endpoints)
        """The interface endpoints' own subnets: tenant NetworkPolicies open tcp 443 to exactly these, which
        hold nothing but the endpoints' network interfaces (not the shared nodes and pods)."""

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=self.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": name},
            opts=self._child(),
        )
        self.vpc_id = self.vpc.id
        # Adopting the default group with no rules empties it: nothing can fall back on its allow-all.
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags={"Name": f"{name}-default (emptied)"},
            opts=self._child(),
        )
        available = aws.get_availability_zones_output(
            state="available",
            filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
            opts=invoke_options(provider),
        )
        self._zone_names = [available.names.apply(lambda names, az=az: zone_at(names, az)) for az in zones]

        self._internet_gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, tags={"Name": name}, opts=self._child()
        )
        self.public_subnet_ids = [
            self._subnet(f"{name}-public-az{az}", plan.shared.public[az], az, "public", {"kubernetes.io/role/elb": "1"})
            for az in zones
        ]
        self.private_subnet_ids = [
            self._subnet(
                f"{name}-private-az{az}", plan.shared.private[az], az, "private",
                {"kubernetes.io/role/internal-elb": "1"},
            )
            for az in zones
        ]
        self.isolated_subnet_ids = [
            self._subnet(f"{name}-isolated-az{az}", plan.shared.isolated[az], az, "isolated") for az in zones
        ]
        self.endpoint_subnet_ids = [
            self._subnet(f"{name}-endpoints-az{az}", plan.shared.endpoints[az], az, "endpoints") for az in zones
        ]
        self._nat_gateway_ids = self._nat_gateways(spec.network.single_nat_gateway)

        self._public_table = self._route_table(f"{name}-public-rt", "public")
        aws.ec2.Route(
            f"{name}-public-default-route",
            route_table_id=self._public_table.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=self._internet_gateway.id,
            opts=self._child(),
        )
        # A public subnet reaches the internet gateway only while it hosts something public: its NAT now,
        # the load balancer once open_edge_to_internet() is called. Until then a subnet without a NAT
        # (dev's second AZ) stays on the VPC's main table, which has only the local route.
        self._nat_zones = (0,) if spec.network.single_nat_gateway else tuple(zones)
        for az in self._nat_zones:
            self._associate(f"{name}-public-az{az}", self._public_table, self.public_subnet_ids[az])
        self._s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{spec.region}.s3",
            vpc_endpoint_type="Gateway",
            policy=json.dumps(s3_gateway_policy(spec.account_id, spec.region)),
            tags={"Name": f"{name}-s3"},
            opts=self._child(),
        )
        self._private_tables(name, "private", self.private_subnet_ids)
        isolated_table = self._isolated_table(name, "isolated", self.isolated_subnet_ids)
        # Endpoint interfaces only answer; like data, they need no default route (and no table of their own).
        for az, subnet_id in enumerate(self.endpoint_subnet_ids):
            self._associate(f"{name}-endpoints-az{az}", isolated_table, subnet_id)

        self._security_groups()
        self._interface_endpoints()
        self._flow_logs(args)

        segments = {org_id: self._segment(segment) for org_id, segment in plan.segments.items()}
        self.org_segments: Mapping[str, OrgSegment] = MappingProxyType(segments)

        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "vpcCidr": self.vpc_cidr,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "isolatedSubnetIds": self.isolated_subnet_ids,
                "endpointSubnetIds": self.endpoint_subnet_ids,
                "controlPlaneSecurityGroupId": self.control_plane_security_group_id,
                "sharedNodeSecurityGroupId": self.shared_node_security_group_id,
                "endpointSecurityGroupId": self.endpoint_security_group_id,
                "edgeSecurityGroupId": self.edge_security_group_id,
                "flowLogGroupName": self.flow_log_group.name,
                "orgSegmentCidrs": {org_id: s.cidr for org_id, s in segments.items()},
            }
        )

    # -- public -----------------------------------------------------------------------------------
    def open_edge_to_internet(self, port: int = HTTPS) -> aws.vpc.SecurityGroupIngressRule:
        """Admit the internet to the edge tier, on 443 only, and route every public subnet to the internet.

        Called by whoever creates the internet-facing load balancer (placed in all public subnets), so the
        open port and the public routes exist exactly when a listener does; the network owns the rule and
        the routes like every other rule of its groups.
        """
        if port != HTTPS:
            raise ValueError(f"open_edge_to_internet(port={port}): only {HTTPS} (TLS) may be open to the internet")
        for az, subnet_id in enumerate(self.public_subnet_ids):
            if az not in self._nat_zones:
                self._associate(f"{self._name}-public-az{az}", self._public_table, subnet_id)
        return self._rule(
            self._name, "edge", self.edge_security_group_id, "in", _Peer("internet", cidr=ANYWHERE),
            "tcp", (port, port), "HTTPS from the internet to the load balancer",
        )

    # -- building blocks --------------------------------------------------------------------------
    def _child(self, **extra: Any) -> pulumi.ResourceOptions:
        return child_options(self, self._provider, **extra)

    def _subnet(
        self, resource_name: str, cidr: Any, az: int, tier: str, extra_tags: Mapping[str, str] | None = None,
        org_id: str | None = None,
    ) -> pulumi.Output[str]:
        tags = {"Name": resource_name, TIER_TAG: tier, **(extra_tags or {})}
        if org_id:
            tags[ORGANIZATION_TAG] = org_id
        return aws.ec2.Subnet(
            resource_name,
            vpc_id=self.vpc.id,
            cidr_block=str(cidr),
            availability_zone=self._zone_names[az],
            # Nothing gets a public address by itself: the NAT gateways use Elastic IPs and the load
            # balancer allocates its own.
            map_public_ip_on_launch=False,
            # Nodes are named by their address (ip-10-64-130-5.<region>...), AWS's default made explicit:
            # the cluster's node admission policy lets a node register with an organization's labels only
            # when that name places it in the organization's segment (components/cluster_k8s.py).
            private_dns_hostname_type_on_launch=NODE_HOSTNAME_TYPE if tier == "private" else None,
            tags=tags,
            opts=self._child(),
        ).id

    def _nat_gateways(self, single: bool) -> list[pulumi.Output[str]]:
        zones = range(self.address_plan.availability_zones)
        gateways = []
        for az in ([0] if single else zones):
            address = aws.ec2.Eip(
                f"{self._name}-nat-az{az}", domain="vpc", tags={"Name": f"{self._name}-nat-az{az}"}, opts=self._child()
            )
            gateway = aws.ec2.NatGateway(
                f"{self._name}-nat-az{az}",
                allocation_id=address.id,
                subnet_id=self.public_subnet_ids[az],
                connectivity_type="public",
                tags={"Name": f"{self._name}-nat-az{az}"},
                opts=self._child(depends_on=[self._internet_gateway]),
            )
            gateways.append(gateway.id)
        return [gateways[0] if single else gateways[az] for az in zones]

    def _route_table(self, resource_name: str, tier: str, org_id: str | None = None) -> aws.ec2.RouteTable:
        tags = {"Name": resource_name, TIER_TAG: tier}
        if org_id:
            tags[ORGANIZATION_TAG] = org_id
        return aws.ec2.RouteTable(resource_name, vpc_id=self.vpc.id, tags=tags, opts=self._child())

    def _associate(self, resource_name: str, table: aws.ec2.RouteTable, subnet_id: pulumi.Input[str]) -> None:
        aws.ec2.RouteTableAssociation(
            f"{resource_name}-rta", route_table_id=table.id, subnet_id=subnet_id, opts=self._child()
        )

    def _s3_route(self, resource_name: str, table: aws.ec2.RouteTable) -> None:
        # One association per table (not route_table_ids on the endpoint), so a new organization adds
        # resources of its own instead of changing the shared endpoint.
        aws.ec2.VpcEndpointRouteTableAssociation(
            f"{resource_name}-s3", route_table_id=table.id, vpc_endpoint_id=self._s3_endpoint.id, opts=self._child()
        )

    def _private_tables(
        self, prefix: str, tier: str, subnet_ids: Sequence[pulumi.Output[str]],
        org_id: str | None = None,
    ) -> None:
        """Per AZ: default route to that AZ's NAT (private tables never reach the internet gateway)."""
        for az, subnet_id in enumerate(subnet_ids):
            table = self._route_table(f"{prefix}-{tier}-rt-az{az}", tier, org_id)
            aws.ec2.Route(
                f"{prefix}-{tier}-default-route-az{az}",
                route_table_id=table.id,
                destination_cidr_block=ANYWHERE,
                nat_gateway_id=self._nat_gateway_ids[az],
                opts=self._child(),
            )
            self._associate(f"{prefix}-{tier}-az{az}", table, subnet_id)
            self._s3_route(f"{prefix}-{tier}-rt-az{az}", table)

    def _isolated_table(
        self, prefix: str, tier: str, subnet_ids: Sequence[pulumi.Output[str]],
        org_id: str | None = None,
    ) -> aws.ec2.RouteTable:
        """One table without a default route: only the VPC and the S3 gateway endpoint are reachable."""
        table = self._route_table(f"{prefix}-{tier}-rt", tier, org_id)
        for az, subnet_id in enumerate(subnet_ids):
            self._associate(f"{prefix}-{tier}-az{az}", table, subnet_id)
        self._s3_route(f"{prefix}-{tier}-rt", table)
        return table

    def _group(self, resource_name: str, description: str, org_id: str | None = None) -> pulumi.Output[str]:
        tags = {"Name": resource_name}
        if org_id:
            tags[ORGANIZATION_TAG] = org_id
        # No inline rules: every rule is its own resource, so a new organization adds rules without
        # rewriting the shared groups, and the default allow-all egress AWS adds is removed.
        return aws.ec2.SecurityGroup(
            resource_name, vpc_id=self.vpc.id, description=description, tags=tags, opts=self._child()
        ).id

    def _rule(
        self,
        prefix: str,
        group_role: str,
        group_id: pulumi.Input[str],
        direction: str,
        peer: _Peer,
        protocol: str,
        ports: tuple[int, int] | None,
        why: str,
    ) -> Any:
        if protocol == "-1":
            port_part = "all"
        else:
            port_part = f"{protocol}{ports[0]}" + ("" if ports[0] == ports[1] else f"-{ports[1]}")
        resource_name = f"{prefix}-{group_role}-{direction}-{peer.role}-{port_part}"
        common: dict[str, Any] = dict(
            security_group_id=group_id,
            ip_protocol=protocol,
            description=why,
            cidr_ipv4=peer.cidr,
            referenced_security_group_id=peer.group_id,
            tags={"Name": resource_name},
            opts=self._child(),
        )
        if ports is not None:
            common.update(from_port=ports[0], to_port=ports[1])
        cls = aws.vpc.SecurityGroupIngressRule if direction == "in" else aws.vpc.SecurityGroupEgressRule
        return cls(resource_name, **common)

    # -- shared security groups -------------------------------------------------------------------
    def _security_groups(self) -> None:
        name = self._name
        self.endpoint_security_group_id = self._group(
            f"{name}-endpoints", "Interface VPC endpoints: HTTPS from the VPC"
        )
        self.control_plane_security_group_id = self._group(
            f"{name}-control-plane", "EKS control plane (attached by the cluster): API from nodes, kubelet to nodes"
        )
        self.shared_node_security_group_id = self._group(f"{name}-shared-nodes", "Shared system and sandbox nodes")
        self.edge_security_group_id = self._group(f"{name}-edge", "Load balancer tier")

        ports = self._spec.network.service_ports
        endpoints = _Peer("endpoints", group_id=self.endpoint_security_group_id)
        control_plane = _Peer("control-plane", group_id=self.control_plane_security_group_id)
        shared = _Peer("shared-nodes", group_id=self.shared_node_security_group_id)
        edge = _Peer("edge", group_id=self.edge_security_group_id)

        self._rule(name, "endpoints", self.endpoint_security_group_id, "in", _Peer("vpc", cidr=self.vpc_cidr),
                   "tcp", (HTTPS, HTTPS), "HTTPS to AWS service endpoints from anywhere in the VPC")
        self._node_rules(
            name, "shared-nodes", self.shared_node_security_group_id, shared, control_plane, endpoints, edge
        )
        for port in ports:
            self._rule(name, "edge", self.edge_security_group_id, "out", shared, "tcp", (port, port),
                       "Load balancer to services on shared nodes")

    def _node_rules(
        self, prefix: str, role: str, group_id: pulumi.Output[str], me: _Peer, control_plane: _Peer,
        endpoints: _Peer, edge: _Peer,
    ) -> None:
        """Rules every node group has: itself, the control plane both ways, endpoints, HTTPS out, edge in."""
        self._rule(prefix, role, group_id, "in", _Peer("self", group_id=group_id), "-1", None,
                   "Nodes and pods of the same group")
        self._rule(prefix, role, group_id, "out", _Peer("self", group_id=group_id), "-1", None,
                   "Nodes and pods of the same group")
        for port, why in ((HTTPS, "Control plane to webhooks on nodes"), (KUBELET, "Control plane to kubelet")):
            self._rule(prefix, role, group_id, "in", control_plane, "tcp", (port, port), why)
            self._rule(prefix, "control-plane", self.control_plane_security_group_id, "out",
                       _Peer(me.role, group_id=group_id), "tcp", (port, port), why)
        self._rule(prefix, role, group_id, "out", control_plane, "tcp", (HTTPS, HTTPS), "Nodes to the Kubernetes API")
        self._rule(prefix, "control-plane", self.control_plane_security_group_id, "in",
                   _Peer(me.role, group_id=group_id), "tcp", (HTTPS, HTTPS), "Nodes to the Kubernetes API")
        self._rule(prefix, role, group_id, "out", endpoints, "tcp", (HTTPS, HTTPS),
                   "AWS APIs through interface endpoints")
        self._rule(prefix, role, group_id, "out", _Peer("internet", cidr=ANYWHERE), "tcp", (HTTPS, HTTPS),
                   "HTTPS out through the NAT gateway, and to S3 through the gateway endpoint")
        for port in self._spec.network.service_ports:
            self._rule(prefix, role, group_id, "in", edge, "tcp", (port, port), "Load balancer to services")

    # -- endpoints and flow logs ------------------------------------------------------------------
    def _interface_endpoints(self) -> None:
        spec = self._spec
        self.interface_endpoints: dict[str, aws.ec2.VpcEndpoint] = {}
        for service in INTERFACE_ENDPOINTS:
            role = service.replace(".", "-")
            self.interface_endpoints[service] = aws.ec2.VpcEndpoint(
                f"{self._name}-{role}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{spec.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.endpoint_subnet_ids,
                security_group_ids=[self.endpoint_security_group_id],
                policy=_json_or_none(interface_endpoint_policy(service, spec.account_id)),
                tags={"Name": f"{self._name}-{role}"},
                opts=self._child(),
            )

    def _flow_logs(self, args: NetworkArgs) -> None:
        spec = self._spec
        name = self._name
        group_name = f"/quome/vpc-flow-logs/{name}"
        group_arn = f"arn:{PARTITION}:logs:{spec.region}:{spec.account_id}:log-group:{group_name}"
        self.flow_log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=group_name,
            kms_key_id=args.logs_key_arn,
            retention_in_days=cloudwatch_retention_days(spec.audit_retention_years),
            deletion_protection_enabled=args.protect,
            opts=stateful_options(self, self._provider, protect=args.protect, retain_on_delete=args.retain_on_delete),
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            description="VPC flow logs: write to the stack's flow-log group",
            assume_role_policy=json.dumps(flow_log_trust_policy(spec.account_id, spec.region)),
            opts=self._child(),
        )
        # A managed policy, not an inline one: inline policies are invisible to policy reviews by ARN.
        write = aws.iam.Policy(
            f"{name}-flow-logs",
            description="Write VPC flow logs to one log group",
            policy=json.dumps(flow_log_write_policy(group_arn, spec.account_id, spec.region)),
            opts=self._child(),
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-flow-logs", role=role.name, policy_arn=write.arn, opts=self._child()
        )
        self.flow_logs = {
            "cloudwatch": aws.ec2.FlowLog(
                f"{name}-flow-logs-cloudwatch",
                vpc_id=self.vpc.id,
                traffic_type="ALL",
                log_destination_type="cloud-watch-logs",
                log_destination=self.flow_log_group.arn,
                iam_role_arn=role.arn,
                max_aggregation_interval=60,
                tags={"Name": f"{name}-cloudwatch"},
                opts=self._child(depends_on=[attachment]),
            ),
            "s3": aws.ec2.FlowLog(
                f"{name}-flow-logs-s3",
                vpc_id=self.vpc.id,
                traffic_type="ALL",
                log_destination_type="s3",
                log_destination=pulumi.Output.concat(args.audit_bucket_arn, "/", FLOW_LOG_PREFIX),
                destination_options=aws.ec2.FlowLogDestinationOptionsArgs(
                    file_format="parquet", hive_compatible_partitions=False, per_hour_partition=True
                ),
                max_aggregation_interval=60,
                tags={"Name": f"{name}-s3"},
                opts=self._child(depends_on=list(args.audit_delivery_ready)),
            ),
        }

    # -- dedicated organization segments ---------------------------------------------------------
    def _segment(self, segment: SegmentPlan) -> OrgSegment:
        org_id = segment.org_id
        prefix = f"{self._name}-org-{org_id}"
        zones = range(self.address_plan.availability_zones)
        private = [
            self._subnet(f"{prefix}-private-az{az}", segment.private[az], az, "private", org_id=org_id) for az in zones
        ]
        isolated = [
            self._subnet(f"{prefix}-isolated-az{az}", segment.isolated[az], az, "isolated", org_id=org_id)
            for az in zones
        ]
        self._private_tables(prefix, "private", private, org_id=org_id)
        self._isolated_table(prefix, "isolated", isolated, org_id=org_id)

        nodes = self._group(f"{prefix}-nodes", f"Nodes of organization {org_id} (dedicated)", org_id)
        me = _Peer("nodes", group_id=nodes)
        control_plane = _Peer("control-plane", group_id=self.control_plane_security_group_id)
        endpoints = _Peer("endpoints", group_id=self.endpoint_security_group_id)
        edge = _Peer("edge", group_id=self.edge_security_group_id)
        shared = _Peer("shared-nodes", group_id=self.shared_node_security_group_id)
        self._node_rules(prefix, "nodes", nodes, me, control_plane, endpoints, edge)
        for protocol in ("tcp", "udp"):
            self._rule(prefix, "nodes", nodes, "out", shared, protocol, (DNS, DNS),
                       "DNS to CoreDNS on the shared nodes")
            self._rule(prefix, "shared-nodes", self.shared_node_security_group_id, "in", me, protocol, (DNS, DNS),
                       f"DNS from organization {org_id} (CoreDNS only)")
        for port in self._spec.network.service_ports:
            self._rule(prefix, "edge", self.edge_security_group_id, "out", me, "tcp", (port, port),
                       f"Load balancer to services of organization {org_id}")

        acl = aws.ec2.NetworkAcl(
            f"{prefix}-acl",
            vpc_id=self.vpc.id,
            subnet_ids=[*private, *isolated],
            ingress=[
                aws.ec2.NetworkAclIngressArgs(**rule)
                for rule in segment_acl_rules(str(segment.cidr), self.org_supernet_cidr, self.vpc_cidr, "ingress")
            ],
            egress=[
                aws.ec2.NetworkAclEgressArgs(**rule)
                for rule in segment_acl_rules(str(segment.cidr), self.org_supernet_cidr, self.vpc_cidr, "egress")
            ],
            tags={"Name": f"{prefix}-acl", ORGANIZATION_TAG: org_id},
            opts=self._child(),
        )
        return OrgSegment(
            org_id=org_id,
            cidr=str(segment.cidr),
            private_subnet_ids=private,
            isolated_subnet_ids=isolated,
            private_subnet_cidrs=tuple(str(c) for c in segment.private),
            isolated_subnet_cidrs=tuple(str(c) for c in segment.isolated),
            node_security_group_id=nodes,
            network_acl_id=acl.id,
        )


def segment_acl_rules(segment_cidr: str, supernet_cidr: str, vpc_cidr: str, direction: str) -> list[dict[str, Any]]:
    """The network ACL rules of one segment (see the module docstring for the table and the reasons)."""
    rules: list[dict[str, Any]] = [
        dict(rule_no=100, action="allow", protocol="-1", cidr_block=segment_cidr, from_port=0, to_port=0),
        dict(rule_no=110, action="deny", protocol="-1", cidr_block=supernet_cidr, from_port=0, to_port=0),
        dict(rule_no=120, action="allow", protocol="-1", cidr_block=vpc_cidr, from_port=0, to_port=0),
    ]
    if direction == "ingress":
        rules.append(dict(rule_no=130, action="allow", protocol="tcp", cidr_block=ANYWHERE,
                          from_port=EPHEMERAL_PORTS[0], to_port=EPHEMERAL_PORTS[1]))
    elif direction == "egress":
        rules.append(dict(rule_no=130, action="allow", protocol="tcp", cidr_block=ANYWHERE,
                          from_port=HTTPS, to_port=HTTPS))
    else:
        raise ValueError(f"segment_acl_rules(direction={direction!r}): allowed are 'ingress', 'egress'")
    return rules


def _json_or_none(document: dict[str, Any] | None) -> str | None:
    return None if document is None else json.dumps(document)


def zone_at(names: Sequence[str], index: int) -> str:
    if index >= len(names):
        raise ValueError(
            f"the region offers {len(names)} availability zones without opt-in, but quome:network.availabilityZones "
            f"needs {index + 1}"
        )
    return names[index]
