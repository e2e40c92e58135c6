"""k8s-rbac-least-privilege: named permissions only, and cluster-admin bound only to break-glass subjects."""
import json

import pytest

from hipaa_pack.checks.k8s_rbac_least_privilege import POLICY
from tests.policies.fakes import PolicyConfigError, resolved_config, resource_args, run

RBAC = "kubernetes:rbac.authorization.k8s.io/v1"
ROLE, CLUSTER_ROLE = f"{RBAC}:Role", f"{RBAC}:ClusterRole"
ROLE_BINDING, CLUSTER_ROLE_BINDING = f"{RBAC}:RoleBinding", f"{RBAC}:ClusterRoleBinding"
RULES = [
    {"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale"], "verbs": ["get", "update", "patch"]},
]
BREAK_GLASS = {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "quome:break-glass"}


def role(changes=None, namespace="org-acme", resource_type=ROLE, name="quome-developer"):
    rules = [dict(rule) for rule in RULES]
    for index, rule_changes in (changes or {}).items():
        rules[index].update(rule_changes)
    metadata = {"name": name}
    if resource_type == ROLE:
        metadata["namespace"] = namespace
    return resource_args(resource_type, {"metadata": metadata, "rules": rules}, name="acme-role",
                         config=resolved_config(POLICY))


def binding(subjects, role_name="cluster-admin", role_kind="ClusterRole", resource_type=CLUSTER_ROLE_BINDING,
            config=None):
    metadata = {"name": "operators"}
    if resource_type == ROLE_BINDING:
        metadata["namespace"] = "org-acme"
    props = {"metadata": metadata, "subjects": subjects,
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name}}
    return resource_args(resource_type, props, name="operators-binding", config=resolved_config(POLICY, config))


def test_passes_for_a_role_of_named_permissions():
    outcome = run(POLICY, role())
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("field, values", [
    ("verbs", ["get", "*"]), ("resources", ["*"]), ("apiGroups", ["*"]), ("resources", ["*/scale"])])
def test_fails_for_a_wildcard_in_a_role_rule(field, values):
    assert run(POLICY, role({1: {field: values}})).messages == [
        f"Role 'org-acme/quome-developer': rules[1].{field} is {json.dumps(values)}; "
        f"required named {field} without \"*\""]


def test_fails_for_a_wildcard_in_a_cluster_role():
    assert run(POLICY, role({0: {"verbs": ["*"]}}, resource_type=CLUSTER_ROLE, name="quome-reader")).messages == [
        "ClusterRole 'quome-reader': rules[0].verbs is [\"*\"]; required named verbs without \"*\""]


def test_not_applicable_to_roles_in_system_namespaces():
    outcome = run(POLICY, role({0: {"verbs": ["*"]}}, namespace="kube-system"))
    assert outcome.not_applicable == "namespace 'kube-system' is listed in systemNamespaces"
    assert outcome.violations == []


def test_not_applicable_to_kubernetes_system_cluster_roles():
    outcome = run(POLICY, role({0: {"verbs": ["*"]}}, resource_type=CLUSTER_ROLE, name="system:controller:foo"))
    assert outcome.not_applicable == "ClusterRole 'system:controller:foo' is a Kubernetes system role (system:*)"


def test_fails_for_a_cluster_admin_binding_by_default():
    assert run(POLICY, binding([BREAK_GLASS])).messages == [
        "ClusterRoleBinding 'operators': binds ClusterRole cluster-admin to Group:quome:break-glass; required only "
        "subjects listed in breakGlassSubjects (none configured)"]


def test_passes_for_configured_break_glass_subjects():
    config = {"breakGlassSubjects": ["Group:quome:break-glass"]}
    assert run(POLICY, binding([BREAK_GLASS], config=config)).violations == []


def test_fails_naming_only_the_subjects_outside_break_glass():
    config = {"breakGlassSubjects": ["Group:quome:break-glass"]}
    subjects = [BREAK_GLASS, {"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"},
                {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice@example.com"}]
    assert run(POLICY, binding(subjects, config=config)).messages == [
        "ClusterRoleBinding 'operators': binds ClusterRole cluster-admin to ServiceAccount:ci/deployer, "
        "User:alice@example.com; required only subjects listed in breakGlassSubjects (Group:quome:break-glass)"]


def test_a_role_binding_to_cluster_admin_fails_too_and_its_service_accounts_default_to_its_namespace():
    workload = [{"kind": "ServiceAccount", "name": "workload"}]
    assert run(POLICY, binding(workload, resource_type=ROLE_BINDING)).messages == [
        "RoleBinding 'org-acme/operators': binds ClusterRole cluster-admin to ServiceAccount:org-acme/workload; "
        "required only subjects listed in breakGlassSubjects (none configured)"]
    config = {"breakGlassSubjects": ["ServiceAccount:org-acme/workload"]}
    assert run(POLICY, binding(workload, resource_type=ROLE_BINDING, config=config)).violations == []


@pytest.mark.parametrize("role_kind, role_name", [("ClusterRole", "view"), ("Role", "cluster-admin")])
def test_bindings_to_other_roles_pass(role_kind, role_name):
    assert run(POLICY, binding([BREAK_GLASS], role_name=role_name, role_kind=role_kind,
                               resource_type=ROLE_BINDING)).violations == []


def test_break_glass_subjects_must_name_their_kind():
    with pytest.raises(PolicyConfigError, match="breakGlassSubjects.0: 'alice' does not match"):
        resolved_config(POLICY, {"breakGlassSubjects": ["alice"]})
