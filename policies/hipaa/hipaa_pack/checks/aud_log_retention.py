"""aud-log-retention: log groups and bucket lifecycle rules keep data at least as long as the targets.

On a versioned bucket (int-s3-versioning) expiration.days only puts a delete marker on the current
version; the data is really removed by noncurrentVersionExpiration, so both are held to the target.
An expiration.date removes every object on that day whatever its age, so it can never keep a target.
"""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_int, as_list, dig, shown

CONTROL = CATALOG["aud-log-retention"]

LOG_GROUP_TOKEN = "aws:cloudwatch/logGroup:LogGroup"
NEVER_EXPIRE = 0

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "minLogRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "default": 365,
        "description": "Shortest acceptable LogGroup.retentionInDays (0 or unset, never expire, always passes).",
    },
    "minObjectRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "default": 2190,
        "description": "Shortest acceptable expiration.days and noncurrentVersionExpiration.noncurrentDays "
                       "of an enabled bucket lifecycle rule (2190 days: six years, 164.316(b)(2)(i)).",
    },
})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    config = args.get_config()
    if args.resource_type == LOG_GROUP_TOKEN:
        _check_log_group(args, config["minLogRetentionDays"], report_violation)
    else:
        _check_lifecycle(args, config["minObjectRetentionDays"], report_violation)


def _check_log_group(args: ResourceValidationArgs, minimum: int, report_violation: ReportViolation) -> None:
    value = args.props.get("retentionInDays")
    if value is None:
        return  # unset: CloudWatch keeps the events forever
    days = as_int(value)
    if days is None or (days != NEVER_EXPIRE and days < minimum):
        report_violation(f"log group '{args.name}': retentionInDays is {shown(value)}; "
                         f"required 0 (never expire) or at least {minimum}", None)


def _check_lifecycle(args: ResourceValidationArgs, minimum: int, report_violation: ReportViolation) -> None:
    for index, rule in enumerate(as_list(args.props.get("rules"))):
        if not isinstance(rule, Mapping) or rule.get("status") != "Enabled":
            continue  # a disabled rule expires nothing
        where = f"lifecycle configuration '{args.name}': rule {_rule_name(rule, index)}"
        for path in ("expiration.days", "noncurrentVersionExpiration.noncurrentDays"):
            value = dig(rule, path)
            if value is None:
                continue
            days = as_int(value)
            if days is None or days < minimum:
                report_violation(f"{where} {path} is {shown(value)}; required at least {minimum}", None)
        expiry_date = dig(rule, "expiration.date")
        if expiry_date is not None:
            report_violation(f"{where} expiration.date is {shown(expiry_date)}; required no date, because it "
                             f"deletes every object on that day whatever its age (use expiration.days of at "
                             f"least {minimum})", None)


def _rule_name(rule: Mapping, index: int) -> str:
    rule_id = rule.get("id")
    return repr(rule_id) if isinstance(rule_id, str) and rule_id else f"#{index}"


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
