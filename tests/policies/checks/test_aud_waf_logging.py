"""aud-waf-logging: every web ACL is the resourceArn of a logging configuration with a destination that
redacts the authorization and cookie headers."""
from hipaa_pack.checks.aud_waf_logging import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
ACL_URN = urn_for(WEB_ACL, "edge-acl")
DESTINATION = "arn:aws:logs:us-east-1:111111111111:log-group:aws-waf-logs-quome-edge"


def logging_config(headers=("authorization", "cookie"), destinations=(DESTINATION,), name="edge-acl-logging",
                   acl="edge-acl"):
    props = {"resourceArn": "arn:aws:wafv2:us-east-1:111111111111:regional/webacl/edge/1",
             "logDestinationConfigs": list(destinations),
             "redactedFields": [{"singleHeader": {"name": header}} for header in headers]}
    return FakeResource(LOGGING, name, props, property_dependencies={"resourceArn": acl} if acl else {})


def stack(*resources):
    acl = FakeResource(WEB_ACL, "edge-acl", {"name": "quome-edge", "scope": "REGIONAL"})
    return stack_args([acl, *resources], config=resolved_config(POLICY))


def test_passes_when_the_acl_logs_with_credentials_redacted():
    outcome = run(POLICY, stack(logging_config()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_header_names_match_case_insensitively():
    assert run(POLICY, stack(logging_config(("Authorization", "Cookie")))).violations == []


def test_fails_without_a_logging_configuration():
    assert run(POLICY, stack()).violations == [
        ("web ACL 'edge-acl' has no WebAclLoggingConfiguration; required one with a log destination that redacts "
         "the authorization and cookie headers", ACL_URN)]


def test_a_configuration_naming_the_acl_literally_does_not_join():
    assert run(POLICY, stack(logging_config(acl=None))).messages == [
        "web ACL 'edge-acl' has no WebAclLoggingConfiguration; required one with a log destination that redacts "
        "the authorization and cookie headers"]


def test_fails_without_a_log_destination():
    assert run(POLICY, stack(logging_config(destinations=()))).messages == [
        "web ACL 'edge-acl': WebAclLoggingConfiguration 'edge-acl-logging' has no logDestinationConfigs; required at "
        "least one log destination"]


def test_fails_when_the_cookie_header_is_logged():
    assert run(POLICY, stack(logging_config(("authorization",)))).messages == [
        "web ACL 'edge-acl': WebAclLoggingConfiguration 'edge-acl-logging' redactedFields redact the headers "
        "authorization; required authorization and cookie redacted (missing cookie)"]


def test_fails_when_nothing_is_redacted():
    assert run(POLICY, stack(logging_config(()))).messages == [
        "web ACL 'edge-acl': WebAclLoggingConfiguration 'edge-acl-logging' redactedFields redact no header; "
        "required authorization and cookie redacted (missing authorization, cookie)"]


def test_fails_when_two_configurations_compete():
    assert run(POLICY, stack(logging_config(), logging_config(name="edge-acl-logging-2"))).messages == [
        "web ACL 'edge-acl' has 2 WebAclLoggingConfiguration resources ('edge-acl-logging', 'edge-acl-logging-2'); "
        "required exactly one"]
