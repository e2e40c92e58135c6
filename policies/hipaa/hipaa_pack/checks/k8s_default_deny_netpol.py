"""k8s-default-deny-netpol: every tenant namespace holds a NetworkPolicy that denies all traffic.

NetworkPolicies join namespaces by metadata.namespace = the namespace's metadata.name (the name is
plain data in the platform's components, so it is known during preview).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_list, by_tenant_namespace, dig, k8s_name, shown, tenant_namespaces

CONTROL = CATALOG["k8s-default-deny-netpol"]

NETWORK_POLICY_TOKEN = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
DIRECTIONS = ("Ingress", "Egress")
REQUIRED = ("required one with an empty podSelector, policyTypes Ingress and Egress, "
            "and no ingress or egress rules")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    tenants = tenant_namespaces(args)
    by_namespace = by_tenant_namespace(args, NETWORK_POLICY_TOKEN, tenants)
    for name, namespace in tenants.items():
        policies = by_namespace.get(name, [])
        reasons = [(policy, why_not_default_deny(policy)) for policy in policies]
        if any(reason is None for _, reason in reasons):
            continue
        found = "; ".join(f"'{k8s_name(p.props, p.name)}': {reason}" for p, reason in reasons)
        report_violation(f"namespace '{name}' has no default-deny NetworkPolicy "
                         f"({found or 'it has no NetworkPolicy at all'}); {REQUIRED}", namespace.urn)


def why_not_default_deny(policy: PolicyResource) -> Optional[str]:
    """None for a default-deny policy; otherwise every setting that keeps it from being one."""
    spec = dig(policy.props, "spec") or {}
    problems = []
    selector = spec.get("podSelector")
    if not _selects_every_pod(selector):
        problems.append(f"podSelector is {shown(selector)}")
    types = as_list(spec.get("policyTypes"))
    missing = [d for d in DIRECTIONS if d not in types]
    if missing:
        problems.append(f"policyTypes is {shown(spec.get('policyTypes'))}, without {' and '.join(missing)}")
    for direction in ("ingress", "egress"):
        rules = as_list(spec.get(direction))
        if rules:
            # Even an empty rule ({}) allows all traffic in that direction.
            problems.append(f"{direction} has {len(rules)} rule(s)")
    return ", ".join(problems) or None


def _selects_every_pod(selector: object) -> bool:
    """An unset or empty selector ({} or empty matchLabels and matchExpressions) selects every pod."""
    if selector is None:
        return True
    if not isinstance(selector, Mapping):
        return False
    return not any(as_list(value) if key == "matchExpressions" else value for key, value in selector.items())


POLICY = stack_policy(CONTROL, validate)
