"""aud-vpc-flow-logs: every VPC has a FlowLog of ALL traffic into a log group or an audit bucket of the stack."""
import pytest

from hipaa_pack.checks.aud_vpc_flow_logs import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
BUCKET = "aws:s3/bucket:Bucket"
VPC_URN = urn_for(VPC, "vpc")
GROUP_ARN = "arn:aws:logs:us-east-1:111111111111:log-group:/quome/vpc-flow-logs/quome-dev-network"


def flow_log(name="flow-logs-cloudwatch", traffic="ALL", destination="flow-log-group", vpc="vpc",
             destination_type="cloud-watch-logs", arn=GROUP_ARN):
    deps = {"vpcId": vpc}
    if destination:
        deps["logDestination"] = destination
    return FakeResource(FLOW_LOG, name, {"vpcId": "vpc-0123", "trafficType": traffic,
                                         "logDestinationType": destination_type, "logDestination": arn},
                        property_dependencies=deps)


def stack(*extra):
    resources = [FakeResource(VPC, "vpc", {"cidrBlock": "10.64.0.0/16"}),
                 FakeResource(LOG_GROUP, "flow-log-group", {"name": "/quome/vpc-flow-logs/quome-dev-network"}),
                 FakeResource(BUCKET, "audit", {"bucket": "quome-audit", "objectLockEnabled": True,
                                                "tags": {"quome:purpose": "audit"}}),
                 FakeResource(BUCKET, "artifacts", {"bucket": "quome-artifacts"}),
                 *extra]
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_for_all_traffic_into_a_log_group():
    outcome = run(POLICY, stack(flow_log()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_all_traffic_into_the_audit_bucket():
    s3 = flow_log("flow-logs-s3", destination="audit", destination_type="s3",
                  arn="arn:aws:s3:::quome-audit/vpc-flow-logs/")
    assert run(POLICY, stack(s3)).violations == []


def test_fails_without_a_flow_log():
    assert run(POLICY, stack()).violations == [
        ("VPC 'vpc' has no FlowLog; required one with trafficType ALL delivering to a log group or an audit bucket "
         "of this stack", VPC_URN)]


@pytest.mark.parametrize("traffic", ["REJECT", "ACCEPT"])
def test_fails_when_only_part_of_the_traffic_is_recorded(traffic):
    assert run(POLICY, stack(flow_log(traffic=traffic))).messages == [
        f"VPC 'vpc' has no FlowLog with trafficType ALL delivering to a log group or an audit bucket of this stack "
        f"(FlowLog 'flow-logs-cloudwatch': trafficType is '{traffic}')"]


def test_fails_when_the_destination_is_an_ordinary_bucket():
    s3 = flow_log("flow-logs-s3", destination="artifacts", destination_type="s3",
                  arn="arn:aws:s3:::quome-artifacts/flow/")
    assert run(POLICY, stack(s3)).messages == [
        "VPC 'vpc' has no FlowLog with trafficType ALL delivering to a log group or an audit bucket of this stack "
        "(FlowLog 'flow-logs-s3': logDestination 'arn:aws:s3:::quome-artifacts/flow/' is not joined to a log group "
        "or an audit bucket of this stack)"]


def test_fails_when_the_destination_is_a_literal_arn():
    assert run(POLICY, stack(flow_log(destination=None, traffic="REJECT"))).messages == [
        "VPC 'vpc' has no FlowLog with trafficType ALL delivering to a log group or an audit bucket of this stack "
        f"(FlowLog 'flow-logs-cloudwatch': trafficType is 'REJECT', logDestination '{GROUP_ARN}' is not joined to a "
        "log group or an audit bucket of this stack)"]


def test_one_complete_flow_log_is_enough():
    partial = flow_log("flow-logs-rejects", traffic="REJECT")
    assert run(POLICY, stack(partial, flow_log())).violations == []


def test_a_flow_log_of_another_vpc_does_not_count():
    other = FakeResource(VPC, "other-vpc", {"cidrBlock": "10.65.0.0/16"})
    assert run(POLICY, stack(other, flow_log(vpc="other-vpc"))).violations == [
        ("VPC 'vpc' has no FlowLog; required one with trafficType ALL delivering to a log group or an audit bucket "
         "of this stack", VPC_URN)]
