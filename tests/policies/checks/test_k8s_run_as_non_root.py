"""k8s-run-as-non-root: runAsNonRoot holds for every container (own value, else the pod's); uid 0 never."""
from hipaa_pack.checks.k8s_run_as_non_root import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"


def pod_spec(pod_context=None, app=None, migrate=None):
    """A pod with one container 'app' and one init container 'migrate'; None leaves a securityContext out."""
    spec = {"containers": [{"name": "app", "image": "registry.example/api:1.4.2"}],
            "initContainers": [{"name": "migrate", "image": "registry.example/api:1.4.2"}]}
    if pod_context is not None:
        spec["securityContext"] = pod_context
    if app is not None:
        spec["containers"][0]["securityContext"] = app
    if migrate is not None:
        spec["initContainers"][0]["securityContext"] = migrate
    return spec


COMPLIANT = pod_spec({"runAsNonRoot": True, "runAsUser": 10001})


def workload(spec=COMPLIANT, namespace="org-acme", resource_type=DEPLOYMENT):
    props = {"metadata": {"name": "api", "namespace": namespace}, "spec": {"template": {"spec": spec}}}
    return resource_args(resource_type, props, name="acme-api", config=resolved_config(POLICY))


def test_passes_when_the_pod_level_sets_run_as_non_root():
    outcome = run(POLICY, workload())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_every_container_sets_it_and_the_pod_does_not():
    spec = pod_spec(app={"runAsNonRoot": True}, migrate={"runAsNonRoot": True, "runAsUser": 1000})
    assert run(POLICY, workload(spec)).violations == []


def test_fails_for_a_container_that_neither_it_nor_the_pod_covers():
    spec = pod_spec(app={"runAsNonRoot": True})
    assert run(POLICY, workload(spec)).messages == [
        "Deployment 'org-acme/api': init container 'migrate': securityContext.runAsNonRoot is unset and the pod "
        "does not set it to true; required true at pod or container level"]


def test_fails_when_a_container_overrides_the_pod_with_false():
    spec = pod_spec({"runAsNonRoot": True}, app={"runAsNonRoot": False})
    assert run(POLICY, workload(spec)).messages == [
        "Deployment 'org-acme/api': container 'app': securityContext.runAsNonRoot is false; required true"]


def test_fails_when_the_pod_level_is_explicitly_false_as_pod_security_does():
    spec = pod_spec({"runAsNonRoot": False}, app={"runAsNonRoot": True}, migrate={"runAsNonRoot": True})
    assert run(POLICY, workload(spec)).messages == [
        "Deployment 'org-acme/api': pod securityContext.runAsNonRoot is false; required true or unset"]


def test_fails_when_the_pod_runs_as_uid_0():
    spec = pod_spec({"runAsNonRoot": True, "runAsUser": 0})
    assert run(POLICY, workload(spec)).messages == [
        "Deployment 'org-acme/api': pod securityContext.runAsUser is 0 (root); required a non-zero uid or unset"]


def test_fails_when_a_container_runs_as_uid_0():
    spec = pod_spec({"runAsNonRoot": True}, migrate={"runAsUser": 0})
    assert run(POLICY, workload(spec, resource_type=JOB)).messages == [
        "Job 'org-acme/api': init container 'migrate': securityContext.runAsUser is 0 (root); "
        "required a non-zero uid or unset"]


def test_fails_for_a_pod_without_any_security_context():
    assert run(POLICY, workload(pod_spec())).messages == [
        "Deployment 'org-acme/api': container 'app': securityContext.runAsNonRoot is unset and the pod does not "
        "set it to true; required true at pod or container level",
        "Deployment 'org-acme/api': init container 'migrate': securityContext.runAsNonRoot is unset and the pod "
        "does not set it to true; required true at pod or container level"]


def test_not_applicable_in_a_system_namespace():
    outcome = run(POLICY, workload(pod_spec(), namespace="kube-system"))
    assert outcome.not_applicable == "namespace 'kube-system' is listed in systemNamespaces"
    assert outcome.violations == []
