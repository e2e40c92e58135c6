"""tls-alb-drop-invalid-headers: application load balancers drop invalid HTTP header fields."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, shown

CONTROL = CATALOG["tls-alb-drop-invalid-headers"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    lb_type = args.props.get("loadBalancerType")
    if lb_type not in (None, "application"):
        args.not_applicable(f"load balancer '{args.name}' is a {lb_type} load balancer; only application load "
                            f"balancers parse HTTP headers")
    drop = args.props.get("dropInvalidHeaderFields")
    if as_bool(drop) is not True:
        report_violation(f"application load balancer '{args.name}': dropInvalidHeaderFields is {shown(drop)}; "
                         f"required true", None)


POLICY = resource_policy(CONTROL, validate)
