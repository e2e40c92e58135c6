"""tls-s3-secure-transport: each bucket's single policy denies requests made without TLS."""
import json

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.tls_s3_secure_transport import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
NAME = "quome-audit-111122223333-us-east-1"
ARN = f"arn:aws:s3:::{NAME}"
PHI_URN = urn_for(BUCKET, "phi")
REQUIRED = ('a Deny statement for Principal "*", Action s3:*, Resource the bucket ARN and ARN/*, '
            'Condition Bool aws:SecureTransport "false"')


def deny(**changes):
    statement = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [ARN, f"{ARN}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    statement.update(changes)
    return statement


def stack(*statements, bucket_type=BUCKET, with_policy=True, extra=()):
    resources = [FakeResource(bucket_type, "phi", {"bucket": NAME, "arn": ARN})]
    if with_policy:
        document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
        resources.append(FakeResource(BUCKET_POLICY, "phi-policy", {"bucket": NAME, "policy": document},
                                      property_dependencies={"bucket": "phi"}))
    resources.extend(extra)
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_for_the_tls_only_deny():
    allow = {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"{ARN}/cloudtrail/*"}
    outcome = run(POLICY, stack(allow, deny()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_an_aws_wildcard_principal_every_action_and_a_covering_pattern():
    assert run(POLICY, stack(deny(Principal={"AWS": "*"}, Action="*", Resource=f"{ARN}*"))).violations == []


def test_fails_without_a_bucket_policy():
    assert run(POLICY, stack(with_policy=False)).violations == [
        (f"bucket 'phi' has no BucketPolicy; required one with {REQUIRED}", PHI_URN)]


def test_a_policy_naming_the_bucket_literally_does_not_join():
    literal = FakeResource(BUCKET_POLICY, "loose-policy", {"bucket": NAME, "policy": json.dumps(
        {"Version": "2012-10-17", "Statement": [deny()]})})
    assert run(POLICY, stack(with_policy=False, extra=[literal])).messages == [
        f"bucket 'phi' has no BucketPolicy; required one with {REQUIRED}"]


def test_fails_when_two_policies_compete_for_one_bucket():
    second = FakeResource(BUCKET_POLICY, "phi-policy-2", {"policy": json.dumps({"Statement": [deny()]})},
                          property_dependencies={"bucket": "phi"})
    assert run(POLICY, stack(deny(), extra=[second])).messages == [
        "bucket 'phi' has 2 BucketPolicy resources ('phi-policy', 'phi-policy-2'); required exactly one"]


def test_fails_when_no_statement_mentions_secure_transport():
    allow = {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"{ARN}/*"}
    assert run(POLICY, stack(allow)).messages == [
        f"bucket 'phi': BucketPolicy 'phi-policy' has no Deny statement on aws:SecureTransport; required {REQUIRED}"]


def test_fails_when_the_deny_leaves_the_objects_out():
    assert run(POLICY, stack(deny(Resource=ARN))).messages == [
        f"bucket 'phi': BucketPolicy 'phi-policy': statement 0 ('DenyInsecureTransport') has Resource '{ARN}', "
        f"which does not cover {ARN}/*; required {REQUIRED}"]


def test_fails_when_the_deny_covers_only_some_actions():
    assert run(POLICY, stack(deny(Action=["s3:GetObject"]))).messages == [
        f"bucket 'phi': BucketPolicy 'phi-policy': statement 0 ('DenyInsecureTransport') has Action "
        f"[\"s3:GetObject\"]; required {REQUIRED}"]


def test_fails_when_the_deny_names_one_principal():
    principal = {"AWS": "arn:aws:iam::111122223333:role/app"}
    assert run(POLICY, stack(deny(Principal=principal))).messages == [
        f"bucket 'phi': BucketPolicy 'phi-policy': statement 0 ('DenyInsecureTransport') has Principal "
        f"{{\"AWS\": \"arn:aws:iam::111122223333:role/app\"}}; required {REQUIRED}"]


def test_fails_when_the_condition_is_narrowed():
    condition = {"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:PrincipalAccount": "444455556666"}}
    assert run(POLICY, stack(deny(Condition=condition))).messages == [
        f"bucket 'phi': BucketPolicy 'phi-policy': statement 0 ('DenyInsecureTransport') has Condition "
        f"{json.dumps(condition, sort_keys=True)}; required {REQUIRED}"]


def test_fails_when_the_condition_denies_tls_instead():
    condition = {"Bool": {"aws:SecureTransport": "true"}}
    assert run(POLICY, stack(deny(Condition=condition))).messages == [
        f"bucket 'phi': BucketPolicy 'phi-policy': statement 0 ('DenyInsecureTransport') has Condition "
        f"{json.dumps(condition)}; required {REQUIRED}"]


def test_the_deprecated_v2_bucket_token_is_checked_too():
    assert run(POLICY, stack(bucket_type=BUCKET_V2, with_policy=False)).violations == [
        (f"bucket 'phi' has no BucketPolicy; required one with {REQUIRED}", urn_for(BUCKET_V2, "phi"))]


def test_an_auto_named_bucket_unknown_during_preview_defers_the_check():
    resources = [FakeResource(BUCKET, "phi", {"bucket": UNKNOWN_STRING_VALUE}),
                 FakeResource(BUCKET_POLICY, "phi-policy", {"policy": json.dumps({"Statement": [deny()]})},
                              property_dependencies={"bucket": "phi"})]
    outcome = run(POLICY, stack_args(resources, config=resolved_config(POLICY)))
    assert outcome.unknown == "string value at .bucket can't be known during preview"
    assert outcome.violations == []
