"""k8s-baseline-host-isolation: no host namespaces, privileged containers or host ports."""
import pytest

from hipaa_pack.checks.k8s_baseline_host_isolation import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

REPLICA_SET = "kubernetes:apps/v1:ReplicaSet"


def replica_set(pod_changes=None, app_context=None, migrate_context=None, ports=None, namespace="org-acme"):
    app = {"name": "app", "image": "registry.example/api:1.4.2",
           "ports": ports if ports is not None else [{"containerPort": 8080, "protocol": "TCP"}]}
    migrate = {"name": "migrate", "image": "registry.example/api:1.4.2"}
    if app_context is not None:
        app["securityContext"] = app_context
    if migrate_context is not None:
        migrate["securityContext"] = migrate_context
    spec = {"hostNetwork": False, "containers": [app], "initContainers": [migrate], **(pod_changes or {})}
    props = {"metadata": {"name": "api", "namespace": namespace}, "spec": {"template": {"spec": spec}}}
    return resource_args(REPLICA_SET, props, name="acme-api", config=resolved_config(POLICY))


def test_passes_for_an_isolated_pod():
    outcome = run(POLICY, replica_set(app_context={"privileged": False}))
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("field", ["hostNetwork", "hostPID", "hostIPC"])
def test_fails_when_the_pod_shares_a_host_namespace(field):
    assert run(POLICY, replica_set({field: True})).messages == [
        f"ReplicaSet 'org-acme/api': {field} is true; required false or unset"]


def test_fails_for_a_privileged_init_container():
    assert run(POLICY, replica_set(migrate_context={"privileged": True})).messages == [
        "ReplicaSet 'org-acme/api': init container 'migrate': securityContext.privileged is true; "
        "required false or unset"]


def test_fails_for_a_host_port():
    assert run(POLICY, replica_set(ports=[{"containerPort": 8080, "hostPort": 8080}])).messages == [
        "ReplicaSet 'org-acme/api': container 'app': ports[].hostPort is 8080 (containerPort 8080); "
        "required 0 or unset"]


def test_passes_for_host_port_0():
    assert run(POLICY, replica_set(ports=[{"containerPort": 8080, "hostPort": 0}])).violations == []


def test_not_applicable_in_a_system_namespace():
    outcome = run(POLICY, replica_set({"hostNetwork": True}, namespace="kube-system"))
    assert outcome.not_applicable == "namespace 'kube-system' is listed in systemNamespaces"
    assert outcome.violations == []
