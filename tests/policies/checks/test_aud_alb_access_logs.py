"""aud-alb-access-logs: load balancers write access logs to the log-sink bucket."""
import pytest

from hipaa_pack.checks.aud_alb_access_logs import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"
SINK = "quome-access-logs-111111111111-us-east-1"


def load_balancer(access_logs=None, drop=(), token=LB, **props):
    logs = {k: v for k, v in {"enabled": True, "bucket": SINK, "prefix": "alb", **(access_logs or {})}.items()
            if k not in drop}
    return resource_args(token, {"loadBalancerType": "application", "internal": False, "accessLogs": logs, **props},
                         name="edge", config=resolved_config(POLICY))


@pytest.mark.parametrize("token", [LB, ALB])
def test_passes_when_access_logs_go_to_the_sink(token):
    outcome = run(POLICY, load_balancer(token=token))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_access_logs_are_disabled():
    assert run(POLICY, load_balancer({"enabled": False})).messages == [
        "load balancer 'edge': accessLogs.enabled is false; required true"]


def test_fails_when_enabled_is_unset_because_the_provider_defaults_to_off():
    assert run(POLICY, load_balancer(drop=["enabled"])).messages == [
        "load balancer 'edge': accessLogs.enabled is unset (default false); required true"]


def test_fails_without_a_bucket():
    assert run(POLICY, load_balancer({"bucket": ""})).messages == [
        "load balancer 'edge': accessLogs.bucket is ''; required the log-sink bucket"]


def test_the_alb_alias_token_is_checked_too():
    assert run(POLICY, load_balancer({"enabled": False}, token=ALB)).messages == [
        "load balancer 'edge': accessLogs.enabled is false; required true"]


def test_fails_when_access_logs_are_not_configured_at_all():
    args = resource_args(LB, {"loadBalancerType": "network"}, name="edge", config=resolved_config(POLICY))
    assert run(POLICY, args).messages == [
        "load balancer 'edge': accessLogs is unset; required enabled true and bucket set to the log-sink bucket"]


def test_not_applicable_to_gateway_load_balancers():
    outcome = run(POLICY, load_balancer({"enabled": False}, loadBalancerType="gateway"))
    assert outcome.not_applicable == ("gateway load balancers have no access logs (they pass traffic through at "
                                      "layer 3)")
    assert outcome.violations == []
