"""key-policy-least-privilege: key policies grant nothing to unconstrained wildcard principals, and an
organization's key lets only that organization's roles decrypt.

Both rules read the key policy JSON (Key.policy or KeyPolicy.policy). The organization of a key is its
`quome:organization` tag, which only the Key carries; a standalone KeyPolicy is held to the first rule.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    PolicyDocumentError,
    allows_action,
    as_list,
    parse_policy_document,
    shown,
    statement_label,
    statements,
    tags,
)

CONTROL = CATALOG["key-policy-least-privilege"]

KEY = "aws:kms/key:Key"
ORGANIZATION_TAG = "quome:organization"
DECRYPT = "kms:Decrypt"

# Condition keys that pin an otherwise unconstrained caller to our organization, account or an AWS
# service of ours (lower case: IAM condition keys are case-insensitive).
PINNING_KEYS = ("aws:principalorgid", "aws:principalaccount", "kms:calleraccount", "kms:viaservice")
# Operators that pin when every value is a concrete string; IfExists variants and negations do not.
PINNING_OPERATORS = ("StringEquals", "StringEqualsIgnoreCase", "StringLike")
ARN_OPERATORS = ("ArnEquals", "ArnLike", "StringEquals", "StringLike")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    kind = "KMS key" if args.resource_type == KEY else "KMS key policy"
    organization = tags(args.props).get(ORGANIZATION_TAG) if args.resource_type == KEY else None
    where = f"{kind} '{args.name}'" + (f" (organization {organization})" if organization else "")

    raw = args.props.get("policy")
    try:
        document = parse_policy_document(raw)
    except PolicyDocumentError as e:
        report_violation(f"{where}: {e}; required a JSON key policy", None)
        return
    if document is None:
        if organization:
            report_violation(f"{where}: policy is unset, so AWS applies the default key policy (kms:* for every "
                             f"principal of the account); required a policy that lets only {organization}'s "
                             f"roles decrypt", None)
        return

    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        label = statement_label(index, statement)
        if _wildcard_principal(statement) and not _pinned(statement.get("Condition")):
            report_violation(f"{where}: {label} allows {_actions(statement)} to "
                             f"{_principal_text(statement)} with no condition on aws:PrincipalOrgID, "
                             f"aws:PrincipalAccount, kms:CallerAccount or kms:ViaService; required a named "
                             f"principal or such a condition", None)
        if organization and allows_action(statement, DECRYPT):
            outsiders = _outside_organization(statement, organization)
            if outsiders:
                report_violation(f"{where}: {label} allows kms:Decrypt to {', '.join(outsiders)}; required only "
                                 f"{organization}'s roles (quome-{organization}-<role>) or a condition "
                                 f"aws:PrincipalTag/{ORGANIZATION_TAG} equal to '{organization}'", None)


# ------------------------------------------------------------------------------------ statements


def _actions(statement: Mapping[str, Any]) -> str:
    if "NotAction" in statement:
        return f"every action except {shown(statement['NotAction'])}"
    return shown(statement.get("Action"))


def _principal_text(statement: Mapping[str, Any]) -> str:
    if "NotPrincipal" in statement:
        return f"every principal except {shown(statement['NotPrincipal'])}"
    return f"Principal {shown(statement.get('Principal'))}"


def _wildcard_principal(statement: Mapping[str, Any]) -> bool:
    """Principal "*" or {"<type>": "*"}; an Allow with NotPrincipal grants everyone else, which is as broad."""
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in as_list(value) for value in principal.values())
    return False


def _pinned(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    for operator, clauses in condition.items():
        if operator not in PINNING_OPERATORS or not isinstance(clauses, Mapping):
            continue
        for key, values in clauses.items():
            if str(key).lower() in PINNING_KEYS and _concrete(values):
                return True
    return False


def _concrete(values: Any) -> bool:
    """Every value is a string that names something, not a bare wildcard."""
    items = as_list(values)
    return bool(items) and all(isinstance(v, str) and v.strip("*?") != "" for v in items)


# ------------------------------------------------------------------------------------ organizations


def _org_role_re(organization: str) -> re.Pattern[str]:
    # components.organization.iam_role_name: quome-<org>-<role>, where <role> has no hyphen, so
    # "quome-acme-health-workload" is never one of organization "acme"'s roles.
    return re.compile(rf"^arn:aws[a-z-]*:iam::[0-9]{{12}}:role/(?:[^/]+/)*quome-{re.escape(organization)}-[a-z0-9]+$")


def _outside_organization(statement: Mapping[str, Any], organization: str) -> list[str]:
    """The principals of an Allow statement that are not `organization`'s roles ([] when all are)."""
    if _pinned_to_organization(statement.get("Condition"), organization):
        return []
    if "NotPrincipal" in statement:
        return [f"every principal except {shown(statement['NotPrincipal'])}"]
    principal = statement.get("Principal")
    if not isinstance(principal, Mapping):
        return [shown(principal)]
    role = _org_role_re(organization)
    outsiders: list[str] = []
    for kind, values in principal.items():
        for value in as_list(values):
            if kind != "AWS" or not isinstance(value, str) or not role.match(value):
                outsiders.append(f"{kind} {shown(value)}")
    return outsiders


def _pinned_to_organization(condition: Any, organization: str) -> bool:
    """The condition admits only callers tagged with the organization, or only its role ARNs."""
    if not isinstance(condition, Mapping):
        return False
    tag_key = f"aws:principaltag/{ORGANIZATION_TAG}"
    role = _org_role_re(organization)
    for operator, clauses in condition.items():
        if not isinstance(clauses, Mapping):
            continue
        for key, values in clauses.items():
            key = str(key).lower()
            items = as_list(values)
            if not items:
                continue
            if key == tag_key and operator in ("StringEquals", "StringEqualsIgnoreCase") \
                    and all(v == organization for v in items):
                return True
            if key == "aws:principalarn" and operator in ARN_OPERATORS \
                    and all(isinstance(v, str) and role.match(v) for v in items):
                return True
    return False


POLICY = resource_policy(CONTROL, validate)
