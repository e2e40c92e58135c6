"""The skeleton the Kubernetes workload checks share (hipaa_pack.workloads)."""
import pytest
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from hipaa_pack import props
from hipaa_pack.workloads import Workload, workload_config_schema
from tests.policies.fakes import resource_args

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CONFIG = {props.SYSTEM_NAMESPACES_KEY: ["kube-system"]}


def deployment(spec=None, namespace="org-acme", name="api"):
    props_ = {"metadata": {"name": name, "namespace": namespace}}
    if spec is not None:
        props_["spec"] = {"template": {"spec": spec}}
    return resource_args(DEPLOYMENT, props_, name="acme-api", config=CONFIG)


def test_config_schema_adds_system_namespaces_after_the_checks_own_settings():
    assert list(workload_config_schema().properties) == [props.SYSTEM_NAMESPACES_KEY]
    own = {"x": {"type": "string", "default": ""}}
    schema = workload_config_schema(own)
    assert list(schema.properties) == ["x", props.SYSTEM_NAMESPACES_KEY]
    assert schema.properties[props.SYSTEM_NAMESPACES_KEY] == props.system_namespaces_schema()
    # Each schema gets its own default list, so no check can change another's.
    assert workload_config_schema().properties[props.SYSTEM_NAMESPACES_KEY] is not \
        workload_config_schema().properties[props.SYSTEM_NAMESPACES_KEY]


def test_a_workload_in_a_system_namespace_is_not_applicable():
    with pytest.raises(_NotApplicableError) as raised:
        Workload(deployment({"containers": [{"name": "agent"}]}, namespace="kube-system"))
    assert raised.value.reason == "namespace 'kube-system' is listed in systemNamespaces"


def test_a_workload_names_itself_and_finds_its_pod_spec():
    workload = Workload(deployment({"runtimeClassName": "gvisor"}))
    assert workload.ref == "Deployment 'org-acme/api'"
    assert workload.spec["runtimeClassName"] == "gvisor"
    assert Workload(deployment()).spec == {}


def test_containers_come_in_order_and_say_where_they_are():
    workload = Workload(deployment({"containers": [{"name": "app"}, "junk"], "initContainers": [{"name": "migrate"}],
                                    "ephemeralContainers": [{}]}))
    found = [(c.kind, c.spec.get("name"), c.where) for c in workload.containers()]
    assert found == [
        ("containers", "app", "Deployment 'org-acme/api': container 'app'"),
        ("initContainers", "migrate", "Deployment 'org-acme/api': init container 'migrate'"),
        ("ephemeralContainers", None, "Deployment 'org-acme/api': unnamed ephemeral container"),
    ]


def test_reads_happen_where_the_checks_always_did_them():
    # The workload's name is read up front (an unknown one stops the check at once) ...
    with pytest.raises(UnknownValueError):
        Workload(deployment({"containers": []}, name=UNKNOWN_STRING_VALUE))
    # ... a container's name only when its `where` is.
    container, = Workload(deployment({"containers": [{"name": UNKNOWN_STRING_VALUE}]})).containers()
    assert container.kind == "containers"
    with pytest.raises(UnknownValueError):
        _ = container.where
