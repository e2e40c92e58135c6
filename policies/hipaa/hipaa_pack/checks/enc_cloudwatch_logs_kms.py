"""enc-cloudwatch-logs-kms: every CloudWatch log group is encrypted with a customer-managed key."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import customer_managed_key_problem

CONTROL = CATALOG["enc-cloudwatch-logs-kms"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    name = args.props.get("name")
    where = f"log group '{args.name}'" + (f" ({name})" if isinstance(name, str) and name else "")
    problem = customer_managed_key_problem(where, "kmsKeyId", args.props.get("kmsKeyId"),
                                           ", so CloudWatch Logs encrypts with a key it owns")
    if problem:
        report_violation(problem, None)


POLICY = resource_policy(CONTROL, validate)
