"""iam-no-broad-kms-decrypt: no IAM policy allows decrypting with every KMS key.

An Allow statement is broad when its actions cover kms:Decrypt, kms:ReEncryptFrom or kms:ReEncryptTo
(so kms:*, kms:De*, kms:ReEncrypt* and * all count, as does NotAction that leaves them out) and its
resources cover every key: Resource "*" (or a pattern whose key part is only a wildcard, such as
arn:aws:kms:*:*:key/*), or any NotResource.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    PolicyDocumentError,
    allows_action,
    as_list,
    iam_match,
    parse_policy_document,
    shown,
    statement_label,
    statements,
)

CONTROL = CATALOG["iam-no-broad-kms-decrypt"]

DECRYPT_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo")

KINDS = {
    "aws:iam/policy:Policy": "IAM policy",
    "aws:iam/rolePolicy:RolePolicy": "role policy",
    "aws:iam/userPolicy:UserPolicy": "user policy",
    "aws:iam/groupPolicy:GroupPolicy": "group policy",
    "aws:iam/role:Role": "role",
}
ROLE = "aws:iam/role:Role"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"{KINDS[args.resource_type]} '{args.name}'"
    if args.resource_type == ROLE:
        # Managed policies attached to the role are aws:iam/policy:Policy resources, checked on their own.
        for index, inline in enumerate(as_list(args.props.get("inlinePolicies"))):
            if isinstance(inline, Mapping):
                name = inline.get("name")
                label = f"inlinePolicies[{index}]" + (f" ({name!r})" if name else "")
                _check_document(f"{where} {label}", inline.get("policy"), report_violation)
        return
    _check_document(where, args.props.get("policy"), report_violation)


def _check_document(where: str, raw: Any, report_violation: ReportViolation) -> None:
    try:
        document = parse_policy_document(raw)
    except PolicyDocumentError as e:
        report_violation(f"{where}: {e}; required a JSON policy document", None)
        return
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        allowed = [action for action in DECRYPT_ACTIONS if allows_action(statement, action)]
        if not allowed:
            continue
        broad = _every_key(statement)
        if broad:
            report_violation(f"{where}: {statement_label(index, statement)} allows {', '.join(allowed)} on {broad}; "
                             f"required a Resource list of key ARNs", None)


def _every_key(statement: Mapping[str, Any]) -> str:
    """How the statement reaches every KMS key ('' when it lists specific keys)."""
    if "NotResource" in statement:
        return f"every resource except {shown(statement['NotResource'])}"
    for resource in as_list(statement.get("Resource")):
        if isinstance(resource, str) and _covers_every_key(resource):
            return f"Resource {shown(resource)}"
    return ""


def _covers_every_key(pattern: str) -> bool:
    """"*", or an ARN pattern for the kms service whose key part is only a wildcard (key/*, *)."""
    if pattern.strip("*") == "":
        return True
    fields = pattern.split(":", 5)
    if fields[0] != "arn" or not fields[-1].endswith("*"):
        return False
    if len(fields) < 3:
        return True  # "arn:*": the wildcard spans service, region, account and key
    if not iam_match(fields[2], "kms"):
        return False
    if len(fields) < 6:
        return True  # e.g. "arn:aws:kms:*"
    # The resource part: "*" or "key/*" (or a shorter prefix of "key/" followed by the wildcard).
    return "key/".startswith(fields[5].rstrip("*").lower())


POLICY = resource_policy(CONTROL, validate)
