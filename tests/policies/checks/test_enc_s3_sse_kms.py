"""enc-s3-sse-kms: a bucket joined to its SSE configuration through property_dependencies["bucket"]."""
import datetime

from hipaa_pack.checks.enc_s3_sse_kms import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
KEY = "aws:kms/key:Key"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LB = "aws:alb/loadBalancer:LoadBalancer"
KEY_ARN = "arn:aws:kms:eu-central-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
PHI_URN = urn_for(BUCKET, "phi")


def kms_rule(algorithm="aws:kms", key_id=KEY_ARN, bucket_key=True):
    default = {"sseAlgorithm": algorithm}
    if key_id is not None:
        default["kmsMasterKeyId"] = key_id
    rule = {"applyServerSideEncryptionByDefault": default}
    if bucket_key is not None:
        rule["bucketKeyEnabled"] = bucket_key
    return rule


def stack(*rules, bucket_type=BUCKET, sse_type=SSE, bucket_tags=None, extra=(), config=None):
    """One key, the bucket 'phi' and, when rules are given, its configuration 'phi-sse'."""
    resources = [FakeResource(KEY, "data-key", {"arn": KEY_ARN}),
                 FakeResource(bucket_type, "phi", {"bucket": "quome-phi", "tags": bucket_tags or {}})]
    if rules:
        resources.append(FakeResource(sse_type, "phi-sse", {"bucket": "quome-phi", "rules": list(rules)},
                                      property_dependencies={"bucket": "phi"}))
    resources.extend(extra)
    return stack_args(resources, config=resolved_config(POLICY, config))


def test_passes_for_sse_kms_with_a_customer_key_and_bucket_key():
    outcome = run(POLICY, stack(kms_rule()))
    assert outcome.violations == []
    assert outcome.not_applicable is None


def test_passes_for_dsse_kms_without_bucket_key():
    assert run(POLICY, stack(kms_rule("aws:kms:dsse", bucket_key=None))).violations == []


def test_fails_when_the_bucket_has_no_sse_configuration():
    assert run(POLICY, stack()).violations == [
        ("bucket 'phi' has no BucketServerSideEncryptionConfiguration; required one with sseAlgorithm "
         "aws:kms or aws:kms:dsse", PHI_URN)]


def test_a_configuration_naming_the_bucket_literally_does_not_join():
    literal = FakeResource(SSE, "phi-sse", {"bucket": "quome-phi", "rules": [kms_rule()]})
    resources = [FakeResource(BUCKET, "phi", {"bucket": "quome-phi"}), literal]
    assert run(POLICY, stack_args(resources, config=resolved_config(POLICY))).messages == [
        "bucket 'phi' has no BucketServerSideEncryptionConfiguration; required one with sseAlgorithm "
        "aws:kms or aws:kms:dsse"]


def test_fails_when_two_configurations_compete_for_one_bucket():
    second = FakeResource(SSE, "phi-sse-2", {"rules": [kms_rule()]}, property_dependencies={"bucket": "phi"})
    assert run(POLICY, stack(kms_rule(), extra=[second])).messages == [
        "bucket 'phi' has 2 BucketServerSideEncryptionConfiguration resources ('phi-sse', 'phi-sse-2'); "
        "required exactly one"]


def test_fails_for_sse_s3():
    assert run(POLICY, stack(kms_rule("AES256", key_id=None, bucket_key=None))).messages == [
        "bucket 'phi': sseAlgorithm is 'AES256'; required aws:kms or aws:kms:dsse"]


def test_fails_without_a_kms_key():
    assert run(POLICY, stack(kms_rule(key_id=None))).messages == [
        "bucket 'phi': kmsMasterKeyId is unset, which means the AWS-managed aws/s3 key; "
        "required a customer-managed KMS key"]


def test_fails_for_the_aws_managed_alias():
    assert run(POLICY, stack(kms_rule(key_id="arn:aws:kms:eu-central-1:111122223333:alias/aws/s3"))).messages == [
        "bucket 'phi': kmsMasterKeyId is 'arn:aws:kms:eu-central-1:111122223333:alias/aws/s3' (AWS-managed); "
        "required a customer-managed KMS key"]


def test_fails_when_bucket_key_is_off():
    assert run(POLICY, stack(kms_rule(bucket_key=False))).messages == [
        "bucket 'phi': bucketKeyEnabled is false; required true with aws:kms"]


def test_fails_when_the_configuration_has_no_default_rule():
    assert run(POLICY, stack({"bucketKeyEnabled": True})).messages == [
        "bucket 'phi': BucketServerSideEncryptionConfiguration 'phi-sse' has no "
        "applyServerSideEncryptionByDefault rule; required sseAlgorithm aws:kms"]


def test_deprecated_v2_tokens_are_checked_too():
    outcome = run(POLICY, stack(kms_rule("AES256", key_id=None, bucket_key=None),
                                bucket_type="aws:s3/bucketV2:BucketV2",
                                sse_type=SSE.replace("Configuration:", "ConfigurationV2:") + "V2"))
    assert outcome.violations == [("bucket 'phi': sseAlgorithm is 'AES256'; required aws:kms or aws:kms:dsse",
                                   urn_for("aws:s3/bucketV2:BucketV2", "phi"))]


SSE_S3 = kms_rule("AES256", key_id=None, bucket_key=None)
SINK_TAGS = {"quome:log-sink": "s3-access-logs"}
# The audit bucket's access logs delivered into 'phi', which makes a tagged 'phi' a real log sink.
DELIVERY = [FakeResource(BUCKET, "audit", {"bucket": "quome-audit"}),
            FakeResource(SSE, "audit-sse", {"rules": [kms_rule()]}, property_dependencies={"bucket": "audit"}),
            FakeResource(LOGGING, "audit-access-logging", {"targetBucket": "quome-phi", "targetPrefix": "quome-audit/"},
                         property_dependencies={"bucket": "audit", "targetBucket": "phi"})]


