"""enc-dynamodb-cmk: DynamoDB tables and their replicas are encrypted with a customer-managed key."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_list, dig, is_aws_managed_alias, shown

CONTROL = CATALOG["enc-dynamodb-cmk"]

REQUIRED_KEY = "required a customer-managed KMS key"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"DynamoDB table '{args.name}'"
    enabled = dig(args.props, "serverSideEncryption.enabled")
    key = dig(args.props, "serverSideEncryption.kmsKeyArn")
    if as_bool(enabled) is not True:
        report_violation(f"{where}: serverSideEncryption.enabled is {shown(enabled)}, which means an AWS-owned "
                         f"key; required true with kmsKeyArn naming a customer-managed KMS key", None)
    elif not key:
        report_violation(f"{where}: serverSideEncryption.kmsKeyArn is unset, which means the AWS-managed "
                         f"aws/dynamodb key; {REQUIRED_KEY}", None)
    elif is_aws_managed_alias(key):
        report_violation(f"{where}: serverSideEncryption.kmsKeyArn is {shown(key)} (AWS-managed); {REQUIRED_KEY}",
                         None)

    for index, replica in enumerate(as_list(args.props.get("replicas"))):
        if not isinstance(replica, Mapping):
            continue
        region = replica.get("regionName")
        replica_where = f"{where} replicas[{index}] ({region or 'no regionName'})"
        replica_key = replica.get("kmsKeyArn")
        if not replica_key:
            report_violation(f"{replica_where}: kmsKeyArn is unset, which means the AWS-managed aws/dynamodb key "
                             f"of that region; {REQUIRED_KEY}", None)
        elif is_aws_managed_alias(replica_key):
            report_violation(f"{replica_where}: kmsKeyArn is {shown(replica_key)} (AWS-managed); {REQUIRED_KEY}",
                             None)


POLICY = resource_policy(CONTROL, validate)
