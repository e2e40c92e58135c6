"""key-policy-least-privilege: key policies grant nothing to unconstrained wildcard principals, no wildcard
principal may create grants beyond grants for AWS resources, an organization's key lets only that
organization's roles decrypt, and an organization's key names the principals it lets create grants or EBS
volumes (even grants for AWS resources).

All rules read the key policy JSON (Key.policy or KeyPolicy.policy). The organization of a key is its
`quome:organization` tag, which only the Key carries; a standalone KeyPolicy is held to the first two rules.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    PolicyDocumentError,
    allows_action,
    as_bool,
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
CREATE_GRANT = "kms:CreateGrant"
# ReEncryptFrom decrypts under this key and re-encrypts under a key the caller chooses, maybe one it can
# decrypt with: as good as Decrypt.
DECRYPTING_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom")

# Condition keys that pin an otherwise unconstrained caller to our AWS organization or account, with the
# value each must hold (lower case: IAM condition keys are case-insensitive). kms:ViaService pins nothing:
# a caller from any account may use the key through the service when the key policy admits them.
ACCOUNT_ID = re.compile(r"[0-9]{12}")
ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}", re.IGNORECASE)
PINNING_KEYS = {"aws:principalorgid": ORGANIZATION_ID, "aws:principalaccount": ACCOUNT_ID,
                "kms:calleraccount": ACCOUNT_ID}
# A missing key fails these operators, so they pin. IfExists variants and negations pass on other values or
# a missing key, and ForAllValues passes vacuously on an empty key set: none of them pins.
PINNING_OPERATORS = ("StringEquals", "StringEqualsIgnoreCase", "StringLike",
                     "ForAnyValue:StringEquals", "ForAnyValue:StringEqualsIgnoreCase", "ForAnyValue:StringLike")
ARN_OPERATORS = ("ArnEquals", "ArnLike", "StringEquals", "StringLike")
PIN_REQUIRED = ("a condition StringEquals, StringEqualsIgnoreCase or StringLike (optionally ForAnyValue:) pinning "
                "aws:PrincipalOrgID to an organization id (o-...) or aws:PrincipalAccount or kms:CallerAccount to "
                "12-digit account ids, with no wildcard (kms:ViaService, ...IfExists and ForAllValues: do not pin)")
GRANT_FOR_AWS_RESOURCE = "Bool kms:GrantIsForAWSResource \"true\""
# What a caller needs for EC2 to create or attach a volume under the key (components/organization.py
# EBS_KEY_ACTIONS, without the harmless DescribeKey): EC2 then decrypts the volume's data key through its grant,
# for whoever may attach it. Granted to every principal of the account, even only through EC2 and only for AWS
# resources, they would let anyone restore or attach an organization's volumes and read them.
NAMED_PRINCIPAL_ACTIONS = (CREATE_GRANT, "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo")
# A concrete role: no ArnLike wildcard (* or ?) and no policy variable anywhere in it.
CONCRETE_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[^*?$]+")
NAMING_OPERATORS = ("ArnEquals", "ArnLike")
NAMED_REQUIRED = ("IAM role ARNs as Principal, or a condition ArnEquals or ArnLike on aws:PrincipalArn whose values "
                  "are all role ARNs with no wildcard")


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
        condition = statement.get("Condition")
        unrestricted_grants = allows_action(statement, CREATE_GRANT) and not _grants_for_aws_resources(condition)
        if _wildcard_principal(statement):
            if not _pinned(condition):
                report_violation(f"{where}: {label} allows {_actions(statement)} to {_principal_text(statement)} "
                                 f"with Condition {shown(condition)}, which pins neither the caller's account nor its "
                                 f"organization; required a named principal or {PIN_REQUIRED}", None)
            if unrestricted_grants:
                report_violation(f"{where}: {label} allows {CREATE_GRANT} (through {_actions(statement)}) to "
                                 f"{_principal_text(statement)} without {GRANT_FOR_AWS_RESOURCE}, so a caller can "
                                 f"grant itself or anyone kms:Decrypt; required {GRANT_FOR_AWS_RESOURCE} in its "
                                 f"Condition, or a named principal", None)
        if organization:
            decrypting = [action for action in DECRYPTING_ACTIONS if allows_action(statement, action)]
            if unrestricted_grants:
                decrypting.append(CREATE_GRANT)
            outsiders = _outside_organization(statement, organization) if decrypting else []
            if outsiders:
                grants_note = (f" ({CREATE_GRANT} may go to others only with {GRANT_FOR_AWS_RESOURCE})"
                               if CREATE_GRANT in decrypting else "")
                report_violation(f"{where}: {label} allows {', '.join(decrypting)} (through {_actions(statement)}) "
                                 f"to {', '.join(outsiders)}; "
                                 f"required only {organization}'s roles (quome-{organization}-<role>) or a condition "
                                 f"aws:PrincipalTag/{ORGANIZATION_TAG} equal to '{organization}'{grants_note}", None)
            # Actions already reported as reaching outsiders are not reported twice.
            reported = decrypting if outsiders else []
            unnamed_actions = [action for action in NAMED_PRINCIPAL_ACTIONS
                               if action not in reported and allows_action(statement, action)]
            unnamed = _unnamed_principals(statement) if unnamed_actions else []
            if unnamed:
                report_violation(f"{where}: {label} allows {', '.join(unnamed_actions)} (through "
                                 f"{_actions(statement)}) to {', '.join(unnamed)} without naming its roles, so any "
                                 f"principal it admits can have EC2 create or attach volumes under {organization}'s "
                                 f"key and read them; required {NAMED_REQUIRED}", None)


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


def _some_clause(condition: Any, holds: Callable[[str, str, list[Any]], bool]) -> bool:
    """Some clause `operator: {key: values}` of the Condition satisfies holds(operator, key in lower case,
    values as a non-empty list). Clauses are ANDed, so one that narrows the statement is enough."""
    if not isinstance(condition, Mapping):
        return False
    for operator, clauses in condition.items():
        if not isinstance(clauses, Mapping):
            continue
        for key, values in clauses.items():
            items = as_list(values)
            if items and holds(operator, str(key).lower(), items):
                return True
    return False


def _pinned(condition: Any) -> bool:
    """Some clause holds the caller to named organizations or accounts."""

    def pins(operator: str, key: str, items: list[Any]) -> bool:
        pattern = PINNING_KEYS.get(key)
        return (operator in PINNING_OPERATORS and pattern is not None
                and all(isinstance(v, str) and pattern.fullmatch(v) for v in items))

    return _some_clause(condition, pins)


def _grants_for_aws_resources(condition: Any) -> bool:
    """Bool kms:GrantIsForAWSResource true: only an integrated AWS service creating a grant for the resource
    it protects. BoolIfExists would also pass a request without the key, so it does not count."""
    return _some_clause(condition, lambda operator, key, items: (
        operator == "Bool" and key == "kms:grantisforawsresource" and all(as_bool(v) is True for v in items)))


# ------------------------------------------------------------------------------------ organizations


def _org_role_re(organization: str) -> re.Pattern[str]:
    # components.organization.iam_role_name: quome-<org>-<role>, where <role> has no hyphen, so
    # "quome-acme-health-workload" is never one of organization "acme"'s roles.
    return re.compile(rf"^arn:aws[a-z-]*:iam::[0-9]{{12}}:role/(?:[^/]+/)*quome-{re.escape(organization)}-[a-z0-9]+$")


def _outside_organization(statement: Mapping[str, Any], organization: str) -> list[str]:
    """The principals of an Allow statement that are not `organization`'s roles ([] when all are)."""
    return _principals_not_admitted(statement, _org_role_re(organization).match,
                                    lambda condition: _pinned_to_organization(condition, organization))


