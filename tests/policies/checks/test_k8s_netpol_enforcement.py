"""k8s-netpol-enforcement: the vpc-cni add-on runs its network-policy agent (or another CNI enforces)."""
import json

import pytest

from hipaa_pack.checks.k8s_netpol_enforcement import POLICY
from tests.policies.fakes import FakeResource, PolicyConfigError, resolved_config, run, stack_args, urn_for

ADDON = "aws:eks/addon:Addon"
CNI_URN = urn_for(ADDON, "cluster-vpc-cni")


NETWORK_POLICY_ENABLED = json.dumps({"enableNetworkPolicy": "true"})


def stack(configuration_values=NETWORK_POLICY_ENABLED, with_cni=True, config=None):
    resources = [FakeResource(ADDON, "cluster-coredns", {"addonName": "coredns", "clusterName": "quome-dev"})]
    if with_cni:
        props = {"addonName": "vpc-cni", "clusterName": "quome-dev"}
        if configuration_values is not None:
            props["configurationValues"] = configuration_values
        resources.append(FakeResource(ADDON, "cluster-vpc-cni", props))
    return stack_args(resources, config=resolved_config(POLICY, config))


def test_passes_when_the_vpc_cni_enforces_network_policies():
    outcome = run(POLICY, stack())
    assert outcome.violations == []
    assert outcome.not_applicable_to == {"cluster-coredns": "add-on 'coredns' is not the VPC CNI"}


def test_passes_with_other_settings_beside_the_flag():
    values = json.dumps({"enableNetworkPolicy": "true", "env": {"ENABLE_PREFIX_DELEGATION": "true"}})
    assert run(POLICY, stack(values)).violations == []


def test_fails_against_the_stack_without_a_vpc_cni_addon():
    assert run(POLICY, stack(with_cni=False)).violations == [
        ("the stack has no vpc-cni Addon; required one with configurationValues enableNetworkPolicy \"true\" "
         "(or enforcingCni naming another enforcing CNI)", None)]


def test_fails_without_configuration_values():
    assert run(POLICY, stack(None)).violations == [
        ("Addon 'cluster-vpc-cni' (vpc-cni): configurationValues is unset; required configurationValues with "
         "enableNetworkPolicy \"true\"", CNI_URN)]


@pytest.mark.parametrize("values, found", [
    ({"enableNetworkPolicy": "false"}, "'false'"),
    ({"env": {"WARM_IP_TARGET": "5"}}, "unset"),
    ({"enableNetworkPolicy": True}, "true (a JSON boolean)"),
])
def test_fails_unless_enable_network_policy_is_the_string_true(values, found):
    assert run(POLICY, stack(json.dumps(values))).messages == [
        f"Addon 'cluster-vpc-cni' (vpc-cni): enableNetworkPolicy is {found}; required the string \"true\""]


def test_fails_for_configuration_values_that_are_not_a_json_object():
    assert run(POLICY, stack("enableNetworkPolicy: true")).messages == [
        "Addon 'cluster-vpc-cni' (vpc-cni): configurationValues is not valid JSON (Expecting value at line 1 "
        "column 1); required configurationValues with enableNetworkPolicy \"true\""]
    assert run(POLICY, stack("[]")).messages == [
        "Addon 'cluster-vpc-cni' (vpc-cni): configurationValues is '[]', not a JSON object; required "
        "configurationValues with enableNetworkPolicy \"true\""]


def test_not_applicable_when_another_cni_enforces():
    outcome = run(POLICY, stack(with_cni=False, config={"enforcingCni": "cilium"}))
    assert outcome.not_applicable == "NetworkPolicies are enforced by cilium (policy config enforcingCni)"
    assert outcome.violations == []


def test_only_cnis_known_to_enforce_network_policies_are_accepted():
    with pytest.raises(PolicyConfigError, match="enforcingCni: 'flannel' is not one of"):
        resolved_config(POLICY, {"enforcingCni": "flannel"})
