"""The four tenant roles: pinned permission by permission, then the properties that make them safe."""

from __future__ import annotations

import pytest

from components.org_rbac import (
    FORBIDDEN_VERBS,
    GUARDRAIL_RESOURCES,
    READ,
    ROLE_NAMES,
    ROLE_RULES,
    Rule,
    kubernetes_group,
    permissions,
    role_object_name,
)


def _grid(group: str, resources: tuple[str, ...], verbs: tuple[str, ...]) -> set[tuple[str, str, str]]:
    return {(group, resource, verb) for resource in resources for verb in verbs}


WRITE = ("create", "update", "patch", "delete")

EXPECTED_VIEWER = (
    _grid(
        "",
        ("pods", "services", "endpoints", "configmaps", "persistentvolumeclaims", "serviceaccounts", "events",
         "resourcequotas", "limitranges", "replicationcontrollers"),
        READ,
    )
    | _grid("apps", ("deployments", "replicasets", "statefulsets", "daemonsets", "controllerrevisions"), READ)
    | _grid("batch", ("jobs", "cronjobs"), READ)
    | _grid("autoscaling", ("horizontalpodautoscalers",), READ)
    | _grid("policy", ("poddisruptionbudgets",), READ)
    | _grid("networking.k8s.io", ("networkpolicies", "ingresses"), READ)
    | _grid("discovery.k8s.io", ("endpointslices",), READ)
    | _grid("events.k8s.io", ("events",), READ)
    | _grid("coordination.k8s.io", ("leases",), READ)
)
EXPECTED_DEVELOPER_EXTRA = (
    _grid("", ("pods", "services", "configmaps", "secrets"), WRITE)
    | _grid("", ("secrets",), READ)
    | _grid("", ("persistentvolumeclaims",), ("create", "update", "patch"))
    | {("", "pods/log", "get")}
    | _grid("apps", ("deployments", "replicasets", "statefulsets"), WRITE)
    | _grid("apps", ("deployments/scale", "statefulsets/scale"), ("get", "update", "patch"))
    | _grid("batch", ("jobs", "cronjobs"), WRITE)
    | _grid("autoscaling", ("horizontalpodautoscalers",), WRITE)
    | _grid("coordination.k8s.io", ("leases",), WRITE)
)
EXPECTED_ADMIN_EXTRA = (
    _grid("rbac.authorization.k8s.io", ("roles", "rolebindings"), READ + WRITE)
    | _grid("", ("serviceaccounts",), WRITE)
    | {("", "persistentvolumeclaims", "delete")}
)
EXPECTED_OWNER_EXTRA = _grid("", ("pods/exec", "pods/attach", "pods/portforward"), ("get", "create"))

# Cluster-scoped resources (kubectl api-resources --namespaced=false, the ones a tenant could abuse).
CLUSTER_SCOPED = {
    "namespaces", "nodes", "persistentvolumes", "storageclasses", "runtimeclasses", "clusterroles",
    "clusterrolebindings", "customresourcedefinitions", "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings",
    "priorityclasses", "certificatesigningrequests", "csidrivers", "csinodes", "volumeattachments",
    "ingressclasses", "apiservices", "tokenreviews", "selfsubjectreviews",
}


def test_viewer_permissions_are_exactly_the_pinned_read_only_set():
    assert permissions("viewer") == EXPECTED_VIEWER


def test_developer_is_viewer_plus_exactly_deploy_rights():
    assert permissions("developer") - permissions("viewer") == EXPECTED_DEVELOPER_EXTRA
    assert permissions("viewer") <= permissions("developer")


def test_admin_is_developer_plus_exactly_namespace_rbac_and_accounts():
    assert permissions("admin") - permissions("developer") == EXPECTED_ADMIN_EXTRA
    assert permissions("developer") <= permissions("admin")


def test_owner_is_admin_plus_exactly_interactive_access():
    assert permissions("owner") - permissions("admin") == EXPECTED_OWNER_EXTRA
    assert permissions("admin") <= permissions("owner")


def test_roles_are_listed_from_most_to_least_privileged():
    assert ROLE_NAMES == ("owner", "admin", "developer", "viewer")
    assert set(ROLE_RULES) == set(ROLE_NAMES)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_no_wildcards_and_no_escalation_verbs(role):
    for rule in ROLE_RULES[role]:
        for values in (rule.api_groups, rule.resources, rule.verbs):
            assert "*" not in values, (role, rule)
        assert not FORBIDDEN_VERBS & set(rule.verbs), (role, rule)
    assert {verb for _, _, verb in permissions(role)} <= {"get", "list", "watch", "create", "update", "patch", "delete"}


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_nothing_cluster_scoped(role):
    assert not {resource for _, resource, _ in permissions(role)} & CLUSTER_SCOPED


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_guardrails_are_read_only_for_every_role(role):
    granted = permissions(role)
    for group, resource in GUARDRAIL_RESOURCES:
        assert {verb for g, r, verb in granted if (g, r) == (group, resource)} == set(READ), (role, resource)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_no_role_mints_service_account_tokens(role):
    assert not {p for p in permissions(role) if p[1] == "serviceaccounts/token"}


def test_viewer_cannot_read_data():
    granted = {(g, r) for g, r, _ in permissions("viewer")}
    assert ("", "secrets") not in granted
    assert ("", "pods/log") not in granted
    assert ("", "pods/exec") not in granted
    assert {verb for _, _, verb in permissions("viewer")} == set(READ)


def test_only_owner_reaches_into_running_containers():
    for role in ("viewer", "developer", "admin"):
        assert not {p for p in permissions(role) if p[1] in ("pods/exec", "pods/attach", "pods/portforward")}, role


def test_only_admin_and_owner_delete_volume_claims_or_manage_rbac():
    for role in ("viewer", "developer"):
        assert ("", "persistentvolumeclaims", "delete") not in permissions(role)
        assert not {p for p in permissions(role) if p[0] == "rbac.authorization.k8s.io"}


def test_tenants_cannot_run_daemonsets_or_block_drains():
    for role in ROLE_NAMES:
        assert ("apps", "daemonsets", "create") not in permissions(role)
        assert ("policy", "poddisruptionbudgets", "create") not in permissions(role)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"api_groups": ("*",), "resources": ("pods",), "verbs": ("get",)}, "wildcards"),
        ({"api_groups": ("",), "resources": ("*",), "verbs": ("get",)}, "wildcards"),
        ({"api_groups": ("",), "resources": ("pods",), "verbs": ("*",)}, "wildcards"),
        ({"api_groups": ("rbac.authorization.k8s.io",), "resources": ("roles",), "verbs": ("bind",)}, "never granted"),
        ({"api_groups": ("",), "resources": ("users",), "verbs": ("impersonate",)}, "never granted"),
        ({"api_groups": ("",), "resources": (), "verbs": ("get",)}, "must not be empty"),
    ],
)
def test_rule_rejects_unsafe_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Rule(**kwargs)


def test_group_and_object_names():
    assert kubernetes_group("acme", "viewer") == "quome:acme:viewer"
    assert role_object_name("owner") == "quome-owner"
    with pytest.raises(ValueError, match="role = 'root': must be one of owner, admin, developer, viewer"):
        kubernetes_group("acme", "root")
    with pytest.raises(ValueError, match="must be one of"):
        role_object_name("cluster-admin")
