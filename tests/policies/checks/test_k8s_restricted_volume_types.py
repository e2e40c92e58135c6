"""k8s-restricted-volume-types: only the volume sources Pod Security restricted allows."""
import pytest

from hipaa_pack.checks.k8s_restricted_volume_types import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
ALLOWED_VOLUMES = [
    {"name": "config", "configMap": {"name": "api-config"}},
    {"name": "credentials", "secret": {"secretName": "api-credentials"}},
    {"name": "tmp", "emptyDir": {"medium": "Memory"}},
    {"name": "data", "persistentVolumeClaim": {"claimName": "api-data"}},
    {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
    {"name": "secrets-store", "csi": {"driver": "secrets-store.csi.k8s.io", "readOnly": True}},
    {"name": "labels", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
    {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}},
    {"name": "defaulted"},
]


def daemon_set(volumes=ALLOWED_VOLUMES, namespace="org-acme"):
    props = {"metadata": {"name": "agent", "namespace": namespace},
             "spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "registry.example/agent:3"}],
                                            "volumes": volumes}}}}
    return resource_args(DAEMON_SET, props, name="acme-agent", config=resolved_config(POLICY))


def test_passes_for_every_allowed_volume_type():
    outcome = run(POLICY, daemon_set())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_without_volumes():
    assert run(POLICY, daemon_set(volumes=None)).violations == []


@pytest.mark.parametrize("source, value", [
    ("hostPath", {"path": "/var/run/containerd/containerd.sock"}),
    ("nfs", {"server": "10.0.0.10", "path": "/exports"}),
    ("awsElasticBlockStore", {"volumeID": "vol-0abc"}),
])
def test_fails_for_a_volume_type_outside_the_restricted_set(source, value):
    assert run(POLICY, daemon_set(ALLOWED_VOLUMES + [{"name": "host", source: value}])).messages == [
        f"DaemonSet 'org-acme/agent': volume 'host' is of type {source}; allowed types are configMap, csi, "
        f"downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret"]


def test_not_applicable_in_a_system_namespace():
    outcome = run(POLICY, daemon_set([{"name": "host", "hostPath": {"path": "/"}}], namespace="kube-system"))
    assert outcome.not_applicable == "namespace 'kube-system' is listed in systemNamespaces"
    assert outcome.violations == []
