"""enc-secretsmanager-cmk: secrets and their replicas are encrypted with a customer-managed key."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list, customer_managed_key_problem

CONTROL = CATALOG["enc-secretsmanager-cmk"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"secret '{args.name}'"
    problem = customer_managed_key_problem(where, "kmsKeyId", args.props.get("kmsKeyId"),
                                           ", which means the AWS-managed aws/secretsmanager key")
    if problem:
        report_violation(problem, None)

    for index, replica in enumerate(as_list(args.props.get("replicas"))):
        if not isinstance(replica, Mapping):
            continue
        replica_where = f"{where} replicas[{index}] ({replica.get('region') or 'no region'})"
        problem = customer_managed_key_problem(replica_where, "kmsKeyId", replica.get("kmsKeyId"),
                                               ", which means the AWS-managed aws/secretsmanager key of that region")
        if problem:
            report_violation(problem, None)


POLICY = resource_policy(CONTROL, validate)
