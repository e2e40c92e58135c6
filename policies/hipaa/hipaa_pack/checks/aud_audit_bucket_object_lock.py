"""aud-audit-bucket-object-lock: audit-log buckets are WORM, in Object Lock compliance mode, for the
retention period.

Audit-log buckets are those a trail writes to (joined through the trail's s3BucketName) and those
tagged quome:purpose "audit". The lock configuration is a separate resource joined through `bucket`.

An audit bucket is never a log sink, whatever its quome:log-sink tag says: its logs must be WORM, and
AWS log delivery refuses a bucket with a default retention, so a sink lives outside this control (the
platform's access-log bucket is tagged quome:purpose "s3-access-logs"). props.log_sinks refuses the tag on
a trail's destination and on a bucket tagged quome:purpose "audit"; this control, enc-s3-sse-kms and
aud-s3-access-logging report the same refusal.
"""
from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import PolicyConfigSchema, PolicyResource, ReportViolation, StackValidationArgs

from ..catalog import CATALOG
from ..cloudtrail import TRAIL_TOKEN
from ..factory import StackArgs, stack_policy
from ..props import (
    AUDIT_PURPOSE,
    BUCKET_OBJECT_LOCK_TOKENS,
    BUCKET_TOKENS,
    PURPOSE_TAG,
    as_bool,
    as_int,
    by_joined_urn,
    dig,
    joined,
    log_sinks,
    resources_of,
    shown,
    sole_companion,
    tags,
)

CONTROL = CATALOG["aud-audit-bucket-object-lock"]

COMPLIANCE = "COMPLIANCE"
DAYS_PER_YEAR = 365

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "minRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "default": 2190,
        "description": "Shortest acceptable default retention, in days (years count 365 days each); "
                       "2190 is six years, after 164.316(b)(2)(i).",
    },
})


def audit_buckets(args: StackValidationArgs) -> dict[str, PolicyResource]:
    """URN -> bucket for every audit-log bucket of the stack: a trail's destination or tagged quome:purpose
    "audit". Also used by aud-vpc-flow-logs, which accepts these buckets as flow-log destinations."""
    buckets = {bucket.urn: bucket for bucket in resources_of(args, BUCKET_TOKENS)}
    found = {urn: bucket for urn, bucket in buckets.items() if tags(bucket.props).get(PURPOSE_TAG) == AUDIT_PURPOSE}
    for trail in resources_of(args, TRAIL_TOKEN):
        for urn in joined(trail, "s3BucketName"):
            if urn in buckets:
                found[urn] = buckets[urn]
    return found


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    minimum = args.get_config()["minRetentionDays"]
    buckets = {bucket.urn for bucket in resources_of(args, BUCKET_TOKENS)}
    for trail in resources_of(args, TRAIL_TOKEN):
        if not any(urn in buckets for urn in joined(trail, "s3BucketName")):
            args.not_applicable_to(trail, f"writes to bucket {shown(trail.props.get('s3BucketName'))}, which is "
                                          f"not created in this stack; its object lock is checked where it is")

    locks_by_bucket = by_joined_urn(resources_of(args, BUCKET_OBJECT_LOCK_TOKENS), "bucket")
    sinks = log_sinks(args)
    for bucket in audit_buckets(args).values():
        # A trail's destination or tagged quome:purpose audit: log_sinks() refuses either one's tag.
        refusal = sinks.refusal(bucket)
        if refusal:
            report_violation(refusal, bucket.urn)
        _check_bucket(bucket, locks_by_bucket.get(bucket.urn, []), minimum, report_violation)


def _check_bucket(bucket: PolicyResource, locks: Iterable[PolicyResource], minimum: int,
                  report_violation: ReportViolation) -> None:
    where = f"audit bucket '{bucket.name}'"
    enabled = bucket.props.get("objectLockEnabled")
    if as_bool(enabled) is not True:
        report_violation(f"{where}: objectLockEnabled is {shown(enabled)}; required true (it can only be "
                         f"turned on when the bucket is created)", bucket.urn)
    lock = sole_companion(bucket, list(locks), where, "BucketObjectLockConfiguration",
                          f"required one with rule.defaultRetention.mode COMPLIANCE for at least {minimum} days",
                          report_violation)
    if lock is None:
        return
    where = f"{where}: BucketObjectLockConfiguration '{lock.name}'"
    mode = dig(lock.props, "rule.defaultRetention.mode")
    if mode != COMPLIANCE:
        report_violation(f"{where} rule.defaultRetention.mode is {shown(mode)}; required 'COMPLIANCE' "
                         f"(governance mode can be bypassed)", bucket.urn)
    days_value = dig(lock.props, "rule.defaultRetention.days")
    years_value = dig(lock.props, "rule.defaultRetention.years")
    if days_value is not None:
        found, retained = f"rule.defaultRetention.days is {shown(days_value)}", as_int(days_value)
    elif years_value is not None:
        years = as_int(years_value)
        retained = None if years is None else years * DAYS_PER_YEAR
        found = f"rule.defaultRetention.years is {shown(years_value)}"
        if retained is not None:
            found += f" ({retained} days)"
    else:
        found, retained = "rule.defaultRetention sets neither days nor years", None
    if retained is None or retained < minimum:
        report_violation(f"{where} {found}; required at least {minimum} days", bucket.urn)


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
