"""acc-eks-endpoint-private: private endpoint on, public endpoint off or limited to operator CIDRs."""
from hipaa_pack.checks.acc_eks_endpoint_private import POLICY
from tests.policies.fakes import resource_args, run

CLUSTER = "aws:eks/cluster:Cluster"
OPERATORS = "203.0.113.0/24"


def cluster(drop=(), **vpc_config):
    config = {"endpointPrivateAccess": True, "endpointPublicAccess": False, "subnetIds": ["subnet-1"], **vpc_config}
    config = {k: v for k, v in config.items() if k not in drop}
    return resource_args(CLUSTER, {"name": "quome-dev", "vpcConfig": config}, name="eks")


def test_passes_for_a_private_only_endpoint():
    outcome = run(POLICY, cluster())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_a_public_endpoint_limited_to_operator_cidrs():
    assert run(POLICY, cluster(endpointPublicAccess=True, publicAccessCidrs=[OPERATORS])).violations == []


def test_fails_when_the_private_endpoint_is_off():
    assert run(POLICY, cluster(endpointPrivateAccess=False)).messages == [
        "EKS cluster 'quome-dev': vpcConfig.endpointPrivateAccess is false; required true"]


def test_fails_when_the_private_endpoint_is_unset():
    assert run(POLICY, cluster(drop=["endpointPrivateAccess"])).messages == [
        "EKS cluster 'quome-dev': vpcConfig.endpointPrivateAccess is unset; required true"]


def test_fails_for_a_public_endpoint_open_to_everyone():
    assert run(POLICY, cluster(endpointPublicAccess=True, publicAccessCidrs=[OPERATORS, "0.0.0.0/0"])).messages == [
        "EKS cluster 'quome-dev': vpcConfig.endpointPublicAccess is true and publicAccessCidrs includes 0.0.0.0/0; "
        "required endpointPublicAccess false or only operator CIDRs"]


def test_fails_for_ipv6_everywhere():
    assert run(POLICY, cluster(endpointPublicAccess=True, publicAccessCidrs=["::/0"])).messages == [
        "EKS cluster 'quome-dev': vpcConfig.endpointPublicAccess is true and publicAccessCidrs includes ::/0; "
        "required endpointPublicAccess false or only operator CIDRs"]


def test_fails_when_public_access_is_unset_and_no_cidrs_are_listed():
    assert run(POLICY, cluster(drop=["endpointPublicAccess"])).messages == [
        "EKS cluster 'quome-dev': vpcConfig.endpointPublicAccess is unset (AWS default true) and publicAccessCidrs "
        "is unset (AWS default 0.0.0.0/0); required endpointPublicAccess false or a list of operator CIDRs"]


def test_unset_public_access_with_operator_cidrs_passes():
    assert run(POLICY, cluster(drop=["endpointPublicAccess"], publicAccessCidrs=[OPERATORS])).violations == []
