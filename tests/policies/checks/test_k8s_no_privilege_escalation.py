"""k8s-no-privilege-escalation: allowPrivilegeEscalation is explicitly false on every container."""
import pytest

from hipaa_pack.checks.k8s_no_privilege_escalation import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

POD = "kubernetes:core/v1:Pod"
LOCKED = {"allowPrivilegeEscalation": False}


def pod(app=LOCKED, migrate=LOCKED, namespace="org-acme"):
    app_container = {"name": "app", "image": "registry.example/api:1.4.2"}
    init_container = {"name": "migrate", "image": "registry.example/api:1.4.2"}
    if app is not None:
        app_container["securityContext"] = app
    if migrate is not None:
        init_container["securityContext"] = migrate
    props = {"metadata": {"name": "api-0", "namespace": namespace},
             "spec": {"containers": [app_container], "initContainers": [init_container]}}
    return resource_args(POD, props, name="acme-api-0", config=resolved_config(POLICY))


def test_passes_when_every_container_forbids_escalation():
    outcome = run(POLICY, pod())
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("context, found", [
    (None, "unset"), ({}, "unset"), ({"allowPrivilegeEscalation": True}, "true")])
def test_fails_unless_the_container_sets_false(context, found):
    assert run(POLICY, pod(app=context)).messages == [
        f"Pod 'org-acme/api-0': container 'app': securityContext.allowPrivilegeEscalation is {found}; required false"]


def test_fails_for_an_init_container_too():
    assert run(POLICY, pod(migrate=None)).messages == [
        "Pod 'org-acme/api-0': init container 'migrate': securityContext.allowPrivilegeEscalation is unset; "
        "required false"]


def test_not_applicable_in_a_system_namespace():
    outcome = run(POLICY, pod(app=None, namespace="kube-node-lease"))
    assert outcome.not_applicable == "namespace 'kube-node-lease' is listed in systemNamespaces"
    assert outcome.violations == []
