"""avl-dynamodb-pitr: DynamoDB tables keep point-in-time recovery on."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, dig, shown

CONTROL = CATALOG["avl-dynamodb-pitr"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    enabled = dig(args.props, "pointInTimeRecovery.enabled")
    if as_bool(enabled) is not True:
        report_violation(f"DynamoDB table '{args.props.get('name') or args.name}': pointInTimeRecovery.enabled is "
                         f"{shown(enabled)}; required true", None)


POLICY = resource_policy(CONTROL, validate)
