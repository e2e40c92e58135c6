"""aud-cloudtrail-log-validation: the trail signs hourly digests of what it delivered."""
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE

from hipaa_pack.checks.aud_cloudtrail_log_validation import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

TRAIL = "aws:cloudtrail/trail:Trail"
COMPLIANT = {"name": "quome-audit", "s3BucketName": "quome-audit-111111111111-us-east-1",
             "enableLogFileValidation": True}


def trail(changes=None, drop=()):
    props = {k: v for k, v in {**COMPLIANT, **(changes or {})}.items() if k not in drop}
    return resource_args(TRAIL, props, name="audit-trail", config=resolved_config(POLICY))


def test_passes_when_log_file_validation_is_on():
    outcome = run(POLICY, trail())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_log_file_validation_is_off():
    assert run(POLICY, trail({"enableLogFileValidation": False})).violations == [
        ("trail 'audit-trail': enableLogFileValidation is false; required true",
         "urn:pulumi:test::quome-platform::aws:cloudtrail/trail:Trail::audit-trail")]


def test_fails_when_log_file_validation_is_unset_because_aws_defaults_to_off():
    assert run(POLICY, trail(drop=["enableLogFileValidation"])).messages == [
        "trail 'audit-trail': enableLogFileValidation is unset; required true"]


def test_other_resource_types_are_not_evaluated():
    outcome = run(POLICY, resource_args("aws:s3/bucket:Bucket", {"bucket": "quome-audit"}, name="audit"))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_an_unknown_value_during_preview_defers_the_check():
    outcome = run(POLICY, trail({"enableLogFileValidation": UNKNOWN_BOOLEAN_VALUE}))
    assert outcome.unknown == "boolean value at .enableLogFileValidation can't be known during preview"
    assert outcome.violations == []
