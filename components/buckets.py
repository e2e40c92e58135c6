"""What stands beside every platform bucket, and the statement every bucket policy starts with.

The owning component creates the bucket itself (name, tags, object lock, protection) and its one
bucket policy: the audit trail owns its buckets' policies, the cluster its artifact bucket's. What
they all share is built here, as children of that component (so URNs and the policy pack's view of
"who owns this bucket" do not move):
- ownership `BucketOwnerEnforced`: ACLs off, the bucket owner owns every object, so no ACL can hand
  an object to another account;
- a public access block on the bucket itself, not only the account's (which one stack owns);
- versioning: an overwritten or deleted object stays recoverable;
- default encryption: SSE-KMS with the given key and S3 Bucket Keys (one data key per bucket and
  period instead of a KMS call per object), or SSE-S3 for the access-log sink, since S3 server access
  logging delivers only to SSE-S3 buckets. SSE-C is blocked either way: objects under a key the caller
  supplies could not be read by the platform, nor be covered by the key policies;
- server access logging into the audit trail's access-log sink, under `<bucket name>/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.providers import child_options

PARTITION = "aws"
BUCKET_NAME_PREFIX = "quome-"
"""Every platform bucket name starts with this: the access-log sink accepts logs from these buckets only,
and the VPC's S3 gateway endpoint lets workloads reach these buckets of the account only."""
S3_BUCKET_NAME_MAX = 63
_PURPOSE = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")


def bucket_name(account_id: str, region: str, purpose: str) -> str:
    """The platform's name for a bucket: globally unique through account and region, at most 63 characters."""
    if not _PURPOSE.match(purpose):
        raise ValueError(f"bucket purpose {purpose!r}: lower-case letters, digits and '-' only")
    name = f"{BUCKET_NAME_PREFIX}{purpose}-{account_id}-{region}"
    if len(name) > S3_BUCKET_NAME_MAX:
        raise ValueError(f"bucket name {name!r} has {len(name)} characters; S3 allows {S3_BUCKET_NAME_MAX}")
    return name


def bucket_arn(name: str) -> str:
    return f"arn:{PARTITION}:s3:::{name}"


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """The first statement of every bucket policy: no request to the bucket or its objects without TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


@dataclass(frozen=True)
class BucketChildNames:
    """Suffixes of the resources beside a bucket (`<prefix>-<suffix>`).

    They are part of each resource's URN, and a rename would delete and re-create the live resource, so
    a bucket keeps the suffixes it was first deployed with: the defaults are the audit trail's.
    """

    ownership: str = "ownership"
    public_access_block: str = "public-access-block"
    versioning: str = "versioning"
    encryption: str = "sse"
    access_logging: str = "access-logging"


@dataclass(frozen=True)
class AccessLogging:
    """Where a bucket's server access logs go: the audit trail's access-log sink."""

    target_bucket: pulumi.Input[str]
    partitioned_by_event_time: bool
    """Date-partitioned log keys (`[DestinationPrefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/
    [YYYY]/[MM]/[DD]/...`); otherwise S3's flat default key format."""
    depends_on: tuple[pulumi.Resource, ...] = ()
    """What must exist before logging is turned on (the sink's policy that admits S3 logging)."""


@dataclass(frozen=True)
class BucketHardeningArgs:
    bucket_name: str
    """The bucket's deterministic name: its access logs land under `<bucket_name>/` in the sink."""
    kms_key_arn: pulumi.Input[str] | None
    """SSE-KMS with this key; None means SSE-S3, for the access-log sink only."""
    access_logging: AccessLogging | None
    """None for the access-log sink itself: it must not log into itself."""
    retain_on_delete: bool = False
    names: BucketChildNames = BucketChildNames()


@dataclass(frozen=True)
class BucketHardening:
    ownership: aws.s3.BucketOwnershipControls
    public_access_block: aws.s3.BucketPublicAccessBlock
    versioning: aws.s3.BucketVersioning
    encryption: aws.s3.BucketServerSideEncryptionConfiguration
    access_logging: aws.s3.BucketLogging | None

    @property
    def basics(self) -> list[pulumi.Resource]:
        """Ownership, public access block and versioning: what a bucket's policy, lifecycle and object
        lock wait for (S3 rejects some of them while another bucket-level change is in flight)."""
        return [self.ownership, self.public_access_block, self.versioning]


def _encryption_rule(kms_key_arn: pulumi.Input[str] | None) -> aws.s3.BucketServerSideEncryptionConfigurationRuleArgs:
    by_default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs
    if kms_key_arn is None:
        return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=by_default(sse_algorithm="AES256"),
            blocked_encryption_types=["SSE-C"],
        )
    return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
        apply_server_side_encryption_by_default=by_default(sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn),
        bucket_key_enabled=True,
        blocked_encryption_types=["SSE-C"],
    )


def harden_bucket(
    prefix: str,
    bucket: aws.s3.Bucket,
    args: BucketHardeningArgs,
    parent: pulumi.Resource,
    provider: aws.Provider,
) -> BucketHardening:
    """The resources beside `bucket`, named `<prefix>-<suffix>`, as children of `parent` (the owner)."""
    names = args.names

    def options(*depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        extra: dict[str, object] = {"depends_on": list(depends_on)} if depends_on else {}
        return child_options(parent, provider, retain_on_delete=args.retain_on_delete, **extra)

    ownership = aws.s3.BucketOwnershipControls(
        f"{prefix}-{names.ownership}",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=options(),
    )
    public_access_block = aws.s3.BucketPublicAccessBlock(
        f"{prefix}-{names.public_access_block}",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=options(),
    )
    versioning = aws.s3.BucketVersioning(
        f"{prefix}-{names.versioning}",
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=options(),
    )
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{prefix}-{names.encryption}",
        bucket=bucket.id,
        rules=[_encryption_rule(args.kms_key_arn)],
        opts=options(),
    )
    logging = None
    if args.access_logging is not None:
        target = args.access_logging
        key_format = None
        if target.partitioned_by_event_time:
            key_format = aws.s3.BucketLoggingTargetObjectKeyFormatArgs(
                partitioned_prefix=aws.s3.BucketLoggingTargetObjectKeyFormatPartitionedPrefixArgs(
                    partition_date_source="EventTime",
                ),
            )
        logging = aws.s3.BucketLogging(
            f"{prefix}-{names.access_logging}",
            bucket=bucket.id,
            target_bucket=target.target_bucket,
            target_prefix=f"{args.bucket_name}/",
            target_object_key_format=key_format,
            opts=options(*target.depends_on),
        )
    return BucketHardening(ownership, public_access_block, versioning, encryption, logging)
