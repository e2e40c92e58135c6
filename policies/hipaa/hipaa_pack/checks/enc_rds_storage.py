"""enc-rds-storage: RDS instances and Aurora clusters encrypt storage with a customer-managed key."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, customer_managed_key_problem, shown

CONTROL = CATALOG["enc-rds-storage"]

KINDS = {"aws:rds/instance:Instance": "RDS instance", "aws:rds/cluster:Cluster": "RDS cluster"}


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"{KINDS[args.resource_type]} '{args.name}'"
    encrypted = args.props.get("storageEncrypted")
    if as_bool(encrypted) is not True:
        report_violation(f"{where}: storageEncrypted is {shown(encrypted)}; required true", None)
    problem = customer_managed_key_problem(where, "kmsKeyId", args.props.get("kmsKeyId"),
                                           ", which means the AWS-managed aws/rds key")
    if problem:
        report_violation(problem, None)


POLICY = resource_policy(CONTROL, validate)
