"""tls-alb-http-redirect: a plain-HTTP listener does nothing but redirect to HTTPS."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list, dig, shown

CONTROL = CATALOG["tls-alb-http-redirect"]

REDIRECT_CODES = ("HTTP_301", "HTTP_302")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"listener '{args.name}'"
    protocol = args.props.get("protocol")
    # Unset means HTTP on an application load balancer.
    if protocol not in (None, "HTTP"):
        args.not_applicable(f"{where} uses {protocol}; only plain-HTTP listeners must redirect")

    actions = as_list(args.props.get("defaultActions"))
    if len(actions) != 1:
        report_violation(f"{where}: an HTTP listener has {len(actions)} defaultActions; required exactly one, "
                         f"a redirect to HTTPS", None)
        return
    action = actions[0] if isinstance(actions[0], Mapping) else {}
    kind = action.get("type")
    if kind != "redirect":
        report_violation(f"{where}: defaultActions[0].type is {shown(kind)}; required 'redirect' to HTTPS", None)
        return
    redirect_protocol = dig(action, "redirect.protocol")
    if redirect_protocol != "HTTPS":
        report_violation(f"{where}: defaultActions[0].redirect.protocol is {shown(redirect_protocol)}; "
                         f"required 'HTTPS'", None)
    status = dig(action, "redirect.statusCode")
    if status not in REDIRECT_CODES:
        report_violation(f"{where}: defaultActions[0].redirect.statusCode is {shown(status)}; required "
                         f"HTTP_301 or HTTP_302", None)


POLICY = resource_policy(CONTROL, validate)
