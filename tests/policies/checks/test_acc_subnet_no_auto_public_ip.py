"""acc-subnet-no-auto-public-ip: mapPublicIpOnLaunch is never true, edge subnets included."""
from hipaa_pack.checks.acc_subnet_no_auto_public_ip import POLICY
from tests.policies.fakes import resource_args, run

SUBNET = "aws:ec2/subnet:Subnet"


def subnet(**changes):
    props = {"cidrBlock": "10.64.120.0/23", "mapPublicIpOnLaunch": False, "tags": {"quome.io/tier": "public"},
             **changes}
    return resource_args(SUBNET, props, name="public-az0")


def test_passes_when_public_ips_are_not_mapped():
    outcome = run(POLICY, subnet())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_unset_because_aws_defaults_to_false():
    assert run(POLICY, resource_args(SUBNET, {"cidrBlock": "10.64.0.0/19"}, name="private-az0")).violations == []


def test_fails_for_an_edge_subnet_that_maps_public_ips():
    assert run(POLICY, subnet(mapPublicIpOnLaunch=True)).messages == [
        "subnet 'public-az0': mapPublicIpOnLaunch is true; required false"]


def test_fails_for_the_string_form_too():
    assert run(POLICY, subnet(mapPublicIpOnLaunch="true")).messages == [
        "subnet 'public-az0': mapPublicIpOnLaunch is 'true'; required false"]
