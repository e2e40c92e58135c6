"""The shared bucket builder on its own: what each owner may choose, and what it may not."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.buckets import (
    AccessLogging,
    BucketChildNames,
    BucketHardeningArgs,
    bucket_arn,
    deny_insecure_transport,
    harden_bucket,
)
from components.providers import aws_provider
from tests.harness import build, make_spec, of_type, one

KEY = "arn:aws:kms:us-east-1:111111111111:key/k"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"


class Owner(pulumi.ComponentResource):
    def __init__(self, name: str, args: BucketHardeningArgs):
        super().__init__("test:buckets:Owner", name, None, None)
        provider = aws_provider("aws", make_spec())
        options = pulumi.ResourceOptions(parent=self, provider=provider)
        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=args.bucket_name, opts=options)
        self.hardening = harden_bucket(f"{name}-bucket", bucket, args, self, provider)


def build_owner(args: BucketHardeningArgs):
    return build(lambda: Owner("o", args))


def test_deny_insecure_transport_covers_the_bucket_and_its_objects():
    assert bucket_arn("quome-x") == "arn:aws:s3:::quome-x"
    assert deny_insecure_transport("arn:aws:s3:::quome-x") == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::quome-x", "arn:aws:s3:::quome-x/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_a_log_sink_gets_sse_s3_with_sse_c_blocked_and_no_access_logging_of_its_own():
    plan = build_owner(BucketHardeningArgs(bucket_name="quome-sink", kms_key_arn=None, access_logging=None))
    assert one(plan, SSE).inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "blockedEncryptionTypes": ["SSE-C"]}
    ]
    assert of_type(plan, LOGGING) == []


def test_children_belong_to_the_owner_under_its_names_and_keep_its_retention():
    names = BucketChildNames(public_access_block="public-access", encryption="encryption")
    plan = build_owner(
        BucketHardeningArgs(
            bucket_name="quome-data",
            kms_key_arn=KEY,
            access_logging=AccessLogging(target_bucket="quome-sink", partitioned_by_event_time=False),
            retain_on_delete=True,
            names=names,
        )
    )
    owner = one(plan, "test:buckets:Owner")
    children = [r for r in plan.registrations if r.parent == owner.urn and r.type != "aws:s3/bucket:Bucket"]
    assert sorted(r.name for r in children) == [
        "o-bucket-access-logging",
        "o-bucket-encryption",
        "o-bucket-ownership",
        "o-bucket-public-access",
        "o-bucket-versioning",
    ]
    assert all(r.retain_on_delete for r in children)
    assert one(plan, SSE).inputs["rules"][0]["bucketKeyEnabled"] is True
    logging = one(plan, LOGGING).inputs
    assert logging["targetPrefix"] == "quome-data/"
    assert "targetObjectKeyFormat" not in logging
