"""aud-cloudtrail-log-validation: every trail writes signed digest files (log file integrity validation)."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, shown

CONTROL = CATALOG["aud-cloudtrail-log-validation"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    value = args.props.get("enableLogFileValidation")
    if as_bool(value) is not True:
        report_violation(f"trail '{args.name}': enableLogFileValidation is {shown(value)}; required true", None)


POLICY = resource_policy(CONTROL, validate)
