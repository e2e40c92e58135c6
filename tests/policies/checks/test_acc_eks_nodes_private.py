"""acc-eks-nodes-private: node groups without SSH, in subnets and launch templates that assign no public IPs."""
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.acc_eks_nodes_private import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
SUBNET = "aws:ec2/subnet:Subnet"


def stack(group_props=None, subnet_props=None, lt_props=None, group_deps=None):
    deps = {"subnetIds": ["private-az0", "private-az1"], "launchTemplate": "sandbox-lt"}
    deps.update(group_deps or {})
    resources = [
        FakeResource(SUBNET, "private-az0", {"mapPublicIpOnLaunch": False, **(subnet_props or {})}),
        FakeResource(SUBNET, "private-az1", {"mapPublicIpOnLaunch": False}),
        FakeResource(LT, "sandbox-lt", {"metadataOptions": {"httpTokens": "required"}, **(lt_props or {})}),
        FakeResource(NODE_GROUP, "sandbox",
                     {"clusterName": "quome-dev", "launchTemplate": {"id": "lt-1"}, **(group_props or {})},
                     property_dependencies={k: v for k, v in deps.items() if v}),
    ]
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_for_private_nodes_without_ssh():
    outcome = run(POLICY, stack())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_network_interfaces_that_do_not_ask_for_public_ips():
    lt = {"networkInterfaces": [{"associatePublicIpAddress": "false", "deviceIndex": 0}]}
    assert run(POLICY, stack(lt_props=lt)).violations == []


def test_fails_for_ssh_remote_access():
    outcome = run(POLICY, stack(group_props={"remoteAccess": {"ec2SshKey": "ops",
                                                               "sourceSecurityGroupIds": UNKNOWN_STRING_VALUE}}))
    assert outcome.violations == [
        ("node group 'sandbox': remoteAccess is set (ec2SshKey, sourceSecurityGroupIds); required unset (reach nodes "
         "through SSM, not SSH)", urn_for(NODE_GROUP, "sandbox"))]


def test_fails_for_a_subnet_that_maps_public_ips():
    assert run(POLICY, stack(subnet_props={"mapPublicIpOnLaunch": True})).messages == [
        "node group 'sandbox': subnet 'private-az0' has mapPublicIpOnLaunch true; required nodes only in subnets "
        "that assign no public IPs"]


def test_fails_when_the_subnets_are_not_part_of_the_stack():
    assert run(POLICY, stack(group_deps={"subnetIds": None})).messages == [
        "node group 'sandbox': subnetIds depend on no subnet of this stack, so their public-IP setting cannot be "
        "checked; required the private subnets of components.network.Network"]


def test_fails_for_a_launch_template_that_asks_for_public_ips():
    lt = {"networkInterfaces": [{"deviceIndex": 0}, {"associatePublicIpAddress": "true", "deviceIndex": 1}]}
    assert run(POLICY, stack(lt_props=lt)).violations == [
        ("node group 'sandbox': launch template 'sandbox-lt' networkInterfaces #2 has associatePublicIpAddress "
         "'true'; required unset or false", urn_for(LT, "sandbox-lt"))]


def test_launch_templates_no_node_group_uses_are_not_judged_here():
    lt = {"networkInterfaces": [{"associatePublicIpAddress": "true"}]}
    assert run(POLICY, stack(lt_props=lt, group_deps={"launchTemplate": None})).violations == []
