"""acc-subnet-no-auto-public-ip: no subnet hands out public IPv4 addresses at launch."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, shown

CONTROL = CATALOG["acc-subnet-no-auto-public-ip"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    value = args.props.get("mapPublicIpOnLaunch")
    # Edge subnets included: load balancers and NAT gateways get their public addresses without it.
    if as_bool(value) is True:
        report_violation(f"subnet '{args.name}': mapPublicIpOnLaunch is {shown(value)}; required false", None)


POLICY = resource_policy(CONTROL, validate)
