"""aud-cloudtrail-cloudwatch: every trail also delivers its events to a CloudWatch log group."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import shown

CONTROL = CATALOG["aud-cloudtrail-cloudwatch"]

# CloudTrail needs both: the group to write to and the role it assumes to write there.
REQUIRED = (
    ("cloudWatchLogsGroupArn", "the ARN of the trail's CloudWatch log group"),
    ("cloudWatchLogsRoleArn", "the ARN of the role CloudTrail assumes to write to it"),
)


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for prop, required in REQUIRED:
        value = args.props.get(prop)
        if not isinstance(value, str) or not value.strip():
            report_violation(f"trail '{args.name}': {prop} is {shown(value)}; required {required}", None)


POLICY = resource_policy(CONTROL, validate)
