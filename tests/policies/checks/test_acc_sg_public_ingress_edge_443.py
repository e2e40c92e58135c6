"""acc-sg-public-ingress-edge-443: internet ingress only on TCP 443 of the internet-facing load balancer's group."""
from hipaa_pack.checks.acc_sg_public_ingress_edge_443 import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
LB = "aws:lb/loadBalancer:LoadBalancer"
EDGE_ONLY = "required internet ingress only on the edge load balancer's group"


def https(name="edge-in-https", group="edge", **changes):
    props = {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0", **changes}
    return FakeResource(INGRESS, name, props, property_dependencies={"securityGroupId": group})


def stack(*extra, lb_type=LB, internal=False, edge_ingress=None):
    resources = [
        FakeResource(SG, "edge", {"description": "Load balancer tier", "ingress": edge_ingress or []}),
        FakeResource(SG, "nodes", {"description": "Nodes"}),
        FakeResource(lb_type, "alb", {"internal": internal, "loadBalancerType": "application"},
                     property_dependencies={"securityGroups": ["edge"]}),
        https(),
        FakeResource(INGRESS, "nodes-in-edge", {"ipProtocol": "tcp", "fromPort": 8443, "toPort": 8443,
                                                "referencedSecurityGroupId": "sg-edge"},
                     property_dependencies={"securityGroupId": "nodes", "referencedSecurityGroupId": "edge"}),
        FakeResource(INGRESS, "nodes-in-vpc", {"ipProtocol": "-1", "cidrIpv4": "10.64.0.0/16"},
                     property_dependencies={"securityGroupId": "nodes"}),
        *extra,
    ]
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_for_https_from_the_internet_on_the_edge_group_only():
    outcome = run(POLICY, stack())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_ipv6_https_and_private_ranges():
    extra = [https("edge-in-https6", cidrIpv4=None, cidrIpv6="::/0"),
             FakeResource(INGRESS, "nodes-in-pods", {"ipProtocol": "-1", "cidrIpv4": "100.64.0.0/16"},
                          property_dependencies={"securityGroupId": "nodes"}),
             FakeResource(INGRESS, "nodes-in-ula", {"ipProtocol": "-1", "cidrIpv6": "fd00:10::/64"},
                          property_dependencies={"securityGroupId": "nodes"})]
    assert run(POLICY, stack(*extra)).violations == []


def test_passes_for_the_alb_token_family():
    assert run(POLICY, stack(lb_type="aws:alb/loadBalancer:LoadBalancer")).violations == []


def test_fails_for_internet_ingress_on_a_group_no_load_balancer_uses():
    extra = [https("nodes-in-https", group="nodes")]
    outcome = run(POLICY, stack(*extra))
    assert outcome.violations == [
        ("security group 'nodes': ingress rule 'nodes-in-https' allows 0.0.0.0/0, but no internet-facing load "
         f"balancer lists the group in securityGroups; {EDGE_ONLY}", urn_for(INGRESS, "nodes-in-https"))]


def test_fails_when_the_load_balancer_is_internal():
    assert run(POLICY, stack(internal=True)).messages == [
        "security group 'edge': ingress rule 'edge-in-https' allows 0.0.0.0/0, but no internet-facing load "
        f"balancer lists the group in securityGroups; {EDGE_ONLY}"]


def test_fails_for_another_port_on_the_edge_group():
    assert run(POLICY, stack(https("edge-in-http", fromPort=80, toPort=80))).messages == [
        "security group 'edge': ingress rule 'edge-in-http' allows 0.0.0.0/0 on tcp port 80; required tcp 443 only"]


def test_fails_for_a_port_range_that_includes_443():
    assert run(POLICY, stack(https("edge-in-range", fromPort=80, toPort=443))).messages == [
        "security group 'edge': ingress rule 'edge-in-range' allows 0.0.0.0/0 on tcp ports 80-443; "
        "required tcp 443 only"]


def test_fails_for_udp_443():
    assert run(POLICY, stack(https("edge-in-quic", ipProtocol="udp"))).messages == [
        "security group 'edge': ingress rule 'edge-in-quic' allows 0.0.0.0/0 on udp port 443; required tcp 443 only"]


def test_fails_for_all_traffic_from_the_internet():
    assert run(POLICY, stack(https("edge-in-all", ipProtocol="-1", fromPort=None, toPort=None))).messages == [
        "security group 'edge': ingress rule 'edge-in-all' allows 0.0.0.0/0 on all protocols and ports; "
        "required tcp 443 only"]


def test_a_narrower_public_range_is_internet_traffic_too():
    extra = [FakeResource(INGRESS, "nodes-in-office", {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                                                       "cidrIpv4": "203.0.113.0/24"},
                          property_dependencies={"securityGroupId": "nodes"})]
    assert run(POLICY, stack(*extra)).messages == [
        "security group 'nodes': ingress rule 'nodes-in-office' allows 203.0.113.0/24, but no internet-facing load "
        f"balancer lists the group in securityGroups; {EDGE_ONLY}",
        "security group 'nodes': ingress rule 'nodes-in-office' allows 203.0.113.0/24 on tcp port 22; "
        "required tcp 443 only"]


def test_inline_ingress_blocks_are_checked():
    blocks = [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
              {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["10.0.0.0/8"],
               "ipv6CidrBlocks": ["::/0"]}]
    outcome = run(POLICY, stack(edge_ingress=blocks))
    assert outcome.violations == [("security group 'edge': ingress #2 allows ::/0 on tcp port 22; "
                                   "required tcp 443 only", urn_for(SG, "edge"))]


def test_security_group_rules_of_type_ingress_are_checked():
    rule = FakeResource(RULE, "nodes-ssh", {"type": "ingress", "protocol": "tcp", "fromPort": 22, "toPort": 22,
                                            "cidrBlocks": ["0.0.0.0/0"]},
                        property_dependencies={"securityGroupId": "nodes"})
    assert run(POLICY, stack(rule)).messages == [
        "security group 'nodes': ingress rule 'nodes-ssh' allows 0.0.0.0/0, but no internet-facing load balancer "
        f"lists the group in securityGroups; {EDGE_ONLY}",
        "security group 'nodes': ingress rule 'nodes-ssh' allows 0.0.0.0/0 on tcp port 22; required tcp 443 only"]


def test_a_rule_whose_group_is_not_in_the_stack_cannot_be_edge():
    rule = FakeResource(INGRESS, "imported-in", {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                                                 "cidrIpv4": "0.0.0.0/0", "securityGroupId": "sg-0123"})
    assert run(POLICY, stack(rule)).messages == [
        "security group (not a security group of this stack): ingress rule 'imported-in' allows 0.0.0.0/0, but no "
        f"internet-facing load balancer lists the group in securityGroups; {EDGE_ONLY}"]


def test_egress_security_group_rules_are_not_applicable():
    rule = FakeResource(RULE, "nodes-out", {"type": "egress", "protocol": "-1", "cidrBlocks": ["0.0.0.0/0"]},
                        property_dependencies={"securityGroupId": "nodes"})
    outcome = run(POLICY, stack(rule))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "nodes-out": "security group rule of type 'egress'; this control covers ingress"}
