"""k8s-seccomp-runtime-default: RuntimeDefault or Localhost at pod level, or on each container without it."""
import pytest

from hipaa_pack.checks.k8s_seccomp_runtime_default import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

CRONJOB = "kubernetes:batch/v1:CronJob"


def profile(kind):
    return {"seccompProfile": {"type": kind}} if kind else None


def cronjob(pod_type="RuntimeDefault", app_type=None, migrate_type=None, namespace="org-acme"):
    def container(name, kind):
        c = {"name": name, "image": "registry.example/report:2.0.1"}
        if kind:
            c["securityContext"] = profile(kind)
        return c

    spec = {"containers": [container("app", app_type)], "initContainers": [container("migrate", migrate_type)]}
    if pod_type:
        spec["securityContext"] = profile(pod_type)
    props = {"metadata": {"name": "report", "namespace": namespace},
             "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}}}
    return resource_args(CRONJOB, props, name="acme-report", config=resolved_config(POLICY))


def test_passes_for_runtime_default_at_pod_level():
    outcome = run(POLICY, cronjob())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_every_container_sets_a_profile_and_the_pod_does_not():
    assert run(POLICY, cronjob(None, app_type="Localhost", migrate_type="RuntimeDefault")).violations == []


def test_fails_for_an_unconfined_pod():
    assert run(POLICY, cronjob("Unconfined", app_type="RuntimeDefault", migrate_type="RuntimeDefault")).messages == [
        "CronJob 'org-acme/report': pod securityContext.seccompProfile.type is 'Unconfined'; "
        "required RuntimeDefault or Localhost"]


def test_fails_for_an_unconfined_container_under_a_confined_pod():
    assert run(POLICY, cronjob(app_type="Unconfined")).messages == [
        "CronJob 'org-acme/report': container 'app': securityContext.seccompProfile.type is 'Unconfined'; "
        "required RuntimeDefault or Localhost"]


@pytest.mark.parametrize("app_type, migrate_type, missing", [
    ("RuntimeDefault", None, "init container 'migrate'"), (None, "Localhost", "container 'app'")])
def test_fails_for_a_container_without_profile_when_the_pod_has_none(app_type, migrate_type, missing):
    assert run(POLICY, cronjob(None, app_type=app_type, migrate_type=migrate_type)).messages == [
        f"CronJob 'org-acme/report': {missing}: securityContext.seccompProfile.type is unset and so is the pod's; "
        f"required RuntimeDefault or Localhost at pod or container level"]


def test_not_applicable_in_a_system_namespace():
    outcome = run(POLICY, cronjob(None, namespace="kube-public"))
    assert outcome.not_applicable == "namespace 'kube-public' is listed in systemNamespaces"
    assert outcome.violations == []
