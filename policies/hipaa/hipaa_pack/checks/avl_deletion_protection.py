"""avl-deletion-protection: load balancers, RDS instances and clusters, DynamoDB tables and the EKS
cluster refuse deletion until protection is turned off."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, shown

CONTROL = CATALOG["avl-deletion-protection"]

# token -> (what messages call it, the property that turns protection on)
SETTINGS = {
    "aws:lb/loadBalancer:LoadBalancer": ("load balancer", "enableDeletionProtection"),
    "aws:alb/loadBalancer:LoadBalancer": ("load balancer", "enableDeletionProtection"),
    "aws:rds/instance:Instance": ("RDS instance", "deletionProtection"),
    "aws:rds/cluster:Cluster": ("RDS cluster", "deletionProtection"),
    "aws:dynamodb/table:Table": ("DynamoDB table", "deletionProtectionEnabled"),
    "aws:eks/cluster:Cluster": ("EKS cluster", "deletionProtection"),
}


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    kind, setting = SETTINGS[args.resource_type]
    value = args.props.get(setting)
    if as_bool(value) is not True:
        report_violation(f"{kind} '{args.name}': {setting} is {shown(value)}; required true", None)


POLICY = resource_policy(CONTROL, validate)
