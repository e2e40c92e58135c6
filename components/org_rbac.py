"""The four tenant roles of an organization, as data: what each may do inside its own namespace.

People reach these roles only through Kubernetes groups (`quome:<org>:<role>`) that the cluster's
access entry for the org's IAM role carries. No EKS access policy is ever associated with a tenant
principal: EKS access policies are evaluated in addition to RBAC, so a "view" policy there would
silently add to (never narrow) what a RoleBinding here grants.

Design rules, each enforced by tests/components/test_org_rbac.py:
- No wildcards in verbs, resources or API groups: every permission is named, so a new resource type
  in a later Kubernetes release grants nothing until it is added here on purpose.
- Each role contains the one below it (viewer < developer < admin < owner). Kubernetes' RBAC
  escalation check then lets an admin bind admin/developer/viewer (it holds all their rules) but not
  owner; no role has `bind`, `escalate` or `impersonate`.
- The platform's guardrails in the namespace (ResourceQuota, LimitRange, NetworkPolicies) are
  read-only to every tenant role, owner included: an added NetworkPolicy could only widen traffic
  (policies are additive), and an edited quota would escape the org's share of the cluster.
- Nothing cluster-scoped (namespaces, nodes, RuntimeClasses, StorageClasses, PersistentVolumes,
  webhooks, CRDs) appears; Roles are namespaced, so even a mistake here cannot reach other orgs.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

ROLE_NAMES: tuple[str, ...] = ("owner", "admin", "developer", "viewer")
"""From most to least privileged."""

READ: tuple[str, ...] = ("get", "list", "watch")
WRITE: tuple[str, ...] = ("create", "update", "patch", "delete")
FORBIDDEN_VERBS: frozenset[str] = frozenset({"*", "bind", "escalate", "impersonate"})


@dataclass(frozen=True)
class Rule:
    """One RBAC PolicyRule: the verbs allowed on the named resources of the named API groups."""

    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]

    def __post_init__(self) -> None:
        for field_name in ("api_groups", "resources", "verbs"):
            values = getattr(self, field_name)
            if not values:
                raise ValueError(f"Rule.{field_name} must not be empty")
            if "*" in values:
                raise ValueError(f"Rule.{field_name} = {values!r}: wildcards are not allowed in tenant roles")
        if FORBIDDEN_VERBS & set(self.verbs):
            raise ValueError(f"Rule.verbs = {self.verbs!r}: {sorted(FORBIDDEN_VERBS)} are never granted to tenants")


# -- viewer: the state of the namespace's objects, never their data --------------------------------
# Secrets are excluded (list/watch would return their values), and so are pod logs and exec: logs
# of PHI-processing services routinely contain PHI, and "viewer" must be safe to hand out widely.
_VIEWER: tuple[Rule, ...] = (
    Rule(
        ("",),
        (
            "pods", "services", "endpoints", "configmaps", "persistentvolumeclaims", "serviceaccounts",
            "events", "resourcequotas", "limitranges", "replicationcontrollers",
        ),
        READ,
    ),
    Rule(("apps",), ("deployments", "replicasets", "statefulsets", "daemonsets", "controllerrevisions"), READ),
    Rule(("batch",), ("jobs", "cronjobs"), READ),
    Rule(("autoscaling",), ("horizontalpodautoscalers",), READ),
    Rule(("policy",), ("poddisruptionbudgets",), READ),
    Rule(("networking.k8s.io",), ("networkpolicies", "ingresses"), READ),
    Rule(("discovery.k8s.io",), ("endpointslices",), READ),
    Rule(("events.k8s.io",), ("events",), READ),
    Rule(("coordination.k8s.io",), ("leases",), READ),
)

# -- developer: deploy and run the org's applications ---------------------------------------------
# Deliberately absent: DaemonSets (one pod per sandbox node of the shared pool would only serve to
# co-locate with other tenants), PodDisruptionBudgets (a budget of zero blocks the platform's node
# drains and upgrades), Ingresses (routing belongs to the platform's edge), and deleting volume claims
# (destroys persisted data: admin and owner only). Secrets are writable: deploying needs them, and
# anyone who may create pods can already mount every secret of the namespace.
_DEVELOPER_EXTRA: tuple[Rule, ...] = (
    Rule(("",), ("pods", "services", "configmaps", "secrets"), WRITE),
    Rule(("",), ("secrets",), READ),
    Rule(("",), ("persistentvolumeclaims",), ("create", "update", "patch")),
    Rule(("",), ("pods/log",), ("get",)),
    Rule(("apps",), ("deployments", "replicasets", "statefulsets"), WRITE),
    Rule(("apps",), ("deployments/scale", "statefulsets/scale"), ("get", "update", "patch")),
    Rule(("batch",), ("jobs", "cronjobs"), WRITE),
    Rule(("autoscaling",), ("horizontalpodautoscalers",), WRITE),
    Rule(("coordination.k8s.io",), ("leases",), WRITE),
)

# -- admin: manage who may do what in the namespace -------------------------------------------------
# Roles and RoleBindings of this namespace only. Kubernetes refuses a Role or binding that grants
# more than its author holds, so an admin can hand out admin, developer and viewer, never owner.
_ADMIN_EXTRA: tuple[Rule, ...] = (
    Rule(("rbac.authorization.k8s.io",), ("roles", "rolebindings"), READ + WRITE),
    Rule(("",), ("serviceaccounts",), WRITE),
    Rule(("",), ("persistentvolumeclaims",), ("delete",)),
)

# -- owner: everything a tenant may do in its namespace ---------------------------------------------
# Interactive access to running containers (exec, attach, port-forward) reads live PHI from process
# memory and files, so it sits with the owner. `get` as well as `create`: kubectl's WebSocket
# transport opens these subresources with a GET.
_OWNER_EXTRA: tuple[Rule, ...] = (
    Rule(("",), ("pods/exec", "pods/attach", "pods/portforward"), ("get", "create")),
)

ROLE_RULES: Mapping[str, tuple[Rule, ...]] = MappingProxyType(
    {
        "viewer": _VIEWER,
        "developer": _VIEWER + _DEVELOPER_EXTRA,
        "admin": _VIEWER + _DEVELOPER_EXTRA + _ADMIN_EXTRA,
        "owner": _VIEWER + _DEVELOPER_EXTRA + _ADMIN_EXTRA + _OWNER_EXTRA,
    }
)

GUARDRAIL_RESOURCES: tuple[tuple[str, str], ...] = (
    ("", "resourcequotas"),
    ("", "limitranges"),
    ("networking.k8s.io", "networkpolicies"),
)
"""(API group, resource) pairs the platform manages in every tenant namespace; tenants only read them."""


def kubernetes_group(org_id: str, role: str) -> str:
    """The Kubernetes group an org role's access entry carries; RoleBindings name it as their subject."""
    if role not in ROLE_NAMES:
        raise ValueError(f"role = {role!r}: must be one of {', '.join(ROLE_NAMES)}")
    return f"quome:{org_id}:{role}"


def role_object_name(role: str) -> str:
    """Name of the Role and RoleBinding for `role` inside an org's namespace."""
    if role not in ROLE_NAMES:
        raise ValueError(f"role = {role!r}: must be one of {', '.join(ROLE_NAMES)}")
    return f"quome-{role}"


def permissions(role: str) -> frozenset[tuple[str, str, str]]:
    """Every (API group, resource, verb) triple a role grants, for containment and guardrail checks."""
    return frozenset(
        (group, resource, verb)
        for rule in ROLE_RULES[role]
        for group in rule.api_groups
        for resource in rule.resources
        for verb in rule.verbs
    )
