"""enc-cloudwatch-logs-kms: every CloudWatch log group is encrypted with a customer-managed key."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import is_aws_managed_alias, shown

CONTROL = CATALOG["enc-cloudwatch-logs-kms"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    name = args.props.get("name")
    where = f"log group '{args.name}'" + (f" ({name})" if isinstance(name, str) and name else "")
    key = args.props.get("kmsKeyId")
    if not key:
        report_violation(f"{where}: kmsKeyId is unset, so CloudWatch Logs encrypts with a key it owns; "
                         f"required a customer-managed KMS key", None)
    elif is_aws_managed_alias(key):
        report_violation(f"{where}: kmsKeyId is {shown(key)} (AWS-managed); required a customer-managed KMS key",
                         None)


POLICY = resource_policy(CONTROL, validate)
