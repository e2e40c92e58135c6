"""Network section of the stack configuration (`quome:network`)."""

from __future__ import annotations

import ipaddress

from pydantic import Field, ValidationInfo, field_validator

from components.spec_base import SpecModel

AWS_DEFAULT_SUBNETS_PER_VPC = 200
AWS_DEFAULT_ROUTE_TABLES_PER_VPC = 200
AWS_DEFAULT_RULES_PER_SECURITY_GROUP = 60
"""AWS's default for "Inbound or outbound rules per security group", enforced per direction."""
AWS_MAX_RULES_PER_SECURITY_GROUP = 1000
"""AWS caps rules per group times groups per network interface at 1000, so no group can hold more."""
MAX_VPC_PREFIX = 19
"""The smallest VPC: its interface-endpoint subnets (VPC prefix + 9, components/address_plan.py) are /28."""
SMALLEST_SEGMENT_PREFIX = 24
"""A segment's isolated subnets are 4 bits longer than the segment, and AWS's smallest subnet is /28."""
DEFAULT_SEGMENT_BITS = 5
"""Default segment size: the VPC prefix plus 5 (a /21 in a /16 VPC: 16 segments in the upper half)."""


class NetworkQuotas(SpecModel):
    """The account's VPC quotas, checked against the address plan at config time.

    AWS defaults are 200 subnets and 200 route tables per VPC, and 60 inbound and 60 outbound rules per
    security group; each can be raised with AWS (Service Quotas), after which the new value goes here.
    The plan is rejected before `pulumi up` would hit the limit half-way through creating an
    organization's segment or its rules on the shared groups.
    """

    subnets_per_vpc: int = Field(default=AWS_DEFAULT_SUBNETS_PER_VPC, ge=1)
    route_tables_per_vpc: int = Field(default=AWS_DEFAULT_ROUTE_TABLES_PER_VPC, ge=1)
    rules_per_security_group: int = Field(
        default=AWS_DEFAULT_RULES_PER_SECURITY_GROUP, ge=1, le=AWS_MAX_RULES_PER_SECURITY_GROUP
    )
    """Rules per direction (inbound, outbound) on one security group. AWS also requires this value
    times the security groups per network interface (default 5) to stay within 1000: raising one
    may need lowering the other."""


class NetworkSpec(SpecModel):
    """VPC address plan and sizing. Defaults are the production shape: 3 AZs, one NAT per AZ."""

    vpc_cidr: str = "10.64.0.0/16"
    """The VPC's primary CIDR block: lower half for the shared tiers, upper half for org segments."""
    availability_zones: int = Field(default=3, ge=2, le=3)
    """How many AZs the VPC spans (2 or 3)."""
    single_nat_gateway: bool = False
    """One shared NAT instead of one per AZ (cheaper, and an AZ outage cuts egress): dev only."""
    org_segment_prefix_length: int | None = None
    """Size of every dedicated organization's segment; None means VPC prefix + 5 (at most /24).
    Changing it renumbers every segment, so it is chosen once per stack."""
    service_ports: tuple[int, ...] = (8443,)
    """Container ports the edge tier (load balancer) may open on node and pod addresses."""
    quotas: NetworkQuotas = NetworkQuotas()

    @field_validator("vpc_cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as error:
            raise ValueError(f"must be an IPv4 network in CIDR notation ({error})") from None
        if not 16 <= network.prefixlen <= MAX_VPC_PREFIX:
            raise ValueError(
                f"must have a prefix length from /16 to /{MAX_VPC_PREFIX} (AWS allows /16 to /28, but the tiers need "
                f"room: a /{MAX_VPC_PREFIX} VPC's interface-endpoint subnets are /28 already, AWS's smallest subnet)"
            )
        if not network.is_private:
            raise ValueError("must be a private (RFC 1918) range")
        return value

    @field_validator("org_segment_prefix_length")
    @classmethod
    def _segment_fits(cls, value: int | None, info: ValidationInfo) -> int | None:
        vpc_cidr = info.data.get("vpc_cidr")
        if value is None or vpc_cidr is None:
            return value
        largest = ipaddress.IPv4Network(vpc_cidr).prefixlen + 2
        if not largest <= value <= SMALLEST_SEGMENT_PREFIX:
            raise ValueError(
                f"must be from {largest} (two segments in the upper half of vpcCidr {vpc_cidr}) to "
                f"{SMALLEST_SEGMENT_PREFIX} (a segment's isolated subnets are 4 bits longer, and AWS's "
                f"smallest subnet is /28)"
            )
        return value

    @field_validator("service_ports")
    @classmethod
    def _ports(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not 1 <= len(value) <= 5:
            raise ValueError("must list 1 to 5 ports (each becomes a security-group rule per node group)")
        if len(set(value)) != len(value):
            raise ValueError("must not repeat a port")
        for port in value:
            # Tenant containers run as non-root (restricted pod security) and cannot bind below 1024.
            if not 1024 <= port <= 65535:
                raise ValueError(f"port {port} must be from 1024 to 65535 (tenant containers run as non-root)")
        return value

    @property
    def segment_prefix_length(self) -> int:
        """The prefix length every dedicated organization's segment has."""
        if self.org_segment_prefix_length is not None:
            return self.org_segment_prefix_length
        vpc_prefix = ipaddress.IPv4Network(self.vpc_cidr).prefixlen
        return min(vpc_prefix + DEFAULT_SEGMENT_BITS, SMALLEST_SEGMENT_PREFIX)
