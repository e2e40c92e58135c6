"""The TLS-only Deny statement a resource policy must carry: tls-s3-secure-transport (bucket policies)
and tls-efs-secure-transport (file-system policies) judge it the same way and differ only in the
service's actions and in S3 also naming the bucket's ARNs as Resource.

A statement counts when it is a Deny for every principal, covers every action of the service and
applies under exactly one condition, Bool (or BoolIfExists) aws:SecureTransport "false": NotPrincipal,
NotAction or NotResource would leave someone or something out, and any further condition would
narrow the deny to a subset of the insecure requests.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Callable, Optional

from .props import as_list, shown, statement_label, statements


def secure_transport_finding(where: str, document: Optional[Mapping[str, Any]], every_action: tuple[str, ...],
                             resource_problem: Optional[Callable[[Mapping[str, Any]], Optional[str]]] = None,
                             ) -> Optional[str]:
    """None when some Deny statement of the policy denies every request made without TLS; otherwise
    the finding for the message, beginning with `where`: why the first statement on
    aws:SecureTransport falls short, or that there is none.

    every_action: lower-case actions any of which covers all of the service's ("*", "s3:*").
    resource_problem: why a statement's Resource does not cover the protected resource (None when
    it does); checked after the actions and before the condition.
    """
    problems = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Deny" or "securetransport" not in json.dumps(statement).lower():
            continue
        problem = _deny_problem(statement, every_action, resource_problem)
        if problem is None:
            return None
        problems.append(f"{statement_label(index, statement)} {problem}")
    if problems:
        return f"{where}: {problems[0]}"
    return f"{where} has no Deny statement on aws:SecureTransport"


def _deny_problem(statement: Mapping[str, Any], every_action: tuple[str, ...],
                  resource_problem: Optional[Callable[[Mapping[str, Any]], Optional[str]]]) -> Optional[str]:
    """Why a Deny statement does not deny every request made without TLS; None when it does."""
    for negation in ("NotPrincipal", "NotAction", "NotResource"):
        if negation in statement:
            return f"uses {negation}"
    if not _everyone(statement.get("Principal")):
        return f"has Principal {shown(statement.get('Principal'))}"
    actions = as_list(statement.get("Action"))
    if not any(isinstance(a, str) and a.lower() in every_action for a in actions):
        return f"has Action {shown(statement.get('Action'))}"
    if resource_problem is not None:
        problem = resource_problem(statement)
        if problem is not None:
            return problem
    if not _only_insecure_transport(statement.get("Condition")):
        return f"has Condition {shown(statement.get('Condition'))}"
    return None


def _everyone(principal: Any) -> bool:
    """Principal "*" or {"AWS": "*"} (with nothing besides AWS)."""
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and list(principal.keys()) == ["AWS"] and "*" in as_list(principal["AWS"])


def _only_insecure_transport(condition: Any) -> bool:
    """Exactly one condition: Bool (or BoolIfExists) aws:SecureTransport "false"."""
    if not isinstance(condition, Mapping) or len(condition) != 1:
        return False
    operator, clauses = next(iter(condition.items()))
    if operator not in ("Bool", "BoolIfExists") or not isinstance(clauses, Mapping) or len(clauses) != 1:
        return False
    key, value = next(iter(clauses.items()))
    values = as_list(value)
    return str(key).lower() == "aws:securetransport" and len(values) == 1 and str(values[0]).lower() == "false"
