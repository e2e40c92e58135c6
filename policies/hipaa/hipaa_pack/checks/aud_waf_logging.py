"""aud-waf-logging: every WAF web ACL logs its requests, with the credential headers redacted.

The logging configuration joins its web ACL through `resourceArn` (resource_arn=acl.arn).
"""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_list, by_joined_urn, dig, resources_of, sole_companion

CONTROL = CATALOG["aud-waf-logging"]

WEB_ACL_TOKEN = "aws:wafv2/webAcl:WebAcl"
LOGGING_TOKEN = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
# HTTP header names are case-insensitive; these carry bearer tokens, basic credentials and session ids.
REDACTED_HEADERS = ("authorization", "cookie")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    logging_by_acl = by_joined_urn(resources_of(args, LOGGING_TOKEN), "resourceArn")
    for acl in resources_of(args, WEB_ACL_TOKEN):
        config = sole_companion(acl, logging_by_acl.get(acl.urn, []), f"web ACL '{acl.name}'",
                                "WebAclLoggingConfiguration", f"required one with a log destination that redacts the "
                                f"{' and '.join(REDACTED_HEADERS)} headers", report_violation)
        if config is not None:
            _check_config(acl, config, report_violation)


def _check_config(acl: PolicyResource, config: PolicyResource, report_violation: ReportViolation) -> None:
    where = f"web ACL '{acl.name}': WebAclLoggingConfiguration '{config.name}'"
    if not [d for d in as_list(config.props.get("logDestinationConfigs")) if d]:
        report_violation(f"{where} has no logDestinationConfigs; required at least one log destination", acl.urn)
    redacted = {name.lower() for field in as_list(config.props.get("redactedFields")) if isinstance(field, Mapping)
                for name in [dig(field, "singleHeader.name")] if isinstance(name, str)}
    missing = [header for header in REDACTED_HEADERS if header not in redacted]
    if missing:
        found = f"redact the headers {', '.join(sorted(redacted))}" if redacted else "redact no header"
        report_violation(f"{where} redactedFields {found}; required {' and '.join(REDACTED_HEADERS)} redacted "
                         f"(missing {', '.join(missing)})", acl.urn)


POLICY = stack_policy(CONTROL, validate)
