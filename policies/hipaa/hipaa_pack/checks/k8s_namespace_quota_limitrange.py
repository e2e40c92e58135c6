"""k8s-namespace-quota-limitrange: every tenant namespace has a ResourceQuota and a container LimitRange.

Quotas and limit ranges join namespaces by metadata.namespace = the namespace's metadata.name.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_list, by_tenant_namespace, dig, k8s_name, tenant_namespaces

CONTROL = CATALOG["k8s-namespace-quota-limitrange"]

QUOTA_TOKEN = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE_TOKEN = "kubernetes:core/v1:LimitRange"
REQUIRED_HARD = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods")
CONTAINER = "Container"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    tenants = tenant_namespaces(args)
    quotas = by_tenant_namespace(args, QUOTA_TOKEN, tenants)
    limit_ranges = by_tenant_namespace(args, LIMIT_RANGE_TOKEN, tenants)
    for name, namespace in tenants.items():
        _check_quota(name, namespace, quotas.get(name, []), report_violation)
        _check_limit_range(name, namespace, limit_ranges.get(name, []), report_violation)


def _check_quota(name: str, namespace: PolicyResource, quotas: list[PolicyResource],
                 report_violation: ReportViolation) -> None:
    required = f"required one whose spec.hard sets {', '.join(REQUIRED_HARD)}"
    if not quotas:
        report_violation(f"namespace '{name}' has no ResourceQuota; {required}", namespace.urn)
        return
    reasons = []
    for quota in quotas:
        hard = dig(quota.props, "spec.hard")
        hard = hard if isinstance(hard, Mapping) else {}
        missing = [key for key in REQUIRED_HARD if hard.get(key) in (None, "")]
        if not missing:
            return
        reasons.append(f"'{k8s_name(quota.props, quota.name)}' does not set {', '.join(missing)}")
    report_violation(f"namespace '{name}' has no complete ResourceQuota ({'; '.join(reasons)}); {required}",
                     namespace.urn)


def _check_limit_range(name: str, namespace: PolicyResource, limit_ranges: list[PolicyResource],
                       report_violation: ReportViolation) -> None:
    required = f"required one with a {CONTAINER} entry that sets default and defaultRequest"
    if not limit_ranges:
        report_violation(f"namespace '{name}' has no LimitRange; {required}", namespace.urn)
        return
    reasons = []
    for limit_range in limit_ranges:
        reason = _why_no_container_defaults(limit_range)
        if reason is None:
            return
        reasons.append(f"'{k8s_name(limit_range.props, limit_range.name)}' {reason}")
    report_violation(f"namespace '{name}' has no LimitRange with container defaults ({'; '.join(reasons)}); "
                     f"{required}", namespace.urn)


def _why_no_container_defaults(limit_range: PolicyResource) -> Optional[str]:
    entries = [item for item in as_list(dig(limit_range.props, "spec.limits"))
               if isinstance(item, Mapping) and item.get("type") == CONTAINER]
    if not entries:
        return f"has no {CONTAINER} entry"
    problems = []
    for entry in entries:
        unset = [key for key in ("default", "defaultRequest") if not entry.get(key)]
        if not unset:
            return None
        problems.append(f"{CONTAINER} entry does not set {' or '.join(unset)}")
    return ", ".join(problems)


POLICY = stack_policy(CONTROL, validate)
