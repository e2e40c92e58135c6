"""aud-audit-bucket-object-lock: buckets a trail writes to, or tagged quome:purpose audit, are locked in
compliance mode for the retention period."""
import pytest

from hipaa_pack.checks.aud_audit_bucket_object_lock import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
LOCK_V2 = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
TRAIL = "aws:cloudtrail/trail:Trail"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LB = "aws:lb/loadBalancer:LoadBalancer"
AUDIT_URN = urn_for(BUCKET, "audit")
SINK_URN = urn_for(BUCKET, "access-logs")
# What a sink bucket that earns no exemption is told: it has no lock at all.
SINK_UNLOCKED = [
    ("audit bucket 'access-logs': objectLockEnabled is unset; required true (it can only be turned on when the "
     "bucket is created)", SINK_URN),
    ("audit bucket 'access-logs' has no BucketObjectLockConfiguration; required one with "
     "rule.defaultRetention.mode COMPLIANCE for at least 2190 days", SINK_URN)]


def lock(mode="COMPLIANCE", years=7, days=None, name="audit-object-lock", bucket="audit", token=LOCK):
    retention = {"mode": mode}
    if years is not None:
        retention["years"] = years
    if days is not None:
        retention["days"] = days
    return FakeResource(token, name, {"bucket": "quome-audit", "rule": {"defaultRetention": retention}},
                        property_dependencies={"bucket": bucket})


def trail(bucket="audit"):
    deps = {"s3BucketName": bucket} if bucket else {}
    return FakeResource(TRAIL, "trail", {"name": "quome-audit", "s3BucketName": "quome-audit"},
                        property_dependencies=deps)


def audit_bucket(tags=None, object_lock=True, token=BUCKET, name="audit"):
    props = {"bucket": f"quome-{name}", "tags": {"quome:purpose": "audit"} if tags is None else tags}
    if object_lock is not None:
        props["objectLockEnabled"] = object_lock
    return FakeResource(token, name, props)


def stack(*resources, config=None):
    return stack_args(list(resources), config=resolved_config(POLICY, config))


