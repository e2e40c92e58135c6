"""Network section of the stack configuration (`quome:network`)."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator

from components.spec_base import SpecModel


class NetworkSpec(SpecModel):
    """VPC address plan and sizing. Defaults are the production shape: 3 AZs, one NAT per AZ."""

    vpc_cidr: str = "10.64.0.0/16"
    """The VPC's primary CIDR block."""
    availability_zones: int = Field(default=3, ge=2, le=3)
    """How many AZs the VPC spans (2 or 3)."""
    single_nat_gateway: bool = False
    """One shared NAT instead of one per AZ (cheaper, and an AZ outage cuts egress): dev only."""

    @field_validator("vpc_cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as error:
            raise ValueError(f"must be an IPv4 network in CIDR notation ({error})") from None
        if not 16 <= network.prefixlen <= 20:
            raise ValueError("must have a prefix length from /16 to /20 (AWS allows /16 to /28; tiers need room)")
        if not network.is_private:
            raise ValueError("must be a private (RFC 1918) range")
        return value
