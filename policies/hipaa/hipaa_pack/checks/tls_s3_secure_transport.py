"""tls-s3-secure-transport: every bucket's single policy denies requests that do not use TLS.

The bucket policy is a separate resource (BucketPolicy) next to the bucket, joined through its `bucket`
input. The bucket's ARN comes from its name, which is known during preview when the component names the
bucket; the partition is taken from the statement's own ARNs.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    BUCKET_POLICY_TOKENS,
    BUCKET_TOKENS,
    PolicyDocumentError,
    as_list,
    by_joined_urn,
    parse_policy_document,
    resources_of,
    shown,
    sole_companion,
)
from ..secure_transport import secure_transport_finding

CONTROL = CATALOG["tls-s3-secure-transport"]

REQUIRED = ('a Deny statement for Principal "*", Action s3:*, Resource the bucket ARN and ARN/*, '
            'Condition Bool aws:SecureTransport "false"')
EVERY_ACTION = ("s3:*", "*")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    policies_by_bucket = by_joined_urn(resources_of(args, BUCKET_POLICY_TOKENS), "bucket")
    for bucket in resources_of(args, BUCKET_TOKENS):
        policy = sole_companion(bucket, policies_by_bucket.get(bucket.urn, []), f"bucket '{bucket.name}'",
                                "BucketPolicy", f"required one with {REQUIRED}", report_violation)
        if policy is not None:
            _check_policy(bucket, policy, report_violation)


def _check_policy(bucket: PolicyResource, policy: PolicyResource, report_violation: ReportViolation) -> None:
    where = f"bucket '{bucket.name}': BucketPolicy '{policy.name}'"
    try:
        document = parse_policy_document(policy.props.get("policy"))
    except PolicyDocumentError as e:
        report_violation(f"{where}: {e}; required {REQUIRED}", bucket.urn)
        return
    name = _bucket_name(bucket)
    finding = secure_transport_finding(where, document, EVERY_ACTION,
                                       lambda statement: _resource_problem(statement, name))
    if finding:
        report_violation(f"{finding}; required {REQUIRED}", bucket.urn)


def _bucket_name(bucket: PolicyResource) -> str:
    name = bucket.props.get("bucket")
    if isinstance(name, str) and name:
        return name
    arn = bucket.props.get("arn")
    return arn.rsplit(":", 1)[-1] if isinstance(arn, str) else ""


def _resource_problem(statement: Mapping[str, Any], bucket_name: str) -> Optional[str]:
    """Why the statement's Resource leaves out the bucket or its objects; None when it covers both."""
    resources = [r for r in as_list(statement.get("Resource")) if isinstance(r, str)]
    for suffix in ("", "/*"):
        if not _covered(resources, bucket_name, suffix):
            return (f"has Resource {shown(statement.get('Resource'))}, which does not cover "
                    f"arn:aws:s3:::{bucket_name}{suffix}")
    return None


def _covered(patterns: list[str], bucket_name: str, suffix: str) -> bool:
    """Some pattern covers arn:<partition>:s3:::<bucket><suffix> (IAM wildcards * and ?). Case-sensitive,
    as IAM compares resource ARNs, where props.iam_match compares actions without case."""
    for pattern in patterns:
        partition = pattern.split(":")[1] if pattern.startswith("arn:") and pattern.count(":") >= 2 else "aws"
        target = f"arn:{partition}:s3:::{bucket_name}{suffix}"
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        if re.fullmatch(regex, target):
            return True
    return False


POLICY = stack_policy(CONTROL, validate)
