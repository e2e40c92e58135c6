"""acc-default-sg-closed: every VPC adopts its default security group and empties it.

AWS creates each VPC's default group with allow-all rules; only a DefaultSecurityGroup resource
(joined to the VPC through its vpcId input) removes them. Unset ingress/egress mean "no rules" for
that resource, as the provider removes every rule it does not declare.
"""
from __future__ import annotations

from pulumi_policy import ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_list, by_joined_urn, resources_of, sole_companion

CONTROL = CATALOG["acc-default-sg-closed"]

VPC_TOKEN = "aws:ec2/vpc:Vpc"
DEFAULT_SG_TOKEN = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    defaults_by_vpc = by_joined_urn(resources_of(args, DEFAULT_SG_TOKEN), "vpcId")
    for vpc in resources_of(args, VPC_TOKEN):
        group = sole_companion(vpc, defaults_by_vpc.get(vpc.urn, []), f"VPC '{vpc.name}'", "DefaultSecurityGroup",
                               "required one with ingress [] and egress [] to remove the allow-all rules of the "
                               "VPC's default group", report_violation)
        if group is None:
            continue
        for direction in ("ingress", "egress"):
            rules = as_list(group.props.get(direction))
            if rules:
                report_violation(f"VPC '{vpc.name}': DefaultSecurityGroup '{group.name}' has {len(rules)} "
                                 f"{direction} rule(s); required none", group.urn)


POLICY = stack_policy(CONTROL, validate)
