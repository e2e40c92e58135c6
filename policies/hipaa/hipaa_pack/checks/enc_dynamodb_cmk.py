"""enc-dynamodb-cmk: DynamoDB tables and their replicas are encrypted with a customer-managed key."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_list, customer_managed_key_problem, dig, shown

CONTROL = CATALOG["enc-dynamodb-cmk"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"DynamoDB table '{args.name}'"
    enabled = dig(args.props, "serverSideEncryption.enabled")
    key = dig(args.props, "serverSideEncryption.kmsKeyArn")
    if as_bool(enabled) is not True:
        report_violation(f"{where}: serverSideEncryption.enabled is {shown(enabled)}, which means an AWS-owned "
                         f"key; required true with kmsKeyArn naming a customer-managed KMS key", None)
    elif problem := customer_managed_key_problem(where, "serverSideEncryption.kmsKeyArn", key,
                                                 ", which means the AWS-managed aws/dynamodb key"):
        report_violation(problem, None)

    for index, replica in enumerate(as_list(args.props.get("replicas"))):
        if not isinstance(replica, Mapping):
            continue
        region = replica.get("regionName")
        replica_where = f"{where} replicas[{index}] ({region or 'no regionName'})"
        problem = customer_managed_key_problem(replica_where, "kmsKeyArn", replica.get("kmsKeyArn"),
                                               ", which means the AWS-managed aws/dynamodb key of that region")
        if problem:
            report_violation(problem, None)


POLICY = resource_policy(CONTROL, validate)
