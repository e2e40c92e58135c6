"""acc-imdsv2-hop-limit: instances require IMDSv2 session tokens and answer metadata requests only
one network hop away, so containers cannot pick up the node role's credentials."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_int, dig, shown

CONTROL = CATALOG["acc-imdsv2-hop-limit"]

KINDS = {"aws:ec2/launchTemplate:LaunchTemplate": "launch template", "aws:ec2/instance:Instance": "instance"}
REQUIRED_HOP_LIMIT = 1


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"{KINDS[args.resource_type]} '{args.name}'"
    tokens = dig(args.props, "metadataOptions.httpTokens")
    if tokens != "required":
        report_violation(f"{where}: metadataOptions.httpTokens is {shown(tokens)}; required 'required' (IMDSv2)",
                         None)
    hops = dig(args.props, "metadataOptions.httpPutResponseHopLimit")
    if hops is None:
        report_violation(f"{where}: metadataOptions.httpPutResponseHopLimit is unset (AL2023 AMIs default to 2, "
                         f"which lets containers reach the node role); required {REQUIRED_HOP_LIMIT}", None)
    elif as_int(hops) != REQUIRED_HOP_LIMIT:
        report_violation(f"{where}: metadataOptions.httpPutResponseHopLimit is {shown(hops)}; "
                         f"required {REQUIRED_HOP_LIMIT}", None)


POLICY = resource_policy(CONTROL, validate)
