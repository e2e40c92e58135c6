"""aud-s3-access-logging: every bucket logs to a log-sink bucket, joined through bucket and targetBucket."""
from hipaa_pack.checks.aud_s3_access_logging import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LOGGING_V2 = "aws:s3/bucketLoggingV2:BucketLoggingV2"
LB = "aws:lb/loadBalancer:LoadBalancer"
SINK_TAGS = {"quome:log-sink": "s3-access-logs", "quome:purpose": "s3-access-logs"}
PHI_URN = urn_for(BUCKET, "phi")
SINK_URN = urn_for(BUCKET, "access-logs")
REQUIRED = "required a bucket tagged quome:log-sink 's3-access-logs' of this stack (target_bucket=<sink>.id)"
NO_LOGGING = ("bucket 'phi' has no BucketLogging; required one whose targetBucket is a bucket tagged quome:log-sink "
              "'s3-access-logs'")
SINK_NOT_APPLICABLE = {"access-logs": "log-sink bucket (s3-access-logs): logging a sink into a sink would log its "
                                       "own deliveries forever"}


def logging(name="phi-access-logging", target="access-logs", token=LOGGING, source="phi"):
    deps = {"bucket": source}
    if target is not None:
        deps["targetBucket"] = target
    return FakeResource(token, name, {"bucket": f"quome-{source}", "targetBucket": "quome-access-logs",
                                      "targetPrefix": f"quome-{source}/"}, property_dependencies=deps)


def stack(*extra, bucket_type=BUCKET, phi_tags=None, sink_tags=SINK_TAGS):
    """The sink, the audit bucket logging into it (so the sink really receives access logs) and 'phi',
    whose own logging each test adds or changes."""
    resources = [FakeResource(BUCKET, "access-logs", {"bucket": "quome-access-logs", "tags": sink_tags}),
                 FakeResource(BUCKET, "audit", {"bucket": "quome-audit"}),
                 logging(name="audit-access-logging", source="audit"),
                 FakeResource(bucket_type, "phi", {"bucket": "quome-phi", "tags": phi_tags or {}}), *extra]
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_when_the_bucket_logs_to_the_sink_and_the_sink_is_listed_not_applicable():
    outcome = run(POLICY, stack(logging()))
    assert outcome.violations == []
    assert outcome.not_applicable_to == SINK_NOT_APPLICABLE


def test_fails_without_bucket_logging():
    assert run(POLICY, stack()).violations == [(NO_LOGGING, PHI_URN)]


def test_fails_when_the_target_is_not_a_log_sink():
    other = FakeResource(BUCKET, "scratch", {"bucket": "quome-scratch"})
    scratch_logging = logging(name="scratch-access-logging", source="scratch")
    assert run(POLICY, stack(logging(target="scratch"), other, scratch_logging)).violations == [
        (f"bucket 'phi': BucketLogging 'phi-access-logging' targetBucket is bucket 'scratch', which is not tagged "
         f"quome:log-sink; {REQUIRED}", PHI_URN)]


def test_fails_when_the_target_is_a_sink_of_another_kind():
    alb_sink = FakeResource(BUCKET, "alb-logs", {"bucket": "quome-alb-logs",
                                                 "tags": {"quome:log-sink": "alb-access-logs"}})
    edge = FakeResource(LB, "edge", {"accessLogs": {"enabled": True, "bucket": "quome-alb-logs"}},
                        property_dependencies={"accessLogs": "alb-logs"})
    outcome = run(POLICY, stack(logging(target="alb-logs"), alb_sink, edge))
    assert outcome.violations == [
        (f"bucket 'phi': BucketLogging 'phi-access-logging' targetBucket is bucket 'alb-logs', whose tag "
         f"quome:log-sink is 'alb-access-logs'; {REQUIRED}", PHI_URN)]
    assert outcome.not_applicable_to == {
        **SINK_NOT_APPLICABLE,
        "alb-logs": "log-sink bucket (alb-access-logs): logging a sink into a sink would log its own deliveries "
                    "forever",
    }


def test_fails_when_the_target_is_a_literal_name():
    assert run(POLICY, stack(logging(target=None))).messages == [
        f"bucket 'phi': BucketLogging 'phi-access-logging' targetBucket is 'quome-access-logs', which is not joined "
        f"to a bucket of this stack; {REQUIRED}"]


def test_fails_when_two_logging_resources_compete():
    assert run(POLICY, stack(logging(), logging(name="phi-access-logging-2"))).messages == [
        "bucket 'phi' has 2 BucketLogging resources ('phi-access-logging', 'phi-access-logging-2'); "
        "required exactly one"]


def test_an_unknown_log_sink_kind_is_reported_and_the_bucket_must_log():
    outcome = run(POLICY, stack(phi_tags={"quome:log-sink": "phi-archive"}))
    assert outcome.violations == [
        ("bucket 'phi': tag quome:log-sink is 'phi-archive', not a known sink kind; required 's3-access-logs' or "
         "'alb-access-logs' to be treated as a log sink", PHI_URN),
        (NO_LOGGING, PHI_URN)]


def test_a_log_sink_tag_on_a_bucket_nothing_delivers_to_is_reported_and_the_bucket_must_log():
    outcome = run(POLICY, stack(phi_tags={"quome:log-sink": "s3-access-logs"}))
    assert outcome.violations == [
        ("bucket 'phi': tag quome:log-sink is 's3-access-logs', but no BucketLogging of another bucket in this stack "
         "delivers to it; required one whose targetBucket is joined to it and equals its bucket name "
         "(target_bucket=<sink>.id; while unknown, joined to no other bucket) to be treated as a log sink", PHI_URN),
        (NO_LOGGING, PHI_URN)]
    assert outcome.not_applicable_to == SINK_NOT_APPLICABLE


def test_deprecated_v2_tokens_are_checked_too():
    assert run(POLICY, stack(logging(token=LOGGING_V2), bucket_type=BUCKET_V2)).violations == []
    assert run(POLICY, stack(bucket_type=BUCKET_V2)).violations == [(NO_LOGGING, urn_for(BUCKET_V2, "phi"))]
