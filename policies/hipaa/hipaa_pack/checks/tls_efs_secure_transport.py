"""tls-efs-secure-transport: every EFS file system's policy denies access without TLS.

The file-system policy is a separate resource (FileSystemPolicy), joined through its `fileSystemId` input.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import PolicyDocumentError, as_list, by_joined_urn, parse_policy_document, resources_of, shown, statements

CONTROL = CATALOG["tls-efs-secure-transport"]

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
REQUIRED = ('a Deny statement for Principal "*", Action "*" (or elasticfilesystem:*), '
            'Condition Bool aws:SecureTransport "false"')


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    policies_by_fs = by_joined_urn(resources_of(args, FILE_SYSTEM_POLICY), "fileSystemId")
    for fs in resources_of(args, FILE_SYSTEM):
        policies = policies_by_fs.get(fs.urn, [])
        if not policies:
            report_violation(f"EFS file system '{fs.name}' has no FileSystemPolicy; required one with {REQUIRED}",
                             fs.urn)
            continue
        if len(policies) > 1:
            # A file system has one policy; two FileSystemPolicy resources overwrite each other.
            names = ", ".join(f"'{p.name}'" for p in policies)
            report_violation(f"EFS file system '{fs.name}' has {len(policies)} FileSystemPolicy resources "
                             f"({names}); required exactly one", fs.urn)
            continue
        _check_policy(fs, policies[0], report_violation)


def _check_policy(fs: PolicyResource, policy: PolicyResource, report_violation: ReportViolation) -> None:
    where = f"EFS file system '{fs.name}': FileSystemPolicy '{policy.name}'"
    try:
        document = parse_policy_document(policy.props.get("policy"))
    except PolicyDocumentError as e:
        report_violation(f"{where}: {e}; required {REQUIRED}", fs.urn)
        return
    problems = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Deny" or "securetransport" not in json.dumps(statement).lower():
            continue
        problem = _deny_problem(statement)
        if problem is None:
            return
        sid = statement.get("Sid")
        problems.append(f"statement {index}" + (f" ({sid!r})" if sid else "") + f" {problem}")
    if problems:
        report_violation(f"{where}: {problems[0]}; required {REQUIRED}", fs.urn)
    else:
        report_violation(f"{where} has no Deny statement on aws:SecureTransport; required {REQUIRED}", fs.urn)


def _deny_problem(statement: Mapping[str, Any]) -> Optional[str]:
    """Why a Deny statement does not deny every request made without TLS; None when it does."""
    for negation in ("NotPrincipal", "NotAction", "NotResource"):
        if negation in statement:
            return f"uses {negation}"
    principal = statement.get("Principal")
    if not (principal == "*" or (isinstance(principal, Mapping) and list(principal.keys()) == ["AWS"]
                                 and "*" in as_list(principal["AWS"]))):
        return f"has Principal {shown(principal)}"
    actions = as_list(statement.get("Action"))
    if not any(isinstance(a, str) and a.lower() in ("*", "elasticfilesystem:*") for a in actions):
        return f"has Action {shown(statement.get('Action'))}"
    if not _only_insecure_transport(statement.get("Condition")):
        return f"has Condition {shown(statement.get('Condition'))}"
    return None


def _only_insecure_transport(condition: Any) -> bool:
    """Exactly Bool (or BoolIfExists) aws:SecureTransport "false"; more conditions would narrow the deny."""
    if not isinstance(condition, Mapping) or len(condition) != 1:
        return False
    operator, clauses = next(iter(condition.items()))
    if operator not in ("Bool", "BoolIfExists") or not isinstance(clauses, Mapping) or len(clauses) != 1:
        return False
    key, value = next(iter(clauses.items()))
    values = as_list(value)
    return str(key).lower() == "aws:securetransport" and len(values) == 1 and str(values[0]).lower() == "false"


POLICY = stack_policy(CONTROL, validate)
