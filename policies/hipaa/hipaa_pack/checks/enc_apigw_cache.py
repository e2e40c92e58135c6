"""enc-apigw-cache: API Gateway response caching is off, or encrypted where it is on."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, dig, shown

CONTROL = CATALOG["enc-apigw-cache"]

STAGE = "aws:apigateway/stage:Stage"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == STAGE:
        enabled = args.props.get("cacheClusterEnabled")
        if as_bool(enabled) is True:
            # A stage cache holds PHI responses outside the platform's keys; it needs a documented exemption.
            report_violation(f"stage '{args.name}': cacheClusterEnabled is true; required unset or false "
                             f"(a stage that needs a cache carries an exemption with the reason)", None)
        return

    where = f"method settings '{args.name}'"
    method_path = args.props.get("methodPath")
    if isinstance(method_path, str) and method_path:
        where += f" ({method_path})"
    caching = dig(args.props, "settings.cachingEnabled")
    if as_bool(caching) is not True:
        return  # caching off: nothing is cached, nothing to encrypt
    encrypted = dig(args.props, "settings.cacheDataEncrypted")
    if as_bool(encrypted) is not True:
        report_violation(f"{where}: settings.cacheDataEncrypted is {shown(encrypted)} while settings.cachingEnabled "
                         f"is true; required true", None)


POLICY = resource_policy(CONTROL, validate)
