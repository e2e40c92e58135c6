"""acc-imdsv2-hop-limit: IMDSv2 required and a hop limit of 1 on launch templates and instances."""
from hipaa_pack.checks.acc_imdsv2_hop_limit import POLICY
from tests.policies.fakes import resource_args, run

LT = "aws:ec2/launchTemplate:LaunchTemplate"
COMPLIANT = {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}


def template(token=LT, drop=(), **changes):
    options = {k: v for k, v in {**COMPLIANT, **changes}.items() if k not in drop}
    return resource_args(token, {"metadataOptions": options}, name="sandbox-lt")


def test_passes_for_imdsv2_with_one_hop():
    outcome = run(POLICY, template())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_tokens_are_optional():
    assert run(POLICY, template(httpTokens="optional")).messages == [
        "launch template 'sandbox-lt': metadataOptions.httpTokens is 'optional'; required 'required' (IMDSv2)"]


def test_fails_when_tokens_are_unset():
    assert run(POLICY, template(drop=["httpTokens"])).messages == [
        "launch template 'sandbox-lt': metadataOptions.httpTokens is unset; required 'required' (IMDSv2)"]


def test_fails_for_two_hops():
    assert run(POLICY, template(httpPutResponseHopLimit=2)).messages == [
        "launch template 'sandbox-lt': metadataOptions.httpPutResponseHopLimit is 2; required 1"]


def test_fails_when_the_hop_limit_is_unset():
    assert run(POLICY, template(drop=["httpPutResponseHopLimit"])).messages == [
        "launch template 'sandbox-lt': metadataOptions.httpPutResponseHopLimit is unset (AL2023 AMIs default to 2, "
        "which lets containers reach the node role); required 1"]


def test_instances_without_metadata_options_fail_both_ways():
    assert run(POLICY, resource_args("aws:ec2/instance:Instance", {"instanceType": "t4g.small"},
                                     name="bastion")).messages == [
        "instance 'bastion': metadataOptions.httpTokens is unset; required 'required' (IMDSv2)",
        "instance 'bastion': metadataOptions.httpPutResponseHopLimit is unset (AL2023 AMIs default to 2, which lets "
        "containers reach the node role); required 1"]
