"""tls-alb-drop-invalid-headers: application load balancers drop invalid header fields."""
from hipaa_pack.checks.tls_alb_drop_invalid_headers import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"


def load_balancer(changes=None, drop=(), resource_type=LB):
    props = {k: v for k, v in {"loadBalancerType": "application", "internal": False, "dropInvalidHeaderFields": True,
                               **(changes or {})}.items() if k not in drop}
    return resource_args(resource_type, props, name="edge", config=resolved_config(POLICY))


def test_passes_when_invalid_headers_are_dropped():
    outcome = run(POLICY, load_balancer())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_invalid_headers_pass_through():
    assert run(POLICY, load_balancer({"dropInvalidHeaderFields": False})).messages == [
        "application load balancer 'edge': dropInvalidHeaderFields is false; required true"]


def test_an_unset_type_is_an_application_load_balancer_on_the_alb_token_too():
    assert run(POLICY, load_balancer(drop=["loadBalancerType", "dropInvalidHeaderFields"],
                                     resource_type=ALB)).messages == [
        "application load balancer 'edge': dropInvalidHeaderFields is unset; required true"]


def test_not_applicable_to_network_load_balancers():
    outcome = run(POLICY, load_balancer({"loadBalancerType": "network"}, drop=["dropInvalidHeaderFields"]))
    assert outcome.not_applicable == ("load balancer 'edge' is a network load balancer; only application load "
                                      "balancers parse HTTP headers")
    assert outcome.violations == []
