"""acc-default-sg-closed: each VPC joined to one DefaultSecurityGroup that has no rules."""
from hipaa_pack.checks.acc_default_sg_closed import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

VPC = "aws:ec2/vpc:Vpc"
DSG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
ALL_TRAFFIC = {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}


def stack(*groups):
    resources = [FakeResource(VPC, "vpc", {"cidrBlock": "10.64.0.0/16"}), *groups]
    return stack_args(resources, config=resolved_config(POLICY))


def default_sg(name="default-sg", **props):
    return FakeResource(DSG, name, {"vpcId": "vpc-1", **props}, property_dependencies={"vpcId": "vpc"})


def test_passes_for_an_emptied_default_group():
    outcome = run(POLICY, stack(default_sg(ingress=[], egress=[])))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_rules_are_unset_because_the_provider_removes_undeclared_rules():
    assert run(POLICY, stack(default_sg())).violations == []


def test_fails_without_a_default_security_group():
    assert run(POLICY, stack()).violations == [
        ("VPC 'vpc' has no DefaultSecurityGroup; required one with ingress [] and egress [] to remove the allow-all "
         "rules of the VPC's default group", urn_for(VPC, "vpc"))]


def test_a_default_group_naming_the_vpc_literally_does_not_join():
    literal = FakeResource(DSG, "default-sg", {"vpcId": "vpc-1", "ingress": [], "egress": []})
    assert run(POLICY, stack(literal)).messages == [
        "VPC 'vpc' has no DefaultSecurityGroup; required one with ingress [] and egress [] to remove the allow-all "
        "rules of the VPC's default group"]


def test_fails_for_ingress_rules():
    assert run(POLICY, stack(default_sg(ingress=[{**ALL_TRAFFIC, "self": True}], egress=[]))).violations == [
        ("VPC 'vpc': DefaultSecurityGroup 'default-sg' has 1 ingress rule(s); required none",
         urn_for(DSG, "default-sg"))]


def test_fails_for_egress_rules():
    assert run(POLICY, stack(default_sg(ingress=[], egress=[ALL_TRAFFIC, ALL_TRAFFIC]))).messages == [
        "VPC 'vpc': DefaultSecurityGroup 'default-sg' has 2 egress rule(s); required none"]


def test_fails_for_two_competing_default_groups():
    assert run(POLICY, stack(default_sg(), default_sg("default-sg-2"))).messages == [
        "VPC 'vpc' has 2 DefaultSecurityGroup resources ('default-sg', 'default-sg-2'); required exactly one"]
