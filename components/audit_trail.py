"""The audit trail: an object-locked audit bucket, its access-log sink, CloudTrail and its log group.

This component owns both buckets' policies. Services that deliver logs into the audit bucket (VPC flow
logs, AWS Config, ...) are granted through `LogDeliveryGrant`s that their modules publish from a pure
`audit_delivery_grants(spec)` function; they all end up in the audit bucket's one policy.

Why the pieces look the way they do:
- Audit bucket: object lock can only be turned on when a bucket is created, and `COMPLIANCE` mode means
  nobody (not even root) can delete or shorten retention of a written object version. The default
  retention could still be lowered for future objects, so the bucket policy denies
  `s3:PutBucketObjectLockConfiguration` to everyone but the break-glass role. Raising the retention
  later therefore also goes through the break-glass role.
- Access-log bucket: S3 server access logs can only be delivered to an SSE-S3 bucket without a default
  object-lock retention, so this bucket is the one exception to "SSE-KMS + object lock"; it keeps logs at
  least as long as the audit retention through lifecycle, and is tagged `quome:log-sink=s3-access-logs`
  so that policy checks recognise it (it must not log to itself). Without object lock, its bucket
  policy is what keeps the record: nobody but the break-glass role may delete an object or a version,
  suspend versioning or change object lock (which, turned on, would stop log delivery). Lifecycle
  expiry after the retention is S3's own and not subject to bucket policies. Both buckets carry these
  denies, so a `pulumi up` that must change versioning or object lock runs as the break-glass role.
- CloudTrail records S3 object-level events for every bucket except these two: recording writes to
  the audit bucket would log CloudTrail's own deliveries forever, and writes to the access-log bucket
  would too (each delivery into the audit bucket is access-logged into it). What it does record of
  them: every read of the audit bucket's objects (reads write nothing there), and deletions and
  retention changes on both; none of these is done by a log delivery, so nothing loops. Who read the
  audit data is therefore in the trail itself, not only in access logs that an S3 user could remove.
- Names are deterministic (account, region, purpose), so the policies are plain documents that need no
  resource outputs; the trail ARN is known before the trail exists, which breaks the bucket-policy/trail
  cycle. One platform stack per account and region.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import pulumi
import pulumi_aws as aws

from components.buckets import (
    BUCKET_NAME_PREFIX,
    AccessLogging,
    BucketHardeningArgs,
    bucket_arn,
    bucket_name,
    deny_insecure_transport,
    harden_bucket,
)
from components.config import MIN_AUDIT_RETENTION_YEARS, PlatformSpec
from components.keys import KeyUseGrant
from components.log_retention import cloudwatch_retention_days
from components.providers import child_options, stateful_options

PARTITION = "aws"
TRAIL_NAME = "quome-audit"
RECORDED_DELETE_EVENTS: tuple[str, ...] = ("DeleteObject", "DeleteObjects", "PutObjectRetention", "PutObjectLegalHold")
"""Object events recorded on the audit trail's own buckets besides reads: removing a log, or changing
how long it is kept. No log delivery makes these calls."""
TAMPERING_OBJECT_ACTIONS: tuple[str, ...] = ("s3:DeleteObject", "s3:DeleteObjectVersion")
"""Denied on both buckets' objects to all but break-glass: a delete marker hides a locked object too."""
CLOUDTRAIL_PREFIX = "cloudtrail"
TRAIL_LOG_GROUP_NAME = "/quome/audit/cloudtrail"
LOG_SINK_TAG_KEY = "quome:log-sink"
LOG_SINK_TAG_VALUE = "s3-access-logs"

# Services that set no aws:SourceArn on their deliveries; the source account is their only scope.
SOURCE_ACCOUNT_ONLY_SERVICES = ("config.amazonaws.com",)
# AWS Config lists the bucket before delivering; the others only check its ACL.
_ACL_CHECK_ACTIONS = {"config.amazonaws.com": ["s3:GetBucketAcl", "s3:ListBucket"]}
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*/$")
_SID_UNSAFE = re.compile(r"[^A-Za-z0-9]")


def audit_bucket_name(account_id: str, region: str) -> str:
    return bucket_name(account_id, region, "audit")


def access_log_bucket_name(account_id: str, region: str) -> str:
    return bucket_name(account_id, region, "access-logs")


