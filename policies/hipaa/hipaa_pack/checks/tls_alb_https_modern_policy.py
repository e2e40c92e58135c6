"""tls-alb-https-modern-policy: listeners serve TLS 1.2+ with a modern policy and an ACM certificate."""
from __future__ import annotations

import re
from collections.abc import Mapping

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list, shown

CONTROL = CATALOG["tls-alb-https-modern-policy"]

DEFAULT_SSL_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
]
# What ELB applies to an HTTPS or TLS listener that names no policy (pulumi-aws lb/listener.py).
AWS_DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08"
TLS_PROTOCOLS = ("HTTPS", "TLS")
ACM_CERTIFICATE_RE = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$")

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "allowedSslPolicies": {
        "type": "array",
        "items": {"type": "string", "pattern": "^ELBSecurityPolicy-"},
        "minItems": 1,
        "uniqueItems": True,
        "default": DEFAULT_SSL_POLICIES,
        "description": "ELB security policies an HTTPS or TLS listener may use (all negotiate TLS 1.2 or newer).",
    },
})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"listener '{args.name}'"
    protocol = args.props.get("protocol")
    if protocol in TLS_PROTOCOLS:
        _check_tls(args, where, protocol, report_violation)
    elif protocol in (None, "HTTP"):
        # Unset means HTTP on an application load balancer.
        found = "HTTP" if protocol else "unset (HTTP)"
        types = [action.get("type") if isinstance(action, Mapping) else None
                 for action in as_list(args.props.get("defaultActions"))]
        if not types or any(t != "redirect" for t in types):
            report_violation(f"{where}: protocol is {found} and defaultActions types are {shown(types)}; required "
                             f"HTTPS or TLS, or an HTTP listener whose every default action is a redirect", None)
    else:
        report_violation(f"{where}: protocol is {shown(protocol)}; required HTTPS or TLS (or an HTTP listener "
                         f"that only redirects)", None)


def _check_tls(args: ResourceValidationArgs, where: str, protocol: str, report_violation: ReportViolation) -> None:
    allowed = args.get_config()["allowedSslPolicies"]
    policy = args.props.get("sslPolicy")
    if policy is None:
        report_violation(f"{where}: sslPolicy is unset ({protocol} listeners then use {AWS_DEFAULT_SSL_POLICY}); "
                         f"required one of {', '.join(allowed)}", None)
    elif policy not in allowed:
        report_violation(f"{where}: sslPolicy is {shown(policy)}; required one of {', '.join(allowed)}", None)
    certificate = args.props.get("certificateArn")
    if not isinstance(certificate, str) or not ACM_CERTIFICATE_RE.match(certificate):
        report_violation(f"{where}: certificateArn is {shown(certificate)}; required an ACM certificate ARN "
                         f"(arn:aws:acm:<region>:<account>:certificate/<id>)", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
