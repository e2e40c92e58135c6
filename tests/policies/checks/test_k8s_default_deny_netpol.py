"""k8s-default-deny-netpol: each tenant namespace holds a NetworkPolicy denying all ingress and egress."""
import pytest

from hipaa_pack.checks.k8s_default_deny_netpol import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
ACME_URN = urn_for(NAMESPACE, "acme-namespace")
DEFAULT_DENY = {"podSelector": {"matchLabels": {}}, "policyTypes": ["Ingress", "Egress"]}
ALLOW_DNS = {
    "podSelector": {},
    "policyTypes": ["Egress"],
    "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                "ports": [{"protocol": "UDP", "port": 53}]}],
}
REQUIRED = "required one with an empty podSelector, policyTypes Ingress and Egress, and no ingress or egress rules"


def namespace(resource_name, name, tenant=True, labels=None):
    if labels is None:
        labels = {"quome.io/tenant": "true"} if tenant else {}
    return FakeResource(NAMESPACE, resource_name, {"metadata": {"name": name, "labels": labels}})


def network_policy(name, spec, namespace_name="org-acme"):
    return FakeResource(NETWORK_POLICY, f"acme-netpol-{name}",
                        {"metadata": {"name": name, "namespace": namespace_name}, "spec": spec},
                        property_dependencies={"metadata": "acme-namespace"})


def stack(deny_spec=DEFAULT_DENY, deny_namespace="org-acme", extra=()):
    resources = [namespace("acme-namespace", "org-acme"), network_policy("allow-dns", ALLOW_DNS)]
    if deny_spec is not None:
        resources.append(network_policy("default-deny", deny_spec, deny_namespace))
    resources.extend(extra)
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_for_a_tenant_namespace_with_default_deny():
    outcome = run(POLICY, stack())
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("selector", [{}, {"matchLabels": {}, "matchExpressions": []}])
def test_every_empty_pod_selector_selects_all_pods(selector):
    assert run(POLICY, stack({**DEFAULT_DENY, "podSelector": selector})).violations == []


def test_fails_when_the_namespace_has_no_network_policy():
    args = stack_args([namespace("acme-namespace", "org-acme")], config=resolved_config(POLICY))
    assert run(POLICY, args).violations == [
        (f"namespace 'org-acme' has no default-deny NetworkPolicy (it has no NetworkPolicy at all); {REQUIRED}",
         ACME_URN)]


def without_default_deny(*reasons):
    """The violation when no policy qualifies; allow-dns (never a default deny) is listed first."""
    found = "; ".join(["'allow-dns': policyTypes is [\"Egress\"], without Ingress, egress has 1 rule(s)", *reasons])
    return [f"namespace 'org-acme' has no default-deny NetworkPolicy ({found}); {REQUIRED}"]


def test_fails_when_the_default_deny_sits_in_another_namespace():
    assert run(POLICY, stack(deny_namespace="org-other")).messages == without_default_deny()


def test_fails_when_the_pod_selector_is_not_empty():
    spec = {**DEFAULT_DENY, "podSelector": {"matchLabels": {"app": "api"}}}
    assert run(POLICY, stack(spec)).messages == without_default_deny(
        "'default-deny': podSelector is {\"matchLabels\": {\"app\": \"api\"}}")


def test_fails_when_egress_is_not_among_the_policy_types():
    assert run(POLICY, stack({**DEFAULT_DENY, "policyTypes": ["Ingress"]})).messages == without_default_deny(
        "'default-deny': policyTypes is [\"Ingress\"], without Egress")


def test_fails_when_policy_types_are_unset():
    assert run(POLICY, stack({"podSelector": {}})).messages == without_default_deny(
        "'default-deny': policyTypes is unset, without Ingress and Egress")


def test_fails_when_the_policy_has_an_ingress_rule():
    spec = {**DEFAULT_DENY, "ingress": [{"from": [{"podSelector": {}}]}]}
    assert run(POLICY, stack(spec)).messages == without_default_deny("'default-deny': ingress has 1 rule(s)")


def test_fails_when_the_policy_has_an_empty_egress_rule_which_allows_everything():
    spec = {**DEFAULT_DENY, "egress": [{}]}
    assert run(POLICY, stack(spec)).messages == without_default_deny("'default-deny': egress has 1 rule(s)")


def test_system_namespaces_and_their_policies_are_listed_as_not_applicable():
    extra = [namespace("system-namespace", "kube-system", tenant=False),
             FakeResource(NETWORK_POLICY, "coredns-ingress",
                          {"metadata": {"name": "coredns", "namespace": "kube-system"}, "spec": {"podSelector": {}}})]
    outcome = run(POLICY, stack(extra=extra))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "system-namespace": "namespace 'kube-system' is a system namespace (neither quome.io/tenant: \"true\" nor "
                            "a quome.io/organization label)",
        "coredns-ingress": "namespace 'kube-system' is not a tenant namespace of this stack",
    }


def test_a_namespace_with_only_the_organization_label_is_held_to_default_deny():
    kappa = namespace("kappa-namespace", "org-kappa", labels={"quome.io/organization": "kappa"})
    outcome = run(POLICY, stack(extra=[kappa]))
    assert outcome.violations == [
        (f"namespace 'org-kappa' has no default-deny NetworkPolicy (it has no NetworkPolicy at all); {REQUIRED}",
         urn_for(NAMESPACE, "kappa-namespace"))]
    assert outcome.not_applicable is None
