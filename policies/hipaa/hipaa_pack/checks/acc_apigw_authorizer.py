"""acc-apigw-authorizer: every REST API method except CORS pre-flight authenticates its caller."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, shown

CONTROL = CATALOG["acc-apigw-authorizer"]

AUTHENTICATING = ("AWS_IAM", "COGNITO_USER_POOLS", "CUSTOM")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    method = args.props.get("httpMethod")
    if str(method).upper() == "OPTIONS":
        args.not_applicable(f"method '{args.name}' is OPTIONS, which answers CORS pre-flight requests; browsers "
                            f"send those without credentials")
    authorization = args.props.get("authorization")
    if authorization not in AUTHENTICATING:
        api_key = " (apiKeyRequired is true, but an API key identifies a client, it does not authenticate it)" \
            if as_bool(args.props.get("apiKeyRequired")) is True else ""
        report_violation(f"method '{args.name}' ({shown(method)}): authorization is {shown(authorization)}{api_key}; "
                         f"required AWS_IAM, COGNITO_USER_POOLS or CUSTOM", None)


POLICY = resource_policy(CONTROL, validate)
