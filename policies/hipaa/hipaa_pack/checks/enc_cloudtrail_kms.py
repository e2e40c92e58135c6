"""enc-cloudtrail-kms: CloudTrail encrypts log files with a customer-managed key (SSE-KMS, not SSE-S3)."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import customer_managed_key_problem

CONTROL = CATALOG["enc-cloudtrail-kms"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    problem = customer_managed_key_problem(f"trail '{args.name}'", "kmsKeyId", args.props.get("kmsKeyId"),
                                           ", so log files get only the bucket's default encryption")
    if problem:
        report_violation(problem, None)


POLICY = resource_policy(CONTROL, validate)
