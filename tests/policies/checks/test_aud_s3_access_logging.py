"""aud-s3-access-logging: every bucket logs to a log-sink bucket, joined through bucket and targetBucket."""
from hipaa_pack.checks.aud_s3_access_logging import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LOGGING_V2 = "aws:s3/bucketLoggingV2:BucketLoggingV2"
SINK_TAGS = {"quome:log-sink": "s3-access-logs", "quome:purpose": "s3-access-logs"}
PHI_URN = urn_for(BUCKET, "phi")
REQUIRED = "required a bucket tagged quome:log-sink of this stack (target_bucket=<sink>.id)"


def logging(name="phi-access-logging", target="access-logs", token=LOGGING):
    deps = {"bucket": "phi"}
    if target is not None:
        deps["targetBucket"] = target
    return FakeResource(token, name, {"bucket": "quome-phi", "targetBucket": "quome-access-logs",
                                      "targetPrefix": "quome-phi/"}, property_dependencies=deps)


def stack(*extra, bucket_type=BUCKET):
    resources = [FakeResource(BUCKET, "access-logs", {"bucket": "quome-access-logs", "tags": SINK_TAGS}),
                 FakeResource(bucket_type, "phi", {"bucket": "quome-phi"}), *extra]
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_when_the_bucket_logs_to_the_sink_and_the_sink_is_listed_not_applicable():
    outcome = run(POLICY, stack(logging()))
    assert outcome.violations == []
    assert outcome.not_applicable == ("access-logs: log-sink bucket (s3-access-logs): logging a sink into a sink "
                                      "would log its own deliveries forever")


def test_fails_without_bucket_logging():
    assert run(POLICY, stack()).violations == [
        ("bucket 'phi' has no BucketLogging; required one whose targetBucket is a bucket tagged quome:log-sink",
         PHI_URN)]


def test_fails_when_the_target_is_not_a_log_sink():
    other = FakeResource(BUCKET, "scratch", {"bucket": "quome-scratch"})
    scratch_logging = FakeResource(LOGGING, "scratch-access-logging", {"targetBucket": "quome-access-logs"},
                                   property_dependencies={"bucket": "scratch", "targetBucket": "access-logs"})
    assert run(POLICY, stack(logging(target="scratch"), other, scratch_logging)).violations == [
        (f"bucket 'phi': BucketLogging 'phi-access-logging' targetBucket is bucket 'scratch', which is not tagged "
         f"quome:log-sink; {REQUIRED}", PHI_URN)]


def test_fails_when_the_target_is_a_literal_name():
    assert run(POLICY, stack(logging(target=None))).messages == [
        f"bucket 'phi': BucketLogging 'phi-access-logging' targetBucket is 'quome-access-logs', which is not joined "
        f"to a bucket of this stack; {REQUIRED}"]


def test_fails_when_two_logging_resources_compete():
    assert run(POLICY, stack(logging(), logging(name="phi-access-logging-2"))).messages == [
        "bucket 'phi' has 2 BucketLogging resources ('phi-access-logging', 'phi-access-logging-2'); "
        "required exactly one"]


def test_deprecated_v2_tokens_are_checked_too():
    assert run(POLICY, stack(logging(token=LOGGING_V2), bucket_type=BUCKET_V2)).violations == []
    assert run(POLICY, stack(bucket_type=BUCKET_V2)).violations == [
        ("bucket 'phi' has no BucketLogging; required one whose targetBucket is a bucket tagged quome:log-sink",
         urn_for(BUCKET_V2, "phi"))]
