"""aud-log-retention: log groups and bucket lifecycle rules keep data for the retention targets."""
import datetime

import pytest

from hipaa_pack.checks.aud_log_retention import POLICY
from tests.policies.fakes import PolicyConfigError, resolved_config, resource_args, run

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LIFECYCLE_V2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"


def log_group(retention="unset", config=None):
    props = {"name": "/quome/audit/cloudtrail", "kmsKeyId": "arn:aws:kms:us-east-1:111111111111:key/k"}
    if retention != "unset":
        props["retentionInDays"] = retention
    return resource_args(LOG_GROUP, props, name="trail-logs", config=resolved_config(POLICY, config))


def rule(rule_id="keep-for-audit-retention", status="Enabled", days=2562, noncurrent_days=2562, **extra):
    body = {"id": rule_id, "status": status, "filter": {"prefix": ""},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}, **extra}
    if days is not None:
        body["expiration"] = {"days": days}
    if noncurrent_days is not None:
        body["noncurrentVersionExpiration"] = {"noncurrentDays": noncurrent_days}
    return body


def lifecycle(*rules, token=LIFECYCLE, config=None):
    return resource_args(token, {"bucket": "quome-access-logs", "rules": list(rules)}, name="access-logs-lifecycle",
                         config=resolved_config(POLICY, config))


# -- log groups

@pytest.mark.parametrize("retention", [365, 2557, 0, "unset"])
def test_passes_for_a_log_group_kept_long_enough_or_forever(retention):
    outcome = run(POLICY, log_group(retention))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_for_a_log_group_kept_too_briefly():
    assert run(POLICY, log_group(30)).violations == [
        ("log group 'trail-logs': retentionInDays is 30; required 0 (never expire) or at least 365",
         "urn:pulumi:test::quome-platform::aws:cloudwatch/logGroup:LogGroup::trail-logs")]


def test_the_configured_log_minimum_applies():
    assert run(POLICY, log_group(2192, config={"minLogRetentionDays": 2557})).messages == [
        "log group 'trail-logs': retentionInDays is 2192; required 0 (never expire) or at least 2557"]


def test_config_below_one_day_is_rejected_like_the_cli_would():
    with pytest.raises(PolicyConfigError, match="aud-log-retention: minLogRetentionDays: 0 is less than"):
        resolved_config(POLICY, {"minLogRetentionDays": 0})


# -- bucket lifecycle

@pytest.mark.parametrize("token", [LIFECYCLE, LIFECYCLE_V2])
def test_passes_for_rules_that_expire_after_the_target(token):
    outcome = run(POLICY, lifecycle(rule(), token=token))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_a_rule_that_expires_nothing():
    assert run(POLICY, lifecycle(rule(days=None, noncurrent_days=None))).violations == []


def test_fails_when_current_versions_expire_too_early():
    assert run(POLICY, lifecycle(rule(days=90))).messages == [
        "lifecycle configuration 'access-logs-lifecycle': rule 'keep-for-audit-retention' expiration.days is 90; "
        "required at least 2190"]


def test_fails_when_noncurrent_versions_expire_too_early():
    assert run(POLICY, lifecycle(rule(noncurrent_days=1))).messages == [
        "lifecycle configuration 'access-logs-lifecycle': rule 'keep-for-audit-retention' "
        "noncurrentVersionExpiration.noncurrentDays is 1; required at least 2190"]


def test_fails_for_an_expiration_date():
    assert run(POLICY, lifecycle(rule(days=None, expiration={"date": "2027-01-01T00:00:00Z"}))).messages == [
        "lifecycle configuration 'access-logs-lifecycle': rule 'keep-for-audit-retention' expiration.date is "
        "'2027-01-01T00:00:00Z'; required no date, because it deletes every object on that day whatever its age "
        "(use expiration.days of at least 2190)"]


def test_a_disabled_rule_is_ignored():
    assert run(POLICY, lifecycle(rule(status="Disabled", days=1, noncurrent_days=1))).violations == []


def test_a_rule_without_id_is_named_by_its_position():
    assert run(POLICY, lifecycle(rule(), rule(rule_id=None, days=30))).messages == [
        "lifecycle configuration 'access-logs-lifecycle': rule #1 expiration.days is 30; required at least 2190"]


def test_the_configured_object_minimum_applies():
    assert run(POLICY, lifecycle(rule(), config={"minObjectRetentionDays": 3650})).messages == [
        "lifecycle configuration 'access-logs-lifecycle': rule 'keep-for-audit-retention' expiration.days is 2562; "
        "required at least 3650",
        "lifecycle configuration 'access-logs-lifecycle': rule 'keep-for-audit-retention' "
        "noncurrentVersionExpiration.noncurrentDays is 2562; required at least 3650"]


def test_an_exemption_documents_a_bucket_whose_data_may_expire_sooner():
    config = {"exemptions": [{"resource": "scratch-lifecycle", "reason": "scratch data, no PHI, kept 30 days",
                              "expires": "2026-12-31"}]}
    args = resource_args(LIFECYCLE, {"rules": [rule(days=30)]}, name="scratch-lifecycle",
                         config=resolved_config(POLICY, config))
    outcome = run(POLICY, args, today=datetime.date(2026, 1, 15))
    assert outcome.not_applicable == "exempted until 2026-12-31: scratch data, no PHI, kept 30 days"
    assert outcome.violations == []
