"""tls-apigw-domain-tls12: API Gateway custom domains negotiate TLS 1.2 or newer."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import dig, shown

CONTROL = CATALOG["tls-apigw-domain-tls12"]

REST_DOMAIN = "aws:apigateway/domainName:DomainName"
TLS12 = "TLS_1_2"
# The enhanced REST policies (e.g. SecurityPolicy_TLS13_1_3_2025_09) all require TLS 1.3 or 1.2+.
ENHANCED_TLS13_PREFIX = "SecurityPolicy_TLS13_"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == REST_DOMAIN:
        policy = args.props.get("securityPolicy")
        if policy != TLS12 and not (isinstance(policy, str) and policy.startswith(ENHANCED_TLS13_PREFIX)):
            report_violation(f"REST API domain '{args.name}': securityPolicy is {shown(policy)}; required "
                             f"{TLS12} or an enhanced {ENHANCED_TLS13_PREFIX}* policy", None)
        return
    policy = dig(args.props, "domainNameConfiguration.securityPolicy")
    if policy != TLS12:
        report_violation(f"HTTP API domain '{args.name}': domainNameConfiguration.securityPolicy is {shown(policy)}; "
                         f"required {TLS12}", None)


POLICY = resource_policy(CONTROL, validate)
