"""enc-cloudtrail-kms: CloudTrail encrypts log files with a customer-managed key (SSE-KMS, not SSE-S3)."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import is_aws_managed_alias, shown

CONTROL = CATALOG["enc-cloudtrail-kms"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"trail '{args.name}'"
    key = args.props.get("kmsKeyId")
    if not key:
        report_violation(f"{where}: kmsKeyId is unset, so log files get only the bucket's default encryption; "
                         f"required a customer-managed KMS key", None)
    elif is_aws_managed_alias(key):
        report_violation(f"{where}: kmsKeyId is {shown(key)} (AWS-managed); required a customer-managed KMS key",
                         None)


POLICY = resource_policy(CONTROL, validate)
