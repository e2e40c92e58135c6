"""k8s-namespace-quota-limitrange: each tenant namespace has a full ResourceQuota and container defaults."""
from hipaa_pack.checks.k8s_namespace_quota_limitrange import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

NAMESPACE = "kubernetes:core/v1:Namespace"
QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
ACME_URN = urn_for(NAMESPACE, "acme-namespace")
HARD = {"requests.cpu": "8", "requests.memory": "32Gi", "limits.cpu": "8", "limits.memory": "32Gi", "pods": "100",
        "requests.storage": "200Gi"}
CONTAINER_LIMITS = {"type": "Container", "default": {"cpu": "1", "memory": "2Gi"},
                    "defaultRequest": {"cpu": "500m", "memory": "1Gi"}, "max": {"cpu": "8", "memory": "32Gi"}}
PVC_LIMITS = {"type": "PersistentVolumeClaim", "max": {"storage": "200Gi"}}
QUOTA_REQUIRED = "required one whose spec.hard sets requests.cpu, requests.memory, limits.cpu, limits.memory, pods"
LIMITS_REQUIRED = "required one with a Container entry that sets default and defaultRequest"


def stack(hard=HARD, limits=(PVC_LIMITS, CONTAINER_LIMITS), quota_namespace="org-acme", extra=()):
    def meta(name, namespace):
        return {"name": name, "namespace": namespace}

    resources = [FakeResource(NAMESPACE, "acme-namespace",
                              {"metadata": {"name": "org-acme", "labels": {"quome.io/tenant": "true"}}})]
    if hard is not None:
        resources.append(FakeResource(QUOTA, "acme-quota", {"metadata": meta("org-quota", quota_namespace),
                                                            "spec": {"hard": hard}}))
    if limits is not None:
        resources.append(FakeResource(LIMIT_RANGE, "acme-limits", {"metadata": meta("org-limits", "org-acme"),
                                                                   "spec": {"limits": list(limits)}}))
    resources.extend(extra)
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_with_a_full_quota_and_container_defaults():
    outcome = run(POLICY, stack())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_against_the_namespace_without_a_quota():
    assert run(POLICY, stack(hard=None)).violations == [
        (f"namespace 'org-acme' has no ResourceQuota; {QUOTA_REQUIRED}", ACME_URN)]


def test_fails_when_the_quota_sits_in_another_namespace():
    outcome = run(POLICY, stack(quota_namespace="org-other"))
    assert outcome.messages == [f"namespace 'org-acme' has no ResourceQuota; {QUOTA_REQUIRED}"]
    assert outcome.not_applicable_to == {"acme-quota": "namespace 'org-other' is not a tenant namespace of this stack"}


def test_fails_when_the_quota_leaves_out_a_required_limit():
    hard = {k: v for k, v in HARD.items() if k not in ("pods", "limits.memory")}
    assert run(POLICY, stack(hard=hard)).messages == [
        "namespace 'org-acme' has no complete ResourceQuota ('org-quota' does not set limits.memory, pods); "
        + QUOTA_REQUIRED]


def test_fails_against_the_namespace_without_a_limit_range():
    assert run(POLICY, stack(limits=None)).violations == [
        (f"namespace 'org-acme' has no LimitRange; {LIMITS_REQUIRED}", ACME_URN)]


def test_fails_when_the_limit_range_has_no_container_entry():
    assert run(POLICY, stack(limits=[PVC_LIMITS])).messages == [
        f"namespace 'org-acme' has no LimitRange with container defaults ('org-limits' has no Container entry); "
        f"{LIMITS_REQUIRED}"]


def test_fails_when_the_container_entry_sets_no_default_request():
    limits = [{k: v for k, v in CONTAINER_LIMITS.items() if k != "defaultRequest"}]
    assert run(POLICY, stack(limits=limits)).messages == [
        "namespace 'org-acme' has no LimitRange with container defaults ('org-limits' Container entry does not set "
        f"defaultRequest); {LIMITS_REQUIRED}"]


def test_fails_when_the_container_entry_sets_only_maxima():
    limits = [{"type": "Container", "max": {"cpu": "8"}, "default": {}}]
    assert run(POLICY, stack(limits=limits)).messages == [
        "namespace 'org-acme' has no LimitRange with container defaults ('org-limits' Container entry does not set "
        f"default or defaultRequest); {LIMITS_REQUIRED}"]


def test_system_namespaces_are_listed_as_not_applicable():
    extra = [FakeResource(NAMESPACE, "monitoring", {"metadata": {"name": "monitoring"}})]
    outcome = run(POLICY, stack(extra=extra))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "monitoring": "namespace 'monitoring' is a system namespace (neither quome.io/tenant: \"true\" nor a "
                      "quome.io/organization label)"}


def test_a_namespace_with_only_the_organization_label_is_held_to_quota_and_limits():
    kappa_urn = urn_for(NAMESPACE, "kappa-namespace")
    kappa = FakeResource(NAMESPACE, "kappa-namespace",
                         {"metadata": {"name": "org-kappa", "labels": {"quome.io/organization": "kappa"}}})
    outcome = run(POLICY, stack(extra=[kappa]))
    assert outcome.violations == [
        (f"namespace 'org-kappa' has no ResourceQuota; {QUOTA_REQUIRED}", kappa_urn),
        (f"namespace 'org-kappa' has no LimitRange; {LIMITS_REQUIRED}", kappa_urn)]
    assert outcome.not_applicable is None
