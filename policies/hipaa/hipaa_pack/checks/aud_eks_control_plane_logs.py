"""aud-eks-control-plane-logs: EKS sends all five control-plane log types to CloudWatch Logs."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list, shown

CONTROL = CATALOG["aud-eks-control-plane-logs"]

REQUIRED_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    value = args.props.get("enabledClusterLogTypes")
    enabled = set(as_list(value))
    missing = [log_type for log_type in REQUIRED_LOG_TYPES if log_type not in enabled]
    if missing:
        report_violation(f"EKS cluster '{args.name}': enabledClusterLogTypes is {shown(value)}; required all of "
                         f"{', '.join(REQUIRED_LOG_TYPES)} (missing {', '.join(missing)})", None)


POLICY = resource_policy(CONTROL, validate)
