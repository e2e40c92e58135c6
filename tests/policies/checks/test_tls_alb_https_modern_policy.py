"""tls-alb-https-modern-policy: HTTPS/TLS listeners use an allowed policy and an ACM certificate."""
import pytest

from hipaa_pack.checks.tls_alb_https_modern_policy import POLICY
from tests.policies.fakes import PolicyConfigError, resolved_config, resource_args, run

LISTENER = "aws:lb/listener:Listener"
ALB_LISTENER = "aws:alb/listener:Listener"
CERT = "arn:aws:acm:us-east-1:111122223333:certificate/6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f"
ALLOWED = ("ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-TLS13-1-3-2021-06, "
           "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04, "
           "ELBSecurityPolicy-FS-1-2-Res-2020-10, ELBSecurityPolicy-FS-1-2-Res-2019-08")
FORWARD = {"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/t/1"}
REDIRECT = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}


def listener(changes=None, drop=(), resource_type=LISTENER, config=None):
    props = {"loadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/edge/1",
             "port": 443, "protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
             "certificateArn": CERT, "defaultActions": [FORWARD], **(changes or {})}
    props = {k: v for k, v in props.items() if k not in drop}
    return resource_args(resource_type, props, name="https", config=resolved_config(POLICY, config))


def test_passes_for_https_with_a_tls13_policy_and_an_acm_certificate():
    outcome = run(POLICY, listener())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_a_tls_listener_on_the_alb_token():
    assert run(POLICY, listener({"protocol": "TLS"}, resource_type=ALB_LISTENER)).violations == []


def test_passes_for_an_http_listener_that_only_redirects():
    assert run(POLICY, listener({"protocol": "HTTP", "port": 80, "defaultActions": [REDIRECT]},
                                drop=["sslPolicy", "certificateArn"])).violations == []


def test_fails_for_an_old_ssl_policy():
    assert run(POLICY, listener({"sslPolicy": "ELBSecurityPolicy-TLS-1-1-2017-01"})).messages == [
        f"listener 'https': sslPolicy is 'ELBSecurityPolicy-TLS-1-1-2017-01'; required one of {ALLOWED}"]


def test_fails_when_the_ssl_policy_is_left_to_the_aws_default():
    assert run(POLICY, listener(drop=["sslPolicy"])).messages == [
        f"listener 'https': sslPolicy is unset (HTTPS listeners then use ELBSecurityPolicy-2016-08); "
        f"required one of {ALLOWED}"]


def test_a_narrower_configured_list_applies():
    outcome = run(POLICY, listener(config={"allowedSslPolicies": ["ELBSecurityPolicy-TLS13-1-3-2021-06"]}))
    assert outcome.messages == ["listener 'https': sslPolicy is 'ELBSecurityPolicy-TLS13-1-2-2021-06'; required "
                                "one of ELBSecurityPolicy-TLS13-1-3-2021-06"]


def test_config_must_name_elb_security_policies():
    with pytest.raises(PolicyConfigError, match="tls-alb-https-modern-policy: allowedSslPolicies.0: 'TLSv1.2'"):
        resolved_config(POLICY, {"allowedSslPolicies": ["TLSv1.2"]})


def test_fails_for_a_certificate_that_is_not_from_acm():
    iam_cert = "arn:aws:iam::111122223333:server-certificate/legacy"
    assert run(POLICY, listener({"certificateArn": iam_cert})).messages == [
        f"listener 'https': certificateArn is '{iam_cert}'; required an ACM certificate ARN "
        f"(arn:aws:acm:<region>:<account>:certificate/<id>)"]


def test_fails_for_an_http_listener_that_forwards():
    assert run(POLICY, listener({"protocol": "HTTP", "port": 80}, drop=["sslPolicy", "certificateArn"])).messages == [
        "listener 'https': protocol is HTTP and defaultActions types are [\"forward\"]; required HTTPS or TLS, or "
        "an HTTP listener whose every default action is a redirect"]


def test_an_unset_protocol_is_http():
    assert run(POLICY, listener(drop=["protocol", "sslPolicy", "certificateArn"])).messages == [
        "listener 'https': protocol is unset (HTTP) and defaultActions types are [\"forward\"]; required HTTPS or "
        "TLS, or an HTTP listener whose every default action is a redirect"]


def test_fails_for_plain_tcp():
    assert run(POLICY, listener({"protocol": "TCP"}, drop=["sslPolicy", "certificateArn"])).messages == [
        "listener 'https': protocol is 'TCP'; required HTTPS or TLS (or an HTTP listener that only redirects)"]