def _principals_not_admitted(statement: Mapping[str, Any], admitted_role: Callable[[str], Any],
                             condition_admits: Callable[[Any], bool]) -> list[str]:
    """The principals of an Allow statement other than AWS role ARNs that `admitted_role` accepts ([] when
    `condition_admits` its Condition, which then narrows every principal)."""
    if condition_admits(statement.get("Condition")):
        return []
    if "NotPrincipal" in statement:
        return [f"every principal except {shown(statement['NotPrincipal'])}"]
    principal = statement.get("Principal")
    if not isinstance(principal, Mapping):
        return [shown(principal)]
    return [f"{kind} {shown(value)}" for kind, values in principal.items() for value in as_list(values)
            if kind != "AWS" or not isinstance(value, str) or not admitted_role(value)]


def _pinned_to_organization(condition: Any, organization: str) -> bool:
    """The condition admits only callers tagged with the organization, or only its role ARNs."""
    tag_key = f"aws:principaltag/{ORGANIZATION_TAG}"
    role = _org_role_re(organization)

    def narrows(operator: str, key: str, items: list[Any]) -> bool:
        if key == tag_key and operator in ("StringEquals", "StringEqualsIgnoreCase"):
            return all(v == organization for v in items)
        return (key == "aws:principalarn" and operator in ARN_OPERATORS
                and all(isinstance(v, str) and role.match(v) for v in items))

    return _some_clause(condition, narrows)


def _unnamed_principals(statement: Mapping[str, Any]) -> list[str]:
    """The principals of an Allow statement not named as concrete roles ([] when all are, by its Principal or by
    an aws:PrincipalArn condition). Which organization the roles belong to does not matter here: the EBS CSI
    driver's and AWS Backup's roles are the platform's."""
    return _principals_not_admitted(statement, CONCRETE_ROLE_ARN.fullmatch, _names_roles)


def _names_roles(condition: Any) -> bool:
    """ArnEquals or ArnLike holds aws:PrincipalArn to concrete role ARNs."""
    return _some_clause(condition, lambda operator, key, items: (
        operator in NAMING_OPERATORS and key == "aws:principalarn"
        and all(isinstance(v, str) and CONCRETE_ROLE_ARN.fullmatch(v) for v in items)))


POLICY = resource_policy(CONTROL, validate)
