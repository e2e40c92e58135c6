"""k8s-rbac-least-privilege: no wildcard RBAC grants, and cluster-admin only for break-glass subjects.

Subjects are written "<kind>:<name>" in breakGlassSubjects (e.g. "Group:quome:break-glass",
"User:alice@example.com"), and service accounts "ServiceAccount:<namespace>/<name>".
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    SYSTEM_NAMESPACES_KEY,
    as_list,
    dig,
    k8s_name,
    shown,
    skip_system_namespace,
    system_namespaces_schema,
    workload_ref,
)

CONTROL = CATALOG["k8s-rbac-least-privilege"]

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "breakGlassSubjects": {
        "type": "array",
        "items": {"type": "string", "pattern": "^(User|Group|ServiceAccount):.+$"},
        "uniqueItems": True,
        "default": [],
        "description": ('Subjects that may be bound to cluster-admin: "User:<name>", "Group:<name>" or '
                        '"ServiceAccount:<namespace>/<name>".'),
    },
    SYSTEM_NAMESPACES_KEY: system_namespaces_schema(),
})

RBAC = "kubernetes:rbac.authorization.k8s.io/v1"
ROLE = f"{RBAC}:Role"
CLUSTER_ROLE = f"{RBAC}:ClusterRole"
ROLE_BINDING = f"{RBAC}:RoleBinding"
CLUSTER_ROLE_BINDING = f"{RBAC}:ClusterRoleBinding"

CLUSTER_ADMIN = "cluster-admin"
RULE_FIELDS = ("verbs", "resources", "apiGroups")
SYSTEM_PREFIX = "system:"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == ROLE:
        skip_system_namespace(args)
        _check_rules(args, report_violation)
    elif args.resource_type == CLUSTER_ROLE:
        name = k8s_name(args.props, args.name)
        if name.startswith(SYSTEM_PREFIX):
            args.not_applicable(f"ClusterRole '{name}' is a Kubernetes system role ({SYSTEM_PREFIX}*)")
        _check_rules(args, report_violation)
    else:
        _check_binding(args, report_violation)


def _ref(args: ResourceValidationArgs) -> str:
    if args.resource_type in (CLUSTER_ROLE, CLUSTER_ROLE_BINDING):
        return f"{args.resource_type.rsplit(':', 1)[-1]} '{k8s_name(args.props, args.name)}'"
    return workload_ref(args.resource_type, args.props, args.name)


def _check_rules(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = _ref(args)
    for index, rule in enumerate(as_list(args.props.get("rules"))):
        if not isinstance(rule, Mapping):
            continue
        for field in RULE_FIELDS:
            values = as_list(rule.get(field))
            # "*" and partial wildcards such as "*/scale" both grant what nobody named.
            if any(isinstance(v, str) and "*" in v for v in values):
                report_violation(f"{where}: rules[{index}].{field} is {shown(values)}; "
                                 f"required named {field} without \"*\"", None)


def _check_binding(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    role_kind = dig(args.props, "roleRef.kind")
    role_name = dig(args.props, "roleRef.name")
    if role_kind != "ClusterRole" or role_name != CLUSTER_ADMIN:
        return
    allowed = set(args.get_config()["breakGlassSubjects"])
    namespace = dig(args.props, "metadata.namespace") or "default"
    subjects = [_subject_key(s, namespace) for s in as_list(args.props.get("subjects")) if isinstance(s, Mapping)]
    outside = [s for s in subjects if s not in allowed]
    if outside:
        report_violation(f"{_ref(args)}: binds ClusterRole {CLUSTER_ADMIN} to {', '.join(outside)}; required only "
                         f"subjects listed in breakGlassSubjects "
                         f"({', '.join(sorted(allowed)) if allowed else 'none configured'})", None)


def _subject_key(subject: Mapping[str, Any], binding_namespace: str) -> str:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "ServiceAccount":
        # A service-account subject without a namespace means the binding's own namespace.
        return f"ServiceAccount:{subject.get('namespace') or binding_namespace}/{name}"
    return f"{kind}:{name}"


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
