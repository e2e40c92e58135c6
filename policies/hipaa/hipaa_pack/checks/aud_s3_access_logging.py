"""aud-s3-access-logging: every bucket sends S3 server access logs to a log-sink bucket of the stack.

BucketLogging joins its source through `bucket` and its target through `targetBucket`; both must be
property dependencies (bucket.id), because a literal bucket name joins nothing. Log sinks
(props.log_sinks: a known quome:log-sink kind the stack really delivers to) need no logging of their
own; a tag that does not make its bucket a sink is reported, and the bucket must then log like any other.
"""
from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    BUCKET_LOGGING_TOKENS,
    BUCKET_TOKENS,
    LOG_SINK_TAG,
    S3_ACCESS_LOG_SINK,
    LogSinks,
    by_joined_urn,
    joined,
    log_sink_kind,
    log_sinks,
    resources_of,
    shown,
    sole_companion,
)

CONTROL = CATALOG["aud-s3-access-logging"]

SINK_REQUIRED = f"a bucket tagged {LOG_SINK_TAG} {S3_ACCESS_LOG_SINK!r}"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    buckets = {bucket.urn: bucket for bucket in resources_of(args, BUCKET_TOKENS)}
    logging_by_bucket = by_joined_urn(resources_of(args, BUCKET_LOGGING_TOKENS), "bucket")
    sinks = log_sinks(args)
    for bucket in buckets.values():
        if sinks.kind(bucket):
            args.not_applicable_to(bucket, f"log-sink bucket ({sinks.kind(bucket)}): logging a sink "
                                           f"into a sink would log its own deliveries forever")
            continue
        refusal = sinks.refusal(bucket)
        if refusal:
            report_violation(refusal, bucket.urn)
        config = sole_companion(bucket, logging_by_bucket.get(bucket.urn, []), f"bucket '{bucket.name}'",
                                "BucketLogging", f"required one whose targetBucket is {SINK_REQUIRED}",
                                report_violation)
        if config is None:
            continue
        problem = _target_problem(config, buckets, sinks)
        if problem:
            report_violation(f"bucket '{bucket.name}': BucketLogging '{config.name}' {problem}; required "
                             f"{SINK_REQUIRED} of this stack (target_bucket=<sink>.id)", bucket.urn)


def _target_problem(config: PolicyResource, buckets: dict[str, PolicyResource], sinks: LogSinks) -> str:
    """Why the configuration's target is not an S3 access-log sink of the stack, or "" when it is."""
    targets = [buckets[urn] for urn in joined(config, "targetBucket") if urn in buckets]
    if not targets:
        return (f"targetBucket is {shown(config.props.get('targetBucket'))}, which is not joined to a bucket "
                f"of this stack")
    for target in targets:
        if sinks.kind(target) == S3_ACCESS_LOG_SINK:
            continue
        kind = log_sink_kind(target.props)
        if kind is None:
            return f"targetBucket is bucket '{target.name}', which is not tagged {LOG_SINK_TAG}"
        return f"targetBucket is bucket '{target.name}', whose tag {LOG_SINK_TAG} is {shown(kind)}"
    return ""


POLICY = stack_policy(CONTROL, validate)
