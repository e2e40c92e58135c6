"""enc-s3-sse-kms: every bucket defaults to SSE-KMS with a customer-managed key.

In pulumi-aws v7 default encryption is a separate resource (BucketServerSideEncryptionConfiguration)
next to the bucket, so the check is a stack policy that joins the two through the configuration's
`bucket` input. Log sinks (props.log_sinks: a known quome:log-sink kind the stack really delivers to)
must use SSE-S3 instead; a tag that does not make its bucket a sink is reported, and the bucket is then
held to SSE-KMS like any other.
"""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    BUCKET_SSE_TOKENS,
    BUCKET_TOKENS,
    as_bool,
    as_list,
    by_joined_urn,
    customer_managed_key_problem,
    dig,
    log_sinks,
    resources_of,
    shown,
    sole_companion,
)

CONTROL = CATALOG["enc-s3-sse-kms"]

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
SSE_S3_ALGORITHM = "AES256"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    sse_by_bucket = by_joined_urn(resources_of(args, BUCKET_SSE_TOKENS), "bucket")
    sinks = log_sinks(args)
    for bucket in resources_of(args, BUCKET_TOKENS):
        refusal = sinks.refusal(bucket)
        if refusal:
            report_violation(refusal, bucket.urn)
        log_sink = sinks.kind(bucket)
        required = SSE_S3_ALGORITHM if log_sink else " or ".join(KMS_ALGORITHMS)
        config = sole_companion(bucket, sse_by_bucket.get(bucket.urn, []), f"bucket '{bucket.name}'",
                                "BucketServerSideEncryptionConfiguration", f"required one with sseAlgorithm {required}",
                                report_violation)
        if config is None:
            continue
        if log_sink:
            _check_log_sink(args, bucket, log_sink, config, report_violation)
        else:
            _check_kms(bucket, config, report_violation)


def _default_rules(config: PolicyResource) -> list[Mapping]:
    return [rule for rule in as_list(config.props.get("rules"))
            if isinstance(rule, Mapping) and isinstance(rule.get("applyServerSideEncryptionByDefault"), Mapping)]


def _check_kms(bucket: PolicyResource, config: PolicyResource, report_violation: ReportViolation) -> None:
    rules = _default_rules(config)
    if not rules:
        report_violation(f"bucket '{bucket.name}': BucketServerSideEncryptionConfiguration '{config.name}' has no "
                         f"applyServerSideEncryptionByDefault rule; required sseAlgorithm aws:kms", bucket.urn)
    for rule in rules:
        algorithm = dig(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")
        key = dig(rule, "applyServerSideEncryptionByDefault.kmsMasterKeyId")
        if algorithm not in KMS_ALGORITHMS:
            report_violation(f"bucket '{bucket.name}': sseAlgorithm is {shown(algorithm)}; "
                             f"required aws:kms or aws:kms:dsse", bucket.urn)
            continue
        problem = customer_managed_key_problem(f"bucket '{bucket.name}'", "kmsMasterKeyId", key,
                                               ", which means the AWS-managed aws/s3 key")
        if problem:
            report_violation(problem, bucket.urn)
        # S3 Bucket Keys cut KMS requests (and CloudTrail volume) per object; they do not exist
        # for DSSE-KMS, so only aws:kms needs them.
        bucket_key = rule.get("bucketKeyEnabled")
        if algorithm == "aws:kms" and as_bool(bucket_key) is not True:
            report_violation(f"bucket '{bucket.name}': bucketKeyEnabled is {shown(bucket_key)}; "
                             f"required true with aws:kms", bucket.urn)


def _check_log_sink(args: StackArgs, bucket: PolicyResource, kind: str, config: PolicyResource,
                    report_violation: ReportViolation) -> None:
    # AWS log delivery (load-balancer access logs, S3 server access logs) writes only to buckets
    # whose default encryption is SSE-S3, so a log sink cannot meet the SSE-KMS rule by design.
    algorithms = [dig(rule, "applyServerSideEncryptionByDefault.sseAlgorithm") for rule in _default_rules(config)]
    wrong = [a for a in algorithms if a != SSE_S3_ALGORITHM]
    if not algorithms or wrong:
        found = shown(wrong[0]) if wrong else "unset"
        report_violation(f"log-sink bucket '{bucket.name}': sseAlgorithm is {found}; required AES256, "
                         f"because AWS log delivery writes only to SSE-S3 buckets", bucket.urn)
        return
    args.not_applicable_to(bucket, f"log-sink bucket ({kind}) uses SSE-S3, "
                                   f"the only encryption AWS log delivery supports")


POLICY = stack_policy(CONTROL, validate)
