"""key-deletion-window: KMS keys keep the longest (30-day) deletion waiting period."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_int, shown

CONTROL = CATALOG["key-deletion-window"]

# AWS accepts 7 to 30 days and waits 30 when none is given.
MAX_DELETION_WINDOW_DAYS = 30


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    window = args.props.get("deletionWindowInDays")
    if window is None:
        return  # AWS waits the maximum 30 days
    if as_int(window) != MAX_DELETION_WINDOW_DAYS:
        report_violation(f"KMS key '{args.name}': deletionWindowInDays is {shown(window)}; required unset or "
                         f"{MAX_DELETION_WINDOW_DAYS}", None)


POLICY = resource_policy(CONTROL, validate)
