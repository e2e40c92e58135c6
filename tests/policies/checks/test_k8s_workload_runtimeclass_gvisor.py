"""k8s-workload-runtimeclass-gvisor: every workload outside the system namespaces names a gVisor RuntimeClass."""
import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.k8s_workload_runtimeclass_gvisor import POLICY
from hipaa_pack.props import K8S_WORKLOAD_TOKENS
from tests.policies.fakes import PolicyConfigError, resolved_config, resource_args, run

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
POD = "kubernetes:core/v1:Pod"
CRONJOB = "kubernetes:batch/v1:CronJob"
POD_SPEC = {"runtimeClassName": "gvisor", "containers": [{"name": "app", "image": "registry.example/api:1.4.2"}]}


def with_pod_spec(resource_type, spec):
    if resource_type == POD:
        return {"spec": spec}
    if resource_type == CRONJOB:
        return {"spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}}}
    return {"spec": {"template": {"spec": spec}}}


def workload(changes=None, drop=(), resource_type=DEPLOYMENT, namespace="org-acme", config=None):
    spec = {k: v for k, v in {**POD_SPEC, **(changes or {})}.items() if k not in drop}
    props = with_pod_spec(resource_type, spec)
    props["metadata"] = {"name": "api"} if namespace is None else {"name": "api", "namespace": namespace}
    return resource_args(resource_type, props, name="acme-api", config=resolved_config(POLICY, config))


def test_passes_for_the_shared_gvisor_class():
    outcome = run(POLICY, workload())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_a_dedicated_organizations_class():
    assert run(POLICY, workload({"runtimeClassName": "gvisor-acme"})).violations == []


@pytest.mark.parametrize("resource_type", sorted(K8S_WORKLOAD_TOKENS))
def test_fails_for_every_workload_kind_without_a_runtime_class(resource_type):
    kind = resource_type.rsplit(":", 1)[-1]
    assert run(POLICY, workload(drop=["runtimeClassName"], resource_type=resource_type)).messages == [
        f"{kind} 'org-acme/api': runtimeClassName is unset; required one of gvisor, gvisor-*"]


def test_fails_for_a_runc_class():
    assert run(POLICY, workload({"runtimeClassName": "runc"})).messages == [
        "Deployment 'org-acme/api': runtimeClassName is 'runc'; required one of gvisor, gvisor-*"]


@pytest.mark.parametrize("name", ["gvisor2", "GVisor", "my-gvisor"])
def test_fails_for_names_that_only_resemble_the_gvisor_classes(name):
    assert run(POLICY, workload({"runtimeClassName": name})).messages == [
        f"Deployment 'org-acme/api': runtimeClassName is '{name}'; required one of gvisor, gvisor-*"]


def test_the_configured_classes_replace_the_defaults():
    config = {"gvisorRuntimeClasses": ["sandboxed"]}
    assert run(POLICY, workload({"runtimeClassName": "sandboxed"}, config=config)).violations == []
    assert run(POLICY, workload(config=config)).messages == [
        "Deployment 'org-acme/api': runtimeClassName is 'gvisor'; required one of sandboxed"]


def test_an_empty_class_list_is_rejected_like_the_cli_would():
    with pytest.raises(PolicyConfigError, match="gvisorRuntimeClasses: \\[\\] should be non-empty"):
        resolved_config(POLICY, {"gvisorRuntimeClasses": []})


def test_a_workload_without_namespace_lands_in_default_and_is_checked():
    assert run(POLICY, workload(drop=["runtimeClassName"], namespace=None)).messages == [
        "Deployment 'default/api': runtimeClassName is unset; required one of gvisor, gvisor-*"]


def test_a_workload_in_an_organization_namespace_without_the_tenant_label_is_held_to_gvisor():
    # The check never reads the Namespace's labels (a resource policy cannot see them): only a namespace
    # listed in systemNamespaces is out of scope, so no tenant or organization label can take one out.
    outcome = run(POLICY, workload(drop=["runtimeClassName"], namespace="org-kappa"))
    assert outcome.not_applicable is None
    assert outcome.messages == [
        "Deployment 'org-kappa/api': runtimeClassName is unset; required one of gvisor, gvisor-*"]


def test_not_applicable_in_a_system_namespace():
    outcome = run(POLICY, workload(drop=["runtimeClassName"], namespace="kube-system"))
    assert outcome.not_applicable == "namespace 'kube-system' is listed in systemNamespaces"
    assert outcome.violations == []


def test_the_configured_system_namespaces_replace_the_defaults():
    config = {"systemNamespaces": ["platform-agents"]}
    outcome = run(POLICY, workload(drop=["runtimeClassName"], namespace="platform-agents", config=config))
    assert outcome.not_applicable == "namespace 'platform-agents' is listed in systemNamespaces"
    assert run(POLICY, workload(drop=["runtimeClassName"], namespace="kube-system", config=config)).messages == [
        "Deployment 'kube-system/api': runtimeClassName is unset; required one of gvisor, gvisor-*"]


def test_an_unknown_runtime_class_during_preview_defers_the_check():
    outcome = run(POLICY, workload({"runtimeClassName": UNKNOWN_STRING_VALUE}))
    assert outcome.unknown == "string value at .spec.template.spec.runtimeClassName can't be known during preview"
    assert outcome.violations == []


def test_other_kubernetes_types_are_not_evaluated():
    outcome = run(POLICY, resource_args("kubernetes:core/v1:Service", {"spec": {}}, name="acme-svc"))
    assert outcome.violations == [] and outcome.not_applicable is None
