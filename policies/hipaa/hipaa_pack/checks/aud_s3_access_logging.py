"""aud-s3-access-logging: every bucket sends S3 server access logs to a log-sink bucket of the stack.

BucketLogging joins its source through `bucket` and its target through `targetBucket`; both must be
property dependencies (bucket.id), because a literal bucket name joins nothing.
"""
from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    BUCKET_LOGGING_TOKENS,
    BUCKET_TOKENS,
    LOG_SINK_TAG,
    by_joined_urn,
    is_log_sink,
    joined,
    log_sink_kind,
    resources_of,
    shown,
    sole_companion,
)

CONTROL = CATALOG["aud-s3-access-logging"]


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    buckets = {bucket.urn: bucket for bucket in resources_of(args, BUCKET_TOKENS)}
    logging_by_bucket = by_joined_urn(resources_of(args, BUCKET_LOGGING_TOKENS), "bucket")
    for bucket in buckets.values():
        if is_log_sink(bucket.props):
            args.not_applicable_to(bucket, f"log-sink bucket ({log_sink_kind(bucket.props)}): logging a sink "
                                           f"into a sink would log its own deliveries forever")
            continue
        config = sole_companion(bucket, logging_by_bucket.get(bucket.urn, []), f"bucket '{bucket.name}'",
                                "BucketLogging", f"required one whose targetBucket is a bucket tagged {LOG_SINK_TAG}",
                                report_violation)
        if config is None:
            continue
        problem = _target_problem(config, buckets)
        if problem:
            report_violation(f"bucket '{bucket.name}': BucketLogging '{config.name}' {problem}; required a "
                             f"bucket tagged {LOG_SINK_TAG} of this stack (target_bucket=<sink>.id)", bucket.urn)


def _target_problem(config: PolicyResource, buckets: dict[str, PolicyResource]) -> str:
    """Why the configuration's target is not a log sink of the stack, or "" when it is."""
    targets = [buckets[urn] for urn in joined(config, "targetBucket") if urn in buckets]
    if not targets:
        return (f"targetBucket is {shown(config.props.get('targetBucket'))}, which is not joined to a bucket "
                f"of this stack")
    if not all(is_log_sink(target.props) for target in targets):
        names = ", ".join(f"'{t.name}'" for t in targets if not is_log_sink(t.props))
        return f"targetBucket is bucket {names}, which is not tagged {LOG_SINK_TAG}"
    return ""


POLICY = stack_policy(CONTROL, validate)