def trail_arn(account_id: str, region: str) -> str:
    """The trail's ARN, known before it exists (bucket and key policies name it as the source)."""
    return f"arn:{PARTITION}:cloudtrail:{region}:{account_id}:trail/{TRAIL_NAME}"


@dataclass(frozen=True)
class LogDeliveryGrant:
    """An AWS service that may write into the audit bucket under `prefix` (objects land in
    `<prefix>AWSLogs/<account>/...`), scoped by the stack's account and the ARN pattern of the sources."""

    service: str
    prefix: str
    source_arn_pattern: str | None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9.-]+\.amazonaws\.com", self.service):
            raise ValueError(
                f"LogDeliveryGrant.service = {self.service!r}: "
                "must be a service principal such as 'delivery.logs.amazonaws.com'"
            )
        if not _PREFIX.match(self.prefix):
            raise ValueError(
                f"LogDeliveryGrant.prefix = {self.prefix!r}: "
                "must be a lower-case key prefix ending in '/', e.g. 'vpc-flow-logs/'"
            )
        if self.prefix == f"{CLOUDTRAIL_PREFIX}/":
            raise ValueError(f"LogDeliveryGrant.prefix = {self.prefix!r}: reserved for the CloudTrail trail")
        if self.source_arn_pattern is None:
            if self.service not in SOURCE_ACCOUNT_ONLY_SERVICES:
                raise ValueError(
                    f"LogDeliveryGrant(service={self.service!r}).source_arn_pattern is missing: only "
                    f"{', '.join(SOURCE_ACCOUNT_ONLY_SERVICES)} may deliver scoped by account alone"
                )
        elif not self.source_arn_pattern.startswith(f"arn:{PARTITION}:"):
            raise ValueError(
                f"LogDeliveryGrant.source_arn_pattern = {self.source_arn_pattern!r}: "
                f"must be an ARN pattern (arn:{PARTITION}:...)"
            )