def test_passes_for_a_trail_bucket_locked_in_compliance_mode_for_seven_years():
    outcome = run(POLICY, stack(audit_bucket(), lock(), trail()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_the_trail_destination_is_an_audit_bucket_even_without_the_tag():
    outcome = run(POLICY, stack(audit_bucket(tags={}, object_lock=False), lock(), trail()))
    assert outcome.messages == ["audit bucket 'audit': objectLockEnabled is false; required true (it can only be "
                                "turned on when the bucket is created)"]


def test_a_bucket_tagged_audit_is_held_to_the_lock_without_a_trail():
    assert run(POLICY, stack(audit_bucket())).violations == [
        ("audit bucket 'audit' has no BucketObjectLockConfiguration; required one with rule.defaultRetention.mode "
         "COMPLIANCE for at least 2190 days", AUDIT_URN)]


def test_other_buckets_are_not_audit_buckets():
    outcome = run(POLICY, stack(FakeResource(BUCKET, "artifacts", {"bucket": "quome-artifacts"})))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_object_lock_is_not_enabled_on_the_bucket():
    assert run(POLICY, stack(audit_bucket(object_lock=None), lock(), trail())).messages == [
        "audit bucket 'audit': objectLockEnabled is unset; required true (it can only be turned on when the bucket "
        "is created)"]


def test_fails_in_governance_mode():
    assert run(POLICY, stack(audit_bucket(), lock(mode="GOVERNANCE"), trail())).messages == [
        "audit bucket 'audit': BucketObjectLockConfiguration 'audit-object-lock' rule.defaultRetention.mode is "
        "'GOVERNANCE'; required 'COMPLIANCE' (governance mode can be bypassed)"]


def test_fails_when_the_retention_in_years_is_too_short():
    assert run(POLICY, stack(audit_bucket(), lock(years=1), trail())).messages == [
        "audit bucket 'audit': BucketObjectLockConfiguration 'audit-object-lock' rule.defaultRetention.years is 1 "
        "(365 days); required at least 2190 days"]


def test_fails_when_the_retention_in_days_is_too_short():
    assert run(POLICY, stack(audit_bucket(), lock(years=None, days=365), trail())).messages == [
        "audit bucket 'audit': BucketObjectLockConfiguration 'audit-object-lock' rule.defaultRetention.days is 365; "
        "required at least 2190 days"]


def test_fails_when_the_retention_has_no_period():
    assert run(POLICY, stack(audit_bucket(), lock(years=None), trail())).messages == [
        "audit bucket 'audit': BucketObjectLockConfiguration 'audit-object-lock' rule.defaultRetention sets neither "
        "days nor years; required at least 2190 days"]


@pytest.mark.parametrize("years, passes", [(10, True), (9, False)])
def test_the_configured_minimum_counts_years_as_365_days(years, passes):
    outcome = run(POLICY, stack(audit_bucket(), lock(years=years), trail(), config={"minRetentionDays": 3650}))
    assert outcome.messages == ([] if passes else [
        "audit bucket 'audit': BucketObjectLockConfiguration 'audit-object-lock' rule.defaultRetention.years is 9 "
        "(3285 days); required at least 3650 days"])


def test_fails_when_two_lock_configurations_compete():
    outcome = run(POLICY, stack(audit_bucket(), lock(), lock(name="audit-object-lock-2"), trail()))
    assert outcome.messages == [
        "audit bucket 'audit' has 2 BucketObjectLockConfiguration resources ('audit-object-lock', "
        "'audit-object-lock-2'); required exactly one"]


def test_deprecated_v2_tokens_are_checked_too():
    outcome = run(POLICY, stack(audit_bucket(token=BUCKET_V2), lock(mode="GOVERNANCE", token=LOCK_V2), trail()))
    assert outcome.violations == [
        ("audit bucket 'audit': BucketObjectLockConfiguration 'audit-object-lock' rule.defaultRetention.mode is "
         "'GOVERNANCE'; required 'COMPLIANCE' (governance mode can be bypassed)", urn_for(BUCKET_V2, "audit"))]


def access_log_sink(tags=None, name="access-logs", delivered=True):
    """A bucket tagged as the S3 access-log sink (and quome:purpose audit, so this control sees it), with
    object lock off, and, when `delivered`, the audit bucket's BucketLogging writing into it."""
    sink_tags = {"quome:log-sink": "s3-access-logs", "quome:purpose": "audit"} if tags is None else tags
    resources = [audit_bucket(tags=sink_tags, object_lock=None, name=name)]
    if delivered:
        resources.append(FakeResource(LOGGING, "audit-access-logging",
                                      {"targetBucket": f"quome-{name}", "targetPrefix": "quome-audit/"},
                                      property_dependencies={"bucket": "audit", "targetBucket": name}))
    return resources


def audit_sink_refused(kind):
    return (f"bucket 'access-logs': tag quome:log-sink is '{kind}', but tag quome:purpose is 'audit'; an audit "
            f"bucket is never treated as a log sink (its logs must be WORM and encrypted with a customer-managed "
            f"key); required no quome:log-sink tag on it")


def test_the_platforms_access_log_sink_is_no_audit_bucket():
    # components/audit_trail.py tags its sink quome:purpose "s3-access-logs", so this control never sees it.
    sink = access_log_sink(tags={"quome:log-sink": "s3-access-logs", "quome:purpose": "s3-access-logs"})
    outcome = run(POLICY, stack(audit_bucket(), lock(), trail(), *sink))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_an_audit_bucket_that_receives_access_logs_is_still_held_to_the_lock():
    # A throwaway bucket's BucketLogging into an audit bucket must not take the audit bucket out of WORM.
    outcome = run(POLICY, stack(audit_bucket(), lock(), trail(), *access_log_sink()))
    assert outcome.not_applicable is None
    assert outcome.violations == [(audit_sink_refused("s3-access-logs"), SINK_URN), *SINK_UNLOCKED]


def test_an_audit_bucket_that_receives_alb_logs_is_still_held_to_the_lock():
    sink = access_log_sink(tags={"quome:log-sink": "alb-access-logs", "quome:purpose": "audit"}, delivered=False)
    logging_lb = FakeResource(LB, "edge", {"accessLogs": {"enabled": True, "bucket": "quome-access-logs"}},
                              property_dependencies={"accessLogs": "access-logs"})
    outcome = run(POLICY, stack(audit_bucket(), lock(), trail(), *sink, logging_lb))
    assert outcome.not_applicable is None
    assert outcome.violations == [(audit_sink_refused("alb-access-logs"), SINK_URN), *SINK_UNLOCKED]


def test_an_audit_bucket_with_an_unknown_log_sink_kind_is_held_to_the_lock():
    sink = access_log_sink(tags={"quome:log-sink": "audit-logs", "quome:purpose": "audit"})
    outcome = run(POLICY, stack(audit_bucket(), lock(), trail(), *sink))
    assert outcome.not_applicable is None
    assert outcome.violations == [(audit_sink_refused("audit-logs"), SINK_URN), *SINK_UNLOCKED]


TRAIL_SINK_REFUSED = ("bucket 'access-logs': tag quome:log-sink is 's3-access-logs', but trail 'trail' writes to "
                      "it; a trail's bucket is never treated as a log sink (its logs must be WORM and encrypted with "
                      "a customer-managed key); required no quome:log-sink tag on it")


def test_a_trail_destination_tagged_as_a_log_sink_is_held_to_the_lock():
    outcome = run(POLICY, stack(audit_bucket(), lock(), *access_log_sink(), trail(bucket="access-logs")))
    assert outcome.not_applicable is None
    assert outcome.violations == [
        (TRAIL_SINK_REFUSED, SINK_URN),
        *SINK_UNLOCKED]


def test_a_trail_destination_without_the_audit_tag_is_held_to_the_lock_though_logs_are_delivered():
    sink = access_log_sink(tags={"quome:log-sink": "s3-access-logs"})
    outcome = run(POLICY, stack(audit_bucket(), lock(), *sink, trail(bucket="access-logs")))
    assert outcome.not_applicable is None
    assert outcome.violations == [
        (TRAIL_SINK_REFUSED, SINK_URN),
        *SINK_UNLOCKED]


def test_a_trail_writing_to_another_stacks_bucket_is_not_applicable():
    outcome = run(POLICY, stack(trail(bucket=None)))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "trail": "writes to bucket 'quome-audit', which is not created in this stack; its object lock is checked "
                 "where it is"}
