"""aud-alb-access-logs: load balancers write access logs to the log-sink bucket.

A resource policy sees only the load balancer: accessLogs.bucket is a bucket name, and neither the
bucket's quome:log-sink tag nor the join to it is visible here. The other direction is the stack
policies' job: props.log_sinks() treats a bucket tagged quome:log-sink "alb-access-logs" as a sink only
when a load balancer with accessLogs.enabled true has its accessLogs joined to it.
"""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, shown

CONTROL = CATALOG["aud-alb-access-logs"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    kind = args.props.get("loadBalancerType") or "application"
    if kind == "gateway":
        args.not_applicable("gateway load balancers have no access logs (they pass traffic through at layer 3)")

    access_logs = args.props.get("accessLogs")
    if not isinstance(access_logs, Mapping):
        report_violation(f"load balancer '{args.name}': accessLogs is unset; required enabled true and bucket "
                         f"set to the log-sink bucket", None)
        return
    enabled = access_logs.get("enabled")
    if as_bool(enabled) is not True:
        # The provider's default is false even when a bucket is given.
        found = "unset (default false)" if enabled is None else shown(enabled)
        report_violation(f"load balancer '{args.name}': accessLogs.enabled is {found}; required true", None)
    bucket = access_logs.get("bucket")
    if not isinstance(bucket, str) or not bucket.strip():
        report_violation(f"load balancer '{args.name}': accessLogs.bucket is {shown(bucket)}; "
                         f"required the log-sink bucket", None)


POLICY = resource_policy(CONTROL, validate)
