"""k8s-readonly-rootfs (advisory): readOnlyRootFilesystem is true on every container."""
import pytest
from pulumi_policy import EnforcementLevel

from hipaa_pack.checks.k8s_readonly_rootfs import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

JOB = "kubernetes:batch/v1:Job"
READ_ONLY = {"readOnlyRootFilesystem": True}


def job(app=READ_ONLY, migrate=READ_ONLY, namespace="org-acme"):
    def container(name, context):
        c = {"name": name, "image": "registry.example/etl:5.2.0"}
        if context is not None:
            c["securityContext"] = context
        return c

    props = {"metadata": {"name": "etl", "namespace": namespace},
             "spec": {"template": {"spec": {"containers": [container("app", app)],
                                            "initContainers": [container("migrate", migrate)]}}}}
    return resource_args(JOB, props, name="acme-etl", config=resolved_config(POLICY))


def test_is_advisory():
    assert POLICY.enforcement_level == EnforcementLevel.ADVISORY


def test_passes_when_every_root_filesystem_is_read_only():
    outcome = run(POLICY, job())
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("context, found", [(None, "unset"), ({"readOnlyRootFilesystem": False}, "false")])
def test_fails_for_a_writable_root_filesystem(context, found):
    assert run(POLICY, job(app=context)).messages == [
        f"Job 'org-acme/etl': container 'app': securityContext.readOnlyRootFilesystem is {found}; required true"]


def test_fails_for_an_init_container_too():
    assert run(POLICY, job(migrate={})).messages == [
        "Job 'org-acme/etl': init container 'migrate': securityContext.readOnlyRootFilesystem is unset; required true"]


def test_not_applicable_in_a_system_namespace():
    outcome = run(POLICY, job(app=None, namespace="kube-system"))
    assert outcome.not_applicable == "namespace 'kube-system' is listed in systemNamespaces"
    assert outcome.violations == []
