"""tls-s3-secure-transport: every bucket's single policy denies requests that do not use TLS.

The bucket policy is a separate resource (BucketPolicy) next to the bucket, joined through its `bucket`
input. The bucket's ARN comes from its name, which is known during preview when the component names the
bucket; the partition is taken from the statement's own ARNs.
"""
from __future__ import annotations

import json
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
    statements,
)

CONTROL = CATALOG["tls-s3-secure-transport"]

REQUIRED = ('a Deny statement for Principal "*", Action s3:*, Resource the bucket ARN and ARN/*, '
            'Condition Bool aws:SecureTransport "false"')


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    policies_by_bucket = by_joined_urn(resources_of(args, BUCKET_POLICY_TOKENS), "bucket")
    for bucket in resources_of(args, BUCKET_TOKENS):
        policies = policies_by_bucket.get(bucket.urn, [])
        if not policies:
            report_violation(f"bucket '{bucket.name}' has no BucketPolicy; required one with {REQUIRED}", bucket.urn)
            continue
        if len(policies) > 1:
            # A bucket has one policy; two BucketPolicy resources overwrite each other on every update.
            names = ", ".join(f"'{p.name}'" for p in policies)
            report_violation(f"bucket '{bucket.name}' has {len(policies)} BucketPolicy resources ({names}); "
                             f"required exactly one", bucket.urn)
            continue
        _check_policy(bucket, policies[0], report_violation)


def _check_policy(bucket: PolicyResource, policy: PolicyResource, report_violation: ReportViolation) -> None:
    where = f"bucket '{bucket.name}': BucketPolicy '{policy.name}'"
    try:
        document = parse_policy_document(policy.props.get("policy"))
    except PolicyDocumentError as e:
        report_violation(f"{where}: {e}; required {REQUIRED}", bucket.urn)
        return
    name = _bucket_name(bucket)
    problems = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Deny" or "securetransport" not in json.dumps(statement).lower():
            continue
        problem = _deny_problem(statement, name)
        if problem is None:
            return
        sid = statement.get("Sid")
        problems.append(f"statement {index}" + (f" ({sid!r})" if sid else "") + f" {problem}")
    if problems:
        report_violation(f"{where}: {problems[0]}; required {REQUIRED}", bucket.urn)
    else:
        report_violation(f"{where} has no Deny statement on aws:SecureTransport; required {REQUIRED}", bucket.urn)


def _bucket_name(bucket: PolicyResource) -> str:
    name = bucket.props.get("bucket")
    if isinstance(name, str) and name:
        return name
    arn = bucket.props.get("arn")
    return arn.rsplit(":", 1)[-1] if isinstance(arn, str) else ""


def _deny_problem(statement: Mapping[str, Any], bucket_name: str) -> Optional[str]:
    """Why a Deny statement does not deny every insecure request to the bucket; None when it does."""
    for negation in ("NotPrincipal", "NotAction", "NotResource"):
        if negation in statement:
            return f"uses {negation}"
    if not _everyone(statement.get("Principal")):
        return f"has Principal {shown(statement.get('Principal'))}"
    actions = as_list(statement.get("Action"))
    if not any(isinstance(a, str) and a.lower() in ("s3:*", "*") for a in actions):
        return f"has Action {shown(statement.get('Action'))}"
    resources = [r for r in as_list(statement.get("Resource")) if isinstance(r, str)]
    for suffix in ("", "/*"):
        if not _covered(resources, bucket_name, suffix):
            return (f"has Resource {shown(statement.get('Resource'))}, which does not cover "
                    f"arn:aws:s3:::{bucket_name}{suffix}")
    if not _only_insecure_transport(statement.get("Condition")):
        return f"has Condition {shown(statement.get('Condition'))}"
    return None


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and list(principal.keys()) == ["AWS"] and "*" in as_list(principal["AWS"])


def _covered(patterns: list[str], bucket_name: str, suffix: str) -> bool:
    """Some pattern covers arn:<partition>:s3:::<bucket><suffix> (IAM wildcards * and ?)."""
    for pattern in patterns:
        partition = pattern.split(":")[1] if pattern.startswith("arn:") and pattern.count(":") >= 2 else "aws"
        target = f"arn:{partition}:s3:::{bucket_name}{suffix}"
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        if re.fullmatch(regex, target):
            return True
    return False


def _only_insecure_transport(condition: Any) -> bool:
    """Exactly one condition: Bool (or BoolIfExists) aws:SecureTransport "false". Any further condition
    would narrow the deny to a subset of the insecure requests."""
    if not isinstance(condition, Mapping) or len(condition) != 1:
        return False
    operator, clauses = next(iter(condition.items()))
    if operator not in ("Bool", "BoolIfExists") or not isinstance(clauses, Mapping) or len(clauses) != 1:
        return False
    key, value = next(iter(clauses.items()))
    values = as_list(value)
    return str(key).lower() == "aws:securetransport" and len(values) == 1 and str(values[0]).lower() == "false"


POLICY = stack_policy(CONTROL, validate)
