"""k8s-drop-all-capabilities: drop contains ALL; add holds at most NET_BIND_SERVICE."""
from hipaa_pack.checks.k8s_drop_all_capabilities import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DROP_ALL = {"drop": ["ALL"]}


def stateful_set(app=DROP_ALL, migrate=DROP_ALL, namespace="org-acme"):
    def container(name, capabilities):
        c = {"name": name, "image": "registry.example/db:16.4"}
        if capabilities is not None:
            c["securityContext"] = {"capabilities": capabilities}
        return c

    props = {"metadata": {"name": "db", "namespace": namespace},
             "spec": {"template": {"spec": {"containers": [container("app", app)],
                                            "initContainers": [container("migrate", migrate)]}}}}
    return resource_args(STATEFUL_SET, props, name="acme-db", config=resolved_config(POLICY))


def test_passes_when_every_container_drops_all():
    outcome = run(POLICY, stateful_set())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_net_bind_service_is_added_back():
    assert run(POLICY, stateful_set(app={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})).violations == []


def test_fails_for_a_container_without_capabilities_settings():
    assert run(POLICY, stateful_set(app=None)).messages == [
        "StatefulSet 'org-acme/db': container 'app': securityContext.capabilities.drop is unset; "
        "required to contain ALL"]


def test_fails_when_drop_names_only_some_capabilities():
    assert run(POLICY, stateful_set(migrate={"drop": ["NET_RAW", "all"]})).messages == [
        "StatefulSet 'org-acme/db': init container 'migrate': securityContext.capabilities.drop is "
        "[\"NET_RAW\", \"all\"]; required to contain ALL"]


def test_fails_when_another_capability_is_added():
    assert run(POLICY, stateful_set(app={"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "NET_ADMIN"]})).messages == [
        "StatefulSet 'org-acme/db': container 'app': securityContext.capabilities.add is "
        "[\"NET_BIND_SERVICE\", \"NET_ADMIN\"]; only NET_BIND_SERVICE may be added"]


def test_not_applicable_in_a_system_namespace():
    outcome = run(POLICY, stateful_set(app=None, namespace="kube-system"))
    assert outcome.not_applicable == "namespace 'kube-system' is listed in systemNamespaces"
    assert outcome.violations == []