def test_log_sink_with_sse_s3_is_listed_as_not_applicable():
    outcome = run(POLICY, stack(SSE_S3, bucket_tags=SINK_TAGS, extra=DELIVERY))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "phi": "log-sink bucket (s3-access-logs) uses SSE-S3, the only encryption AWS log delivery supports"}


def test_log_sink_with_sse_kms_fails():
    outcome = run(POLICY, stack(kms_rule(), bucket_tags=SINK_TAGS, extra=DELIVERY))
    assert outcome.messages == ["log-sink bucket 'phi': sseAlgorithm is 'aws:kms'; required AES256, "
                                "because AWS log delivery writes only to SSE-S3 buckets"]
    assert outcome.not_applicable is None


def test_an_unknown_log_sink_kind_is_reported_and_held_to_sse_kms():
    outcome = run(POLICY, stack(SSE_S3, bucket_tags={"quome:log-sink": "phi-archive"}, extra=DELIVERY))
    assert outcome.not_applicable is None
    assert outcome.violations == [
        ("bucket 'phi': tag quome:log-sink is 'phi-archive', not a known sink kind; required 's3-access-logs' or "
         "'alb-access-logs' to be treated as a log sink", PHI_URN),
        ("bucket 'phi': sseAlgorithm is 'AES256'; required aws:kms or aws:kms:dsse", PHI_URN)]


def test_a_log_sink_tag_on_a_bucket_nothing_delivers_to_is_reported_and_held_to_sse_kms():
    outcome = run(POLICY, stack(SSE_S3, bucket_tags=SINK_TAGS, extra=DELIVERY[:2]))
    assert outcome.not_applicable is None
    assert outcome.violations == [
        ("bucket 'phi': tag quome:log-sink is 's3-access-logs', but no BucketLogging of another bucket in this stack "
         "delivers to it; required one whose targetBucket is joined to it and equals its bucket name "
         "(target_bucket=<sink>.id; while unknown, joined to no other bucket) to be treated as a log sink", PHI_URN),
        ("bucket 'phi': sseAlgorithm is 'AES256'; required aws:kms or aws:kms:dsse", PHI_URN)]


def test_an_audit_bucket_tagged_as_a_log_sink_is_reported_and_held_to_sse_kms_though_logs_are_delivered():
    outcome = run(POLICY, stack(SSE_S3, bucket_tags={**SINK_TAGS, "quome:purpose": "audit"}, extra=DELIVERY))
    assert outcome.not_applicable is None
    assert outcome.violations == [
        ("bucket 'phi': tag quome:log-sink is 's3-access-logs', but tag quome:purpose is 'audit'; an audit bucket "
         "is never treated as a log sink (its logs must be WORM and encrypted with a customer-managed key); "
         "required no quome:log-sink tag on it", PHI_URN),
        ("bucket 'phi': sseAlgorithm is 'AES256'; required aws:kms or aws:kms:dsse", PHI_URN)]


def test_an_alb_log_sink_tag_without_a_logging_load_balancer_is_reported_and_held_to_sse_kms():
    literal = FakeResource(LB, "edge", {"accessLogs": {"enabled": True, "bucket": "quome-phi"}})
    outcome = run(POLICY, stack(SSE_S3, bucket_tags={"quome:log-sink": "alb-access-logs"}, extra=[literal]))
    assert outcome.violations == [
        ("bucket 'phi': tag quome:log-sink is 'alb-access-logs', but no load balancer in this stack delivers to it; "
         "required one with accessLogs.enabled true and accessLogs.bucket joined to it and equal to its bucket name "
         "(bucket=<sink>.bucket; while unknown, joined to no other bucket) to be treated as a log sink", PHI_URN),
        ("bucket 'phi': sseAlgorithm is 'AES256'; required aws:kms or aws:kms:dsse", PHI_URN)]


def test_an_alb_log_sink_that_a_load_balancer_logs_into_may_use_sse_s3():
    joined = FakeResource(LB, "edge", {"accessLogs": {"enabled": True, "bucket": "quome-phi"}},
                          property_dependencies={"accessLogs": "phi"})
    outcome = run(POLICY, stack(SSE_S3, bucket_tags={"quome:log-sink": "alb-access-logs"}, extra=[joined]))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "phi": "log-sink bucket (alb-access-logs) uses SSE-S3, the only encryption AWS log delivery supports"}


def test_an_exempted_bucket_is_waived_and_listed_while_others_still_fail():
    other = FakeResource(BUCKET, "scratch", {"bucket": "quome-scratch"})
    config = {"exemptions": [{"resource": "phi", "reason": "bucket imported from the legacy account",
                              "expires": "2026-06-30"}]}
    outcome = run(POLICY, stack(kms_rule("AES256", key_id=None, bucket_key=None), extra=[other], config=config),
                  today=datetime.date(2026, 1, 15))
    assert outcome.violations == [
        ("bucket 'scratch' has no BucketServerSideEncryptionConfiguration; required one with sseAlgorithm "
         "aws:kms or aws:kms:dsse", urn_for(BUCKET, "scratch"))]
    assert outcome.not_applicable_to == {
        "phi": "exempted until 2026-06-30: bucket imported from the legacy account "
               "(waived: bucket 'phi': sseAlgorithm is 'AES256'; required aws:kms or aws:kms:dsse)"}
