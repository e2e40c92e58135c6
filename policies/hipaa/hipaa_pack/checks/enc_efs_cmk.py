"""enc-efs-cmk: EFS file systems are encrypted with a customer-managed key."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, is_aws_managed_alias, shown

CONTROL = CATALOG["enc-efs-cmk"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"EFS file system '{args.name}'"
    encrypted = args.props.get("encrypted")
    if as_bool(encrypted) is not True:
        report_violation(f"{where}: encrypted is {shown(encrypted)}; required true", None)
    key = args.props.get("kmsKeyId")
    if not key:
        report_violation(f"{where}: kmsKeyId is unset, which means the AWS-managed aws/elasticfilesystem key; "
                         f"required a customer-managed KMS key", None)
    elif is_aws_managed_alias(key):
        report_violation(f"{where}: kmsKeyId is {shown(key)} (AWS-managed); required a customer-managed KMS key",
                         None)


POLICY = resource_policy(CONTROL, validate)