def key_grants(spec: PlatformSpec) -> tuple[KeyUseGrant, ...]:
    """Account principals read and write audit-bucket objects (SSE-KMS with the logs key) through S3 only;
    the bucket policy and their own IAM policies decide who actually may."""
    return (
        KeyUseGrant(
            key="logs", via_services=("s3",), actions=("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
        ),
    )


@dataclass(frozen=True)
class AuditTrailArgs:
    account_id: str
    region: str
    retention_years: int
    logs_key_arn: pulumi.Input[str]
    break_glass_role_arn: str
    """The only principal allowed to delete objects or versions from the audit trail's buckets, or to change
    their versioning or object-lock configuration."""
    delivery_grants: tuple[LogDeliveryGrant, ...] = ()
    protect: bool = False
    retain_locked_data: bool = False
    """Forget (do not delete) the audit data on destroy: object-locked objects cannot be deleted anyway."""

    def __post_init__(self) -> None:
        if self.retention_years < MIN_AUDIT_RETENTION_YEARS:
            raise ValueError(
                f"AuditTrailArgs.retention_years = {self.retention_years}: at least {MIN_AUDIT_RETENTION_YEARS} years"
            )
        if not self.break_glass_role_arn.startswith(f"arn:{PARTITION}:iam::{self.account_id}:role/"):
            raise ValueError(
                f"AuditTrailArgs.break_glass_role_arn = {self.break_glass_role_arn!r}: "
                f"must be an IAM role of account {self.account_id}"
            )
        prefixes = [grant.prefix for grant in self.delivery_grants]
        for index, prefix in enumerate(prefixes):
            for other in prefixes[:index]:
                if prefix.startswith(other) or other.startswith(prefix):
                    raise ValueError(
                        f"LogDeliveryGrant prefixes {other!r} and {prefix!r} overlap: "
                        "each service writes under its own prefix"
                    )

    @property
    def audit_bucket_name(self) -> str:
        return audit_bucket_name(self.account_id, self.region)

    @property
    def access_log_bucket_name(self) -> str:
        return access_log_bucket_name(self.account_id, self.region)

    @property
    def trail_arn(self) -> str:
        return trail_arn(self.account_id, self.region)

    @property
    def log_retention_days(self) -> int:
        return cloudwatch_retention_days(self.retention_years)

    @property
    def access_log_expiration_days(self) -> int:
        # 366 days a year keeps at least the retention whatever the leap years.
        return self.retention_years * 366

    @classmethod
    def from_spec(
        cls,
        spec: PlatformSpec,
        logs_key_arn: pulumi.Input[str],
        delivery_grants: tuple[LogDeliveryGrant, ...] = (),
        protect: bool = False,
        retain_locked_data: bool = False,
    ) -> "AuditTrailArgs":
        return cls(
            account_id=spec.account_id,
            region=spec.region,
            retention_years=spec.audit_retention_years,
            logs_key_arn=logs_key_arn,
            break_glass_role_arn=spec.break_glass_role_arn,
            delivery_grants=delivery_grants,
            protect=protect,
            retain_locked_data=retain_locked_data,
        )


DeliveryGrantSource = Callable[[PlatformSpec], Sequence[LogDeliveryGrant]]


def gather_delivery_grants(spec: PlatformSpec, sources: Iterable[DeliveryGrantSource]) -> tuple[LogDeliveryGrant, ...]:
    return tuple(dict.fromkeys(grant for source in sources for grant in source(spec)))


# --- policy documents ----------------------------------------------------------------------------------


def _sid(*parts: str) -> str:
    return "".join(_SID_UNSAFE.sub("", word.title()) for part in parts for word in re.split(r"[./-]", part) if word)


def _delivery_statements(
    args: AuditTrailArgs, sid: str, service: str, prefix: str, acl_check: str | list[str], condition: dict[str, Any]
) -> list[dict[str, Any]]:
    """A service checks the audit bucket's ACL, then writes `<prefix>AWSLogs/<account>/...`, both only
    under `condition` (the CloudTrail trail and every LogDeliveryGrant alike)."""
    bucket = bucket_arn(args.audit_bucket_name)
    return [
        {
            "Sid": f"{sid}AclCheck",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": acl_check,
            "Resource": bucket,
            "Condition": condition,
        },
        {
            "Sid": f"{sid}Write",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "s3:PutObject",
            "Resource": f"{bucket}/{prefix}AWSLogs/{args.account_id}/*",
            "Condition": condition,
        },
    ]


def _deny_tampering_statements(bucket: str, break_glass_role_arn: str) -> list[dict[str, Any]]:
    """What would erase or shorten the record, denied to everyone but the break-glass role: deleting an
    object or one of its versions, suspending versioning, changing object lock."""
    except_break_glass = {"ArnNotEquals": {"aws:PrincipalArn": break_glass_role_arn}}
    return [
        {
            "Sid": "DenyObjectLockChangesExceptBreakGlass",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutBucketObjectLockConfiguration",
            "Resource": bucket,
            "Condition": except_break_glass,
        },
        {
            "Sid": "DenyVersioningChangesExceptBreakGlass",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutBucketVersioning",
            "Resource": bucket,
            "Condition": except_break_glass,
        },
        {
            "Sid": "DenyObjectDeletionExceptBreakGlass",
            "Effect": "Deny",
            "Principal": "*",
            "Action": list(TAMPERING_OBJECT_ACTIONS),
            "Resource": f"{bucket}/*",
            "Condition": except_break_glass,
        },
    ]


def audit_bucket_policy(args: AuditTrailArgs) -> dict[str, Any]:
    bucket = bucket_arn(args.audit_bucket_name)
    account = args.account_id
    statements: list[dict[str, Any]] = [
        deny_insecure_transport(bucket),
        *_deny_tampering_statements(bucket, args.break_glass_role_arn),
        *_delivery_statements(
            args,
            "CloudTrail",
            "cloudtrail.amazonaws.com",
            f"{CLOUDTRAIL_PREFIX}/",
            "s3:GetBucketAcl",
            {"StringEquals": {"aws:SourceArn": args.trail_arn}},
        ),
    ]
    for grant in args.delivery_grants:
        # With BucketOwnerEnforced, ACL headers are ignored, so no s3:x-amz-acl condition is needed.
        condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account}}
        if grant.source_arn_pattern is not None:
            condition["ArnLike"] = {"aws:SourceArn": grant.source_arn_pattern}
        statements += _delivery_statements(
            args,
            _sid(grant.service.removesuffix(".amazonaws.com"), grant.prefix),
            grant.service,
            grant.prefix,
            _ACL_CHECK_ACTIONS.get(grant.service, "s3:GetBucketAcl"),
            condition,
        )
    return {"Version": "2012-10-17", "Statement": statements}


