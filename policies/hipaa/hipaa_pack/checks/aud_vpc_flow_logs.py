"""aud-vpc-flow-logs: every VPC records flow logs of all traffic into the stack's audit destinations.

A FlowLog joins its VPC through `vpcId` and its destination through `logDestination`; the destination
must be a CloudWatch log group or an audit-log bucket (see aud-audit-bucket-object-lock) of the stack.
"""
from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import by_joined_urn, joined, resources_of, shown
from .aud_audit_bucket_object_lock import audit_buckets

CONTROL = CATALOG["aud-vpc-flow-logs"]

VPC_TOKEN = "aws:ec2/vpc:Vpc"
FLOW_LOG_TOKEN = "aws:ec2/flowLog:FlowLog"
LOG_GROUP_TOKEN = "aws:cloudwatch/logGroup:LogGroup"
ALL_TRAFFIC = "ALL"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    destinations = {r.urn for r in resources_of(args, LOG_GROUP_TOKEN)} | set(audit_buckets(args))
    flow_logs_by_vpc = by_joined_urn(resources_of(args, FLOW_LOG_TOKEN), "vpcId")
    for vpc in resources_of(args, VPC_TOKEN):
        flow_logs = flow_logs_by_vpc.get(vpc.urn, [])
        if not flow_logs:
            report_violation(f"VPC '{vpc.name}' has no FlowLog; required one with trafficType ALL delivering to "
                             f"a log group or an audit bucket of this stack", vpc.urn)
            continue
        problems = [_problem(flow_log, destinations) for flow_log in flow_logs]
        if all(problems):
            report_violation(f"VPC '{vpc.name}' has no FlowLog with trafficType ALL delivering to a log group or "
                             f"an audit bucket of this stack ({'; '.join(problems)})", vpc.urn)


def _problem(flow_log: PolicyResource, destinations: set[str]) -> str:
    """What keeps this flow log from counting, or "" when it does."""
    found = []
    traffic = flow_log.props.get("trafficType")
    if traffic != ALL_TRAFFIC:
        found.append(f"trafficType is {shown(traffic)}")
    if not any(urn in destinations for urn in joined(flow_log, "logDestination")):
        found.append(f"logDestination {shown(flow_log.props.get('logDestination'))} is not joined to a log "
                     f"group or an audit bucket of this stack")
    return f"FlowLog '{flow_log.name}': {', '.join(found)}" if found else ""


POLICY = stack_policy(CONTROL, validate)
