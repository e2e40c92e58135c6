"""acc-waf-associated: internet-facing application load balancers and REST API stages sit behind a
WAF web ACL (joined through WebAclAssociation.resourceArn), and CloudFront distributions name one."""
from __future__ import annotations

from pulumi_policy import ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import LB_TOKENS, as_bool, by_joined_urn, joined, resources_of, shown

CONTROL = CATALOG["acc-waf-associated"]

ASSOCIATION_TOKEN = "aws:wafv2/webAclAssociation:WebAclAssociation"
STAGE_TOKEN = "aws:apigateway/stage:Stage"
DISTRIBUTION_TOKEN = "aws:cloudfront/distribution:Distribution"
# The provider's default loadBalancerType; only application load balancers can take a web ACL.
DEFAULT_LB_TYPE = "application"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    associated = by_joined_urn(resources_of(args, ASSOCIATION_TOKEN), "resourceArn")

    for lb in resources_of(args, LB_TOKENS):
        lb_type = lb.props.get("loadBalancerType") or DEFAULT_LB_TYPE
        if lb_type != DEFAULT_LB_TYPE:
            args.not_applicable_to(lb, f"{lb_type} load balancers cannot be associated with a WAF web ACL")
            continue
        if as_bool(lb.props.get("internal")) is True:
            args.not_applicable_to(lb, "internal load balancer, not reachable from the internet")
            continue
        if not associated.get(lb.urn):
            report_violation(f"load balancer '{lb.name}' is internet-facing and no WebAclAssociation names it in "
                             f"resourceArn; required an association with a REGIONAL web ACL", lb.urn)

    for stage in resources_of(args, STAGE_TOKEN):
        if not associated.get(stage.urn):
            report_violation(f"API Gateway stage '{stage.name}' has no WebAclAssociation naming it in resourceArn; "
                             f"required an association with a REGIONAL web ACL", stage.urn)

    for distribution in resources_of(args, DISTRIBUTION_TOKEN):
        # A web ACL of this stack is known by the dependency (its ARN is unknown during preview).
        if joined(distribution, "webAclId"):
            continue
        acl = distribution.props.get("webAclId")
        if not acl:
            report_violation(f"CloudFront distribution '{distribution.name}': webAclId is {shown(acl)}; required "
                             f"a CLOUDFRONT-scope web ACL", distribution.urn)


POLICY = stack_policy(CONTROL, validate)
