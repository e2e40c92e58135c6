"""key-no-lockout-bypass: key policies keep the KMS policy lockout safety check."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, shown

CONTROL = CATALOG["key-no-lockout-bypass"]

KINDS = {"aws:kms/key:Key": "KMS key", "aws:kms/keyPolicy:KeyPolicy": "KMS key policy"}


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    bypass = args.props.get("bypassPolicyLockoutSafetyCheck")
    if bypass is not None and as_bool(bypass) is not False:
        report_violation(f"{KINDS[args.resource_type]} '{args.name}': bypassPolicyLockoutSafetyCheck is "
                         f"{shown(bypass)}; required unset or false", None)


POLICY = resource_policy(CONTROL, validate)
