"""enc-rds-storage: RDS instances and Aurora clusters encrypt storage with a customer-managed key."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, is_aws_managed_alias, shown

CONTROL = CATALOG["enc-rds-storage"]

KINDS = {"aws:rds/instance:Instance": "RDS instance", "aws:rds/cluster:Cluster": "RDS cluster"}


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"{KINDS[args.resource_type]} '{args.name}'"
    encrypted = args.props.get("storageEncrypted")
    if as_bool(encrypted) is not True:
        report_violation(f"{where}: storageEncrypted is {shown(encrypted)}; required true", None)
    key = args.props.get("kmsKeyId")
    if not key:
        report_violation(f"{where}: kmsKeyId is unset, which means the AWS-managed aws/rds key; "
                         f"required a customer-managed KMS key", None)
    elif is_aws_managed_alias(key):
        report_violation(f"{where}: kmsKeyId is {shown(key)} (AWS-managed); required a customer-managed KMS key",
                         None)


POLICY = resource_policy(CONTROL, validate)