def access_log_bucket_policy(args: AuditTrailArgs) -> dict[str, Any]:
    bucket = bucket_arn(args.access_log_bucket_name)
    return {
        "Version": "2012-10-17",
        "Statement": [
            deny_insecure_transport(bucket),
            *_deny_tampering_statements(bucket, args.break_glass_role_arn),
            {
                "Sid": "S3ServerAccessLogsWrite",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket}/*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": args.account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{PARTITION}:s3:::{BUCKET_NAME_PREFIX}*"},
                },
            },
        ],
    }


def trail_role_trust_policy(args: AuditTrailArgs) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudTrailAssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceArn": args.trail_arn, "aws:SourceAccount": args.account_id}},
            }
        ],
    }


def trail_logs_policy(args: AuditTrailArgs) -> dict[str, Any]:
    group = f"arn:{PARTITION}:logs:{args.region}:{args.account_id}:log-group:{TRAIL_LOG_GROUP_NAME}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteTrailLogStreams",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{group}:log-stream:*",
            }
        ],
    }


def trail_event_selectors(args: AuditTrailArgs) -> list[aws.cloudtrail.TrailAdvancedEventSelectorArgs]:
    field = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
    audit_objects = f"{bucket_arn(args.audit_bucket_name)}/"
    access_log_objects = f"{bucket_arn(args.access_log_bucket_name)}/"
    return [
        # With advanced selectors, management events are recorded only when a selector asks for them.
        aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="management-events",
            field_selectors=[field(field="eventCategory", equals=["Management"])],
        ),
        aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="s3-object-events-except-audit-buckets",
            field_selectors=[
                field(field="eventCategory", equals=["Data"]),
                field(field="resources.type", equals=["AWS::S3::Object"]),
                field(field="resources.ARN", not_starts_withs=[audit_objects, access_log_objects]),
            ],
        ),
        aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="audit-bucket-object-reads",
            field_selectors=[
                field(field="eventCategory", equals=["Data"]),
                field(field="resources.type", equals=["AWS::S3::Object"]),
                field(field="readOnly", equals=["true"]),
                field(field="resources.ARN", starts_withs=[audit_objects]),
            ],
        ),
        aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="audit-buckets-object-deletions",
            field_selectors=[
                field(field="eventCategory", equals=["Data"]),
                field(field="resources.type", equals=["AWS::S3::Object"]),
                field(field="eventName", equals=list(RECORDED_DELETE_EVENTS)),
                field(field="resources.ARN", starts_withs=[audit_objects, access_log_objects]),
            ],
        ),
    ]


# --- the component -------------------------------------------------------------------------------------


class AuditTrail(pulumi.ComponentResource):
    """Audit bucket (object lock, SSE-KMS), access-log bucket, CloudTrail trail and its encrypted log group."""

    audit_bucket_arn: pulumi.Output[str]
    audit_bucket_name: pulumi.Output[str]
    access_log_bucket_name: pulumi.Output[str]
    access_log_bucket_arn: pulumi.Output[str]
    trail_arn: pulumi.Output[str]
    log_group_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: AuditTrailArgs,
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("quome:audit_trail:AuditTrail", name, None, opts)
        self.retention_days = args.log_retention_days
        retain = args.retain_locked_data

        # -- access-log sink (first: the audit bucket's access logging targets it)
        access = aws.s3.Bucket(
            f"{name}-access-logs",
            bucket=args.access_log_bucket_name,
            force_destroy=False,
            tags={LOG_SINK_TAG_KEY: LOG_SINK_TAG_VALUE, "quome:purpose": "s3-access-logs"},
            opts=stateful_options(self, provider, protect=args.protect, retain_on_delete=retain),
        )
        # SSE-S3 (no key): S3 server access logging delivers only to SSE-S3 buckets; and no access
        # logging of its own, a sink logging into itself would never stop.
        access_config = harden_bucket(
            f"{name}-access-logs",
            access,
            BucketHardeningArgs(
                bucket_name=args.access_log_bucket_name, kms_key_arn=None, access_logging=None, retain_on_delete=retain
            ),
            self,
            provider,
        ).basics
        keep_for_audit_retention = aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="keep-for-audit-retention",
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.access_log_expiration_days),
            # A deleted log object stays as a noncurrent version for the full retention as well.
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=args.access_log_expiration_days,
            ),
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=7,
            ),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-access-logs-lifecycle",
            bucket=access.id,
            rules=[keep_for_audit_retention],
            opts=child_options(self, provider, retain_on_delete=retain, depends_on=access_config),
        )
        # After versioning (in access_config): once the policy exists, only break-glass may change it.
        access_policy = aws.s3.BucketPolicy(
            f"{name}-access-logs-policy",
            bucket=access.id,
            policy=json.dumps(access_log_bucket_policy(args)),
            opts=child_options(self, provider, retain_on_delete=retain, depends_on=access_config),
        )

        # -- audit bucket
        audit = aws.s3.Bucket(
            f"{name}-audit",
            bucket=args.audit_bucket_name,
            object_lock_enabled=True,
            force_destroy=False,
            tags={"quome:purpose": "audit"},
            opts=stateful_options(self, provider, protect=args.protect, retain_on_delete=retain),
        )
        audit_hardening = harden_bucket(
            f"{name}-audit",
            audit,
            BucketHardeningArgs(
                bucket_name=args.audit_bucket_name,
                kms_key_arn=args.logs_key_arn,
                # Logging starts once the sink's policy admits S3 logging.
                access_logging=AccessLogging(
                    target_bucket=access.id, partitioned_by_event_time=True, depends_on=(access_policy,)
                ),
                retain_on_delete=retain,
            ),
            self,
            provider,
        )
        audit_config = audit_hardening.basics
        lock = aws.s3.BucketObjectLockConfiguration(
            f"{name}-audit-object-lock",
            bucket=audit.id,
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode="COMPLIANCE",
                    years=args.retention_years,
                ),
            ),
            opts=stateful_options(
                self, provider, protect=args.protect, retain_on_delete=retain, depends_on=audit_config
            ),
        )
        # The policy comes after the lock and versioning: once it exists, only break-glass may change them.
        self.audit_bucket_policy = aws.s3.BucketPolicy(
            f"{name}-audit-policy",
            bucket=audit.id,
            policy=json.dumps(audit_bucket_policy(args)),
            opts=child_options(self, provider, retain_on_delete=retain, depends_on=[*audit_config, lock]),
        )

        # -- CloudTrail and its log group
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-trail-logs",
            name=TRAIL_LOG_GROUP_NAME,
            kms_key_id=args.logs_key_arn,
            retention_in_days=args.log_retention_days,
            deletion_protection_enabled=args.protect,
            tags={"quome:purpose": "cloudtrail"},
            opts=stateful_options(self, provider, protect=args.protect),
        )
        role = aws.iam.Role(
            f"{name}-trail-logs-role",
            description="CloudTrail delivers the audit trail to its CloudWatch log group",
            assume_role_policy=json.dumps(trail_role_trust_policy(args)),
            opts=child_options(self, provider),
        )
        # A managed policy, not an inline one: inline role policies are flagged by the policy pack.
        policy = aws.iam.Policy(
            f"{name}-trail-logs-policy",
            description="Write the audit trail's CloudWatch log streams",
            policy=json.dumps(trail_logs_policy(args)),
            opts=child_options(self, provider),
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-trail-logs-attachment",
            role=role.name,
            policy_arn=policy.arn,
            opts=child_options(self, provider),
        )
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=TRAIL_NAME,
            s3_bucket_name=audit.bucket,
            s3_key_prefix=CLOUDTRAIL_PREFIX,
            kms_key_id=args.logs_key_arn,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            is_organization_trail=False,
            cloud_watch_logs_group_arn=log_group.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=role.arn,
            advanced_event_selectors=trail_event_selectors(args),
            tags={"quome:purpose": "audit"},
            # CloudTrail checks the bucket policy, the key and the role when the trail is created.
            opts=stateful_options(
                self,
                provider,
                protect=args.protect,
                depends_on=[self.audit_bucket_policy, audit_hardening.encryption, attachment],
            ),
        )

        self.audit_bucket = audit
        self.access_log_bucket = access
        self.log_group = log_group
        self.audit_bucket_arn = audit.arn
        self.audit_bucket_name = audit.bucket
        self.access_log_bucket_arn = access.arn
        self.access_log_bucket_name = access.bucket
        self.trail_arn = self.trail.arn
        self.log_group_arn = log_group.arn
        self.register_outputs(
            {
                "auditBucketName": self.audit_bucket_name,
                "accessLogBucketName": self.access_log_bucket_name,
                "trailArn": self.trail_arn,
                "logGroupArn": self.log_group_arn,
            }
        )
