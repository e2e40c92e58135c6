"""enc-efs-cmk: EFS file systems are encrypted with a customer-managed key."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, customer_managed_key_problem, shown

CONTROL = CATALOG["enc-efs-cmk"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"EFS file system '{args.name}'"
    encrypted = args.props.get("encrypted")
    if as_bool(encrypted) is not True:
        report_violation(f"{where}: encrypted is {shown(encrypted)}; required true", None)
    problem = customer_managed_key_problem(where, "kmsKeyId", args.props.get("kmsKeyId"),
                                           ", which means the AWS-managed aws/elasticfilesystem key")
    if problem:
        report_violation(problem, None)


POLICY = resource_policy(CONTROL, validate)
