"""acc-rds-not-public: no RDS instance or Aurora cluster instance gets a public endpoint."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, shown

CONTROL = CATALOG["acc-rds-not-public"]

KINDS = {"aws:rds/instance:Instance": "RDS instance", "aws:rds/clusterInstance:ClusterInstance": "RDS cluster instance"}


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    value = args.props.get("publiclyAccessible")
    if as_bool(value) is True:
        report_violation(f"{KINDS[args.resource_type]} '{args.name}': publiclyAccessible is {shown(value)}; "
                         f"required false", None)


POLICY = resource_policy(CONTROL, validate)
