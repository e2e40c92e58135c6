"""acc-vpc-endpoints: each VPC has an S3 gateway endpoint and private-DNS interface endpoints per service."""
import pytest

from hipaa_pack.checks.acc_vpc_endpoints import POLICY
from tests.policies.fakes import FakeResource, PolicyConfigError, resolved_config, run, stack_args, urn_for

VPC = "aws:ec2/vpc:Vpc"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SERVICES = ("kms", "secretsmanager", "sts", "logs", "ecr.api", "ecr.dkr")


def endpoint(service, kind="Interface", dns=True, name=None, vpc="vpc"):
    props = {"serviceName": f"com.amazonaws.us-east-1.{service}", "vpcEndpointType": kind}
    if kind == "Interface":
        props["privateDnsEnabled"] = dns
    return FakeResource(ENDPOINT, name or f"{vpc}-{service}", props, property_dependencies={"vpcId": vpc})


def stack(*changes, drop=(), config=None):
    endpoints = {"s3": endpoint("s3", "Gateway"), **{s: endpoint(s) for s in SERVICES}}
    for change in changes:
        endpoints[change.name.removeprefix("vpc-")] = change
    resources = [FakeResource(VPC, "vpc", {"cidrBlock": "10.64.0.0/16"})]
    resources += [e for key, e in endpoints.items() if key not in drop]
    return stack_args(resources, config=resolved_config(POLICY, config))


def test_passes_with_the_full_endpoint_set():
    outcome = run(POLICY, stack())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_an_s3_endpoint_without_a_type_is_a_gateway_endpoint():
    untyped = FakeResource(ENDPOINT, "vpc-s3", {"serviceName": "com.amazonaws.us-east-1.s3"},
                           property_dependencies={"vpcId": "vpc"})
    assert run(POLICY, stack(untyped)).violations == []


def test_fails_without_the_s3_gateway_endpoint():
    assert run(POLICY, stack(drop=["s3"])).violations == [
        ("VPC 'vpc' has no Gateway endpoint for s3; required com.amazonaws.<region>.s3 with vpcEndpointType Gateway",
         urn_for(VPC, "vpc"))]


def test_an_s3_interface_endpoint_does_not_replace_the_gateway():
    assert run(POLICY, stack(endpoint("s3", "Interface", name="vpc-s3"))).messages == [
        "VPC 'vpc' has no Gateway endpoint for s3; required com.amazonaws.<region>.s3 with vpcEndpointType Gateway"]


def test_fails_without_an_interface_endpoint_for_a_required_service():
    assert run(POLICY, stack(drop=["sts"])).messages == [
        "VPC 'vpc' has no Interface endpoint for sts; required com.amazonaws.<region>.sts with vpcEndpointType "
        "Interface and privateDnsEnabled true (requiredInterfaceServices)"]


def test_fails_when_private_dns_is_off():
    assert run(POLICY, stack(endpoint("kms", dns=False, name="vpc-kms"))).violations == [
        ("VPC 'vpc': Interface endpoint 'vpc-kms' for kms has privateDnsEnabled false; required true, so the "
         "service's default hostname resolves to the endpoint", urn_for(ENDPOINT, "vpc-kms"))]


def test_an_endpoint_of_another_vpc_does_not_count():
    other = [FakeResource(VPC, "other", {}), endpoint("ecr.dkr", vpc="other")]
    args = stack(drop=["ecr.dkr"])
    args.resources.extend(stack_args(other).resources)
    assert run(POLICY, args).messages == [
        "VPC 'vpc' has no Interface endpoint for ecr.dkr; required com.amazonaws.<region>.ecr.dkr with "
        "vpcEndpointType Interface and privateDnsEnabled true (requiredInterfaceServices)",
        "VPC 'other' has no Gateway endpoint for s3; required com.amazonaws.<region>.s3 with vpcEndpointType Gateway",
        *[f"VPC 'other' has no Interface endpoint for {s}; required com.amazonaws.<region>.{s} with vpcEndpointType "
          f"Interface and privateDnsEnabled true (requiredInterfaceServices)" for s in SERVICES if s != "ecr.dkr"]]


def test_the_required_services_come_from_the_policy_config():
    outcome = run(POLICY, stack(drop=["logs"], config={"requiredInterfaceServices": ["kms", "eks"]}))
    assert outcome.messages == [
        "VPC 'vpc' has no Interface endpoint for eks; required com.amazonaws.<region>.eks with vpcEndpointType "
        "Interface and privateDnsEnabled true (requiredInterfaceServices)"]


def test_the_config_rejects_service_names_that_cannot_match():
    with pytest.raises(PolicyConfigError, match="requiredInterfaceServices.0: 'ECR API' does not match"):
        resolved_config(POLICY, {"requiredInterfaceServices": ["ECR API"]})
