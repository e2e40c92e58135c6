"""enc-secretsmanager-cmk: secrets and their replicas are encrypted with a customer-managed key."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list, is_aws_managed_alias, shown

CONTROL = CATALOG["enc-secretsmanager-cmk"]

REQUIRED_KEY = "required a customer-managed KMS key"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"secret '{args.name}'"
    key = args.props.get("kmsKeyId")
    if not key:
        report_violation(f"{where}: kmsKeyId is unset, which means the AWS-managed aws/secretsmanager key; "
                         f"{REQUIRED_KEY}", None)
    elif is_aws_managed_alias(key):
        report_violation(f"{where}: kmsKeyId is {shown(key)} (AWS-managed); {REQUIRED_KEY}", None)

    for index, replica in enumerate(as_list(args.props.get("replicas"))):
        if not isinstance(replica, Mapping):
            continue
        replica_where = f"{where} replicas[{index}] ({replica.get('region') or 'no region'})"
        replica_key = replica.get("kmsKeyId")
        if not replica_key:
            report_violation(f"{replica_where}: kmsKeyId is unset, which means the AWS-managed aws/secretsmanager "
                             f"key of that region; {REQUIRED_KEY}", None)
        elif is_aws_managed_alias(replica_key):
            report_violation(f"{replica_where}: kmsKeyId is {shown(replica_key)} (AWS-managed); {REQUIRED_KEY}", None)


POLICY = resource_policy(CONTROL, validate)
