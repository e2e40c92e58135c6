"""tls-alb-http-redirect: plain-HTTP listeners only redirect to HTTPS."""
from hipaa_pack.checks.tls_alb_http_redirect import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

LISTENER = "aws:lb/listener:Listener"
ALB_LISTENER = "aws:alb/listener:Listener"
REDIRECT = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
FORWARD = {"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/t/1"}


def listener(actions=None, protocol="HTTP", resource_type=LISTENER, redirect=None):
    if actions is None:
        actions = [{**REDIRECT, "redirect": {**REDIRECT["redirect"], **(redirect or {})}}]
    props = {"port": 80, "defaultActions": actions}
    if protocol is not None:
        props["protocol"] = protocol
    return resource_args(resource_type, props, name="http", config=resolved_config(POLICY))


def test_passes_for_a_permanent_redirect_to_https():
    outcome = run(POLICY, listener())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_a_temporary_redirect_on_the_alb_token():
    assert run(POLICY, listener(redirect={"statusCode": "HTTP_302"}, resource_type=ALB_LISTENER)).violations == []


def test_fails_for_a_forward():
    assert run(POLICY, listener([FORWARD])).messages == [
        "listener 'http': defaultActions[0].type is 'forward'; required 'redirect' to HTTPS"]


def test_fails_for_a_redirect_that_stays_on_http():
    assert run(POLICY, listener(redirect={"protocol": "HTTP"})).messages == [
        "listener 'http': defaultActions[0].redirect.protocol is 'HTTP'; required 'HTTPS'"]


def test_fails_for_a_redirect_without_a_status_code():
    assert run(POLICY, listener(actions=[{"type": "redirect", "redirect": {"protocol": "HTTPS"}}])).messages == [
        "listener 'http': defaultActions[0].redirect.statusCode is unset; required HTTP_301 or HTTP_302"]


def test_fails_for_more_than_one_default_action():
    assert run(POLICY, listener([REDIRECT, FORWARD])).messages == [
        "listener 'http': an HTTP listener has 2 defaultActions; required exactly one, a redirect to HTTPS"]


def test_an_unset_protocol_is_http():
    assert run(POLICY, listener([FORWARD], protocol=None)).messages == [
        "listener 'http': defaultActions[0].type is 'forward'; required 'redirect' to HTTPS"]


def test_not_applicable_to_https_listeners():
    outcome = run(POLICY, listener([FORWARD], protocol="HTTPS"))
    assert outcome.not_applicable == "listener 'http' uses HTTPS; only plain-HTTP listeners must redirect"
    assert outcome.violations == []
