"""k8s-namespace-psa-restricted: tenant namespaces carry the restricted Pod Security labels."""
from hipaa_pack.checks.k8s_namespace_psa_restricted import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

NAMESPACE = "kubernetes:core/v1:Namespace"
COMPLIANT_LABELS = {
    "quome.io/tenant": "true",
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "v1.31",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}


def namespace(changes=None, drop=(), name="org-acme"):
    labels = {k: v for k, v in {**COMPLIANT_LABELS, **(changes or {})}.items() if k not in drop}
    metadata = {"labels": labels}
    if name is not None:
        metadata["name"] = name
    return resource_args(NAMESPACE, {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata},
                         name="acme-namespace", config=resolved_config(POLICY))


def test_passes_for_a_restricted_tenant_namespace():
    outcome = run(POLICY, namespace())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_enforce_is_baseline():
    assert run(POLICY, namespace({"pod-security.kubernetes.io/enforce": "baseline"})).messages == [
        "namespace 'org-acme': label pod-security.kubernetes.io/enforce is 'baseline'; required 'restricted'"]


def test_fails_when_audit_is_privileged():
    assert run(POLICY, namespace({"pod-security.kubernetes.io/audit": "privileged"})).messages == [
        "namespace 'org-acme': label pod-security.kubernetes.io/audit is 'privileged'; required 'restricted'"]


def test_fails_when_warn_is_missing():
    assert run(POLICY, namespace(drop=["pod-security.kubernetes.io/warn"])).messages == [
        "namespace 'org-acme': label pod-security.kubernetes.io/warn is unset; required 'restricted'"]


def test_fails_when_the_enforce_version_follows_latest():
    assert run(POLICY, namespace({"pod-security.kubernetes.io/enforce-version": "latest"})).messages == [
        "namespace 'org-acme': label pod-security.kubernetes.io/enforce-version is 'latest'; "
        "required a pinned minor version such as 'v1.31'"]


def test_fails_when_the_enforce_version_is_missing():
    assert run(POLICY, namespace(drop=["pod-security.kubernetes.io/enforce-version"])).messages == [
        "namespace 'org-acme': label pod-security.kubernetes.io/enforce-version is unset; "
        "required a pinned minor version such as 'v1.31'"]


def test_auto_named_namespaces_are_reported_by_resource_name():
    outcome = run(POLICY, namespace({"pod-security.kubernetes.io/enforce": "baseline"}, name=None))
    assert outcome.messages == [
        "namespace 'acme-namespace': label pod-security.kubernetes.io/enforce is 'baseline'; required 'restricted'"]


def test_not_applicable_to_system_namespaces():
    outcome = run(POLICY, namespace(drop=list(COMPLIANT_LABELS), name="kube-system"))
    assert outcome.not_applicable == ("namespace 'kube-system' is a system namespace (neither quome.io/tenant: "
                                      "\"true\" nor a quome.io/organization label)")
    assert outcome.violations == []


def test_a_tenant_label_other_than_true_is_not_a_tenant():
    outcome = run(POLICY, namespace({"quome.io/tenant": "false", "pod-security.kubernetes.io/enforce": "privileged"}))
    assert outcome.not_applicable == ("namespace 'org-acme' is a system namespace (neither quome.io/tenant: "
                                      "\"true\" nor a quome.io/organization label)")
    assert outcome.violations == []


def test_a_namespace_with_only_the_organization_label_is_held_to_restricted():
    changes = {"quome.io/organization": "acme", "pod-security.kubernetes.io/enforce": "privileged"}
    outcome = run(POLICY, namespace(changes, drop=["quome.io/tenant"]))
    assert outcome.not_applicable is None
    assert outcome.messages == [
        "namespace 'org-acme': label pod-security.kubernetes.io/enforce is 'privileged'; required 'restricted'"]


def test_the_organization_label_keeps_a_namespace_whose_tenant_label_says_false_a_tenant():
    outcome = run(POLICY, namespace({"quome.io/organization": "acme", "quome.io/tenant": "false"},
                                    drop=["pod-security.kubernetes.io/warn"]))
    assert outcome.not_applicable is None
    assert outcome.messages == ["namespace 'org-acme': label pod-security.kubernetes.io/warn is unset; "
                                "required 'restricted'"]
