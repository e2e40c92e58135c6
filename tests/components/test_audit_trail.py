"""AuditTrail: object-locked audit bucket, access-log sink, CloudTrail and its log group, value by value."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from components.audit_trail import (
    AuditTrail,
    AuditTrailArgs,
    LogDeliveryGrant,
    access_log_bucket_name,
    audit_bucket_name,
    bucket_name,
    gather_delivery_grants,
    trail_arn,
)
from components.account_baseline import audit_delivery_grants as baseline_delivery_grants
from components.providers import aws_provider
from tests.harness import ACCOUNT, REGION, build, make_spec, of_type, one, policy_document, statement

BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/quome-break-glass"
LOGS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
AUDIT = f"quome-audit-{ACCOUNT}-{REGION}"
ACCESS = f"quome-access-logs-{ACCOUNT}-{REGION}"
AUDIT_ARN = f"arn:aws:s3:::{AUDIT}"
ACCESS_ARN = f"arn:aws:s3:::{ACCESS}"
TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/quome-audit"
FLOW_LOGS = LogDeliveryGrant(
    service="delivery.logs.amazonaws.com",
    prefix="vpc-flow-logs/",
    source_arn_pattern=f"arn:aws:logs:{REGION}:{ACCOUNT}:*",
)
CONFIG = LogDeliveryGrant(service="config.amazonaws.com", prefix="config/", source_arn_pattern=None)

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
TAMPERING_SIDS = [
    "DenyObjectLockChangesExceptBreakGlass",
    "DenyVersioningChangesExceptBreakGlass",
    "DenyObjectDeletionExceptBreakGlass",
]


def assert_denies_tampering_except_break_glass(document, bucket_arn: str) -> None:
    """Deleting objects or versions, suspending versioning, changing object lock: everyone but break-glass."""
    except_break_glass = {"ArnNotEquals": {"aws:PrincipalArn": BREAK_GLASS}}
    assert statement(document, "DenyObjectLockChangesExceptBreakGlass") == {
        "Sid": "DenyObjectLockChangesExceptBreakGlass",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutBucketObjectLockConfiguration",
        "Resource": bucket_arn,
        "Condition": except_break_glass,
    }
    assert statement(document, "DenyVersioningChangesExceptBreakGlass") == {
        "Sid": "DenyVersioningChangesExceptBreakGlass",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutBucketVersioning",
        "Resource": bucket_arn,
        "Condition": except_break_glass,
    }
    assert statement(document, "DenyObjectDeletionExceptBreakGlass") == {
        "Sid": "DenyObjectDeletionExceptBreakGlass",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
        "Resource": f"{bucket_arn}/*",
        "Condition": except_break_glass,
    }


def compliant_args(**changes: Any) -> AuditTrailArgs:
    args = AuditTrailArgs.from_spec(make_spec(), logs_key_arn=LOGS_KEY, delivery_grants=(FLOW_LOGS, CONFIG))
    return dataclasses.replace(args, **changes)


def build_trail(args: AuditTrailArgs, env: str = "dev"):
    def body() -> None:
        spec = make_spec(environment=env)
        AuditTrail("a", args, provider=aws_provider("aws", spec))

    return build(body)


@pytest.fixture(scope="module")
def plan():
    return build_trail(compliant_args())


def for_bucket(plan, token: str, bucket: str):
    """The resource of `token` whose `bucket` input is the bucket registered as `bucket`."""
    target = one(plan, BUCKET, bucket)
    found = [r for r in of_type(plan, token) if r.property_dependencies.get("bucket") == [target.urn]]
    assert len(found) == 1, f"{token} for {bucket}: {[r.name for r in found]}"
    return found[0]


# --- names ---------------------------------------------------------------------------------------------


def test_bucket_names_are_deterministic_and_within_s3_limits():
    assert audit_bucket_name(ACCOUNT, REGION) == AUDIT
    assert access_log_bucket_name(ACCOUNT, REGION) == ACCESS
    assert trail_arn(ACCOUNT, REGION) == TRAIL
    longest = bucket_name("123456789012", "ap-southeast-2", "access-logs")
    assert len(longest) <= 63
    with pytest.raises(ValueError, match="S3 allows 63"):
        bucket_name("123456789012", "ap-southeast-2", "x" * 40)
    with pytest.raises(ValueError, match="lower-case letters, digits and '-' only"):
        bucket_name(ACCOUNT, REGION, "Audit_Logs")


# --- audit bucket --------------------------------------------------------------------------------------


def test_audit_bucket_is_object_locked_at_creation_and_never_force_destroyed(plan):
    bucket = one(plan, BUCKET, "a-audit")
    assert bucket.inputs["bucket"] == AUDIT
    assert bucket.inputs["objectLockEnabled"] is True
    assert bucket.inputs["forceDestroy"] is False
    assert bucket.inputs["tags"] == {"quome:purpose": "audit"}


@pytest.mark.parametrize("years", [7, 10])
def test_default_retention_is_compliance_mode_for_the_configured_years(years):
    plan = build_trail(compliant_args(retention_years=years))
    lock = for_bucket(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "a-audit")
    assert lock.inputs["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "years": years}}


def test_audit_bucket_is_versioned_kms_encrypted_with_bucket_keys_private_and_owner_enforced(plan):
    versioning = for_bucket(plan, "aws:s3/bucketVersioning:BucketVersioning", "a-audit")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    sse = for_bucket(plan, SSE, "a-audit")
    assert sse.inputs["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": LOGS_KEY},
            "bucketKeyEnabled": True,
            "blockedEncryptionTypes": ["SSE-C"],
        }
    ]
    block = for_bucket(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "a-audit")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block.inputs[flag] is True, flag
    ownership = for_bucket(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "a-audit")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_audit_bucket_logs_its_access_to_the_sink(plan):
    logging = for_bucket(plan, "aws:s3/bucketLogging:BucketLogging", "a-audit")
    assert logging.property_dependencies["targetBucket"] == [one(plan, BUCKET, "a-access-logs").urn]
    assert logging.inputs["targetPrefix"] == f"{AUDIT}/"
    assert logging.inputs["targetObjectKeyFormat"] == {"partitionedPrefix": {"partitionDateSource": "EventTime"}}
    assert one(plan, POLICY, "a-access-logs-policy").urn in logging.dependencies


def test_audit_bucket_policy_statements(plan):
    policy = for_bucket(plan, POLICY, "a-audit")
    document = policy_document(policy.inputs["policy"])
    assert [s["Sid"] for s in document["Statement"]] == [
        "DenyInsecureTransport",
        *TAMPERING_SIDS,
        "CloudTrailAclCheck",
        "CloudTrailWrite",
        "DeliveryLogsVpcFlowLogsAclCheck",
        "DeliveryLogsVpcFlowLogsWrite",
        "ConfigConfigAclCheck",
        "ConfigConfigWrite",
    ]
    assert statement(document, "DenyInsecureTransport") == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [AUDIT_ARN, f"{AUDIT_ARN}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert statement(document, "DenyObjectLockChangesExceptBreakGlass") == {
        "Sid": "DenyObjectLockChangesExceptBreakGlass",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutBucketObjectLockConfiguration",
        "Resource": AUDIT_ARN,
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": BREAK_GLASS}},
    }
    assert_denies_tampering_except_break_glass(document, AUDIT_ARN)
    acl = statement(document, "CloudTrailAclCheck")
    assert (acl["Effect"], acl["Principal"], acl["Action"], acl["Resource"]) == (
        "Allow", {"Service": "cloudtrail.amazonaws.com"}, "s3:GetBucketAcl", AUDIT_ARN,
    )
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL}}
    write = statement(document, "CloudTrailWrite")
    assert (write["Principal"], write["Action"], write["Resource"]) == (
        {"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject", f"{AUDIT_ARN}/cloudtrail/AWSLogs/{ACCOUNT}/*",
    )
    assert write["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL}}

    flow_acl = statement(document, "DeliveryLogsVpcFlowLogsAclCheck")
    assert (flow_acl["Principal"], flow_acl["Action"], flow_acl["Resource"]) == (
        {"Service": "delivery.logs.amazonaws.com"}, "s3:GetBucketAcl", AUDIT_ARN,
    )
    flow_write = statement(document, "DeliveryLogsVpcFlowLogsWrite")
    assert flow_write["Resource"] == f"{AUDIT_ARN}/vpc-flow-logs/AWSLogs/{ACCOUNT}/*"
    for stmt in (flow_acl, flow_write):
        assert stmt["Condition"] == {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:*"},
        }
    config_acl = statement(document, "ConfigConfigAclCheck")
    assert config_acl["Action"] == ["s3:GetBucketAcl", "s3:ListBucket"]
    config_write = statement(document, "ConfigConfigWrite")
    assert config_write["Resource"] == f"{AUDIT_ARN}/config/AWSLogs/{ACCOUNT}/*"
    for stmt in (config_acl, config_write):
        assert stmt["Principal"] == {"Service": "config.amazonaws.com"}
        assert stmt["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    allows = [s for s in document["Statement"] if s["Effect"] == "Allow"]
    assert all("Service" in s["Principal"] for s in allows)  # no account or wildcard principal is let in


def test_audit_bucket_policy_comes_after_the_lock_it_protects(plan):
    policy = for_bucket(plan, POLICY, "a-audit")
    lock = for_bucket(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "a-audit")
    assert lock.urn in policy.dependencies


def test_without_delivery_grants_only_cloudtrail_may_write():
    plan = build_trail(compliant_args(delivery_grants=()))
    document = policy_document(for_bucket(plan, POLICY, "a-audit").inputs["policy"])
    assert [s["Sid"] for s in document["Statement"]] == [
        "DenyInsecureTransport",
        *TAMPERING_SIDS,
        "CloudTrailAclCheck",
        "CloudTrailWrite",
    ]


# --- access-log bucket ----------------------------------------------------------------------------------


def test_access_log_bucket_is_a_tagged_sse_s3_sink_without_object_lock_or_self_logging(plan):
    bucket = one(plan, BUCKET, "a-access-logs")
    assert bucket.inputs["bucket"] == ACCESS
    assert "objectLockEnabled" not in bucket.inputs
    assert bucket.inputs["forceDestroy"] is False
    assert bucket.inputs["tags"]["quome:log-sink"] == "s3-access-logs"
    sse = for_bucket(plan, SSE, "a-access-logs")
    assert sse.inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "blockedEncryptionTypes": ["SSE-C"]}
    ]
    versioning = for_bucket(plan, "aws:s3/bucketVersioning:BucketVersioning", "a-access-logs")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    block = for_bucket(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "a-access-logs")
    assert all(
        block.inputs[f] is True
        for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    ownership = for_bucket(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "a-access-logs")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    target = one(plan, BUCKET, "a-access-logs").urn
    assert [
        r for r in of_type(plan, "aws:s3/bucketLogging:BucketLogging") if r.property_dependencies["bucket"] == [target]
    ] == []
    assert of_type(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration") == [
        for_bucket(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "a-audit")
    ]


@pytest.mark.parametrize(("years", "days"), [(7, 2562), (10, 3660)])
def test_access_logs_are_kept_at_least_the_audit_retention(years, days):
    plan = build_trail(compliant_args(retention_years=years))
    lifecycle = for_bucket(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "a-access-logs")
    assert lifecycle.inputs["rules"] == [
        {
            "id": "keep-for-audit-retention",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "expiration": {"days": days},
            "noncurrentVersionExpiration": {"noncurrentDays": days},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
        }
    ]
    assert days >= years * 365.25


def test_access_log_bucket_policy_admits_only_s3_logging_from_platform_buckets_of_this_account(plan):
    document = policy_document(for_bucket(plan, POLICY, "a-access-logs").inputs["policy"])
    assert [s["Sid"] for s in document["Statement"]] == [
        "DenyInsecureTransport", *TAMPERING_SIDS, "S3ServerAccessLogsWrite"
    ]
    deny = statement(document, "DenyInsecureTransport")
    assert deny["Resource"] == [ACCESS_ARN, f"{ACCESS_ARN}/*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    write = statement(document, "S3ServerAccessLogsWrite")
    assert write["Effect"] == "Allow"
    assert write["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert write["Action"] == "s3:PutObject"
    assert write["Resource"] == f"{ACCESS_ARN}/*"
    assert write["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::quome-*"},
    }


def test_access_logs_can_be_removed_or_unversioned_only_by_break_glass(plan):
    """The sink has no object lock (it would stop log delivery): its policy keeps the record instead."""
    document = policy_document(for_bucket(plan, POLICY, "a-access-logs").inputs["policy"])
    assert_denies_tampering_except_break_glass(document, ACCESS_ARN)
    # The only Allow is S3's log delivery; it writes, never deletes.
    assert [s["Sid"] for s in document["Statement"] if s["Effect"] == "Allow"] == ["S3ServerAccessLogsWrite"]


def test_access_log_policy_comes_after_the_versioning_it_protects(plan):
    policy = for_bucket(plan, POLICY, "a-access-logs")
    versioning = for_bucket(plan, "aws:s3/bucketVersioning:BucketVersioning", "a-access-logs")
    assert versioning.urn in policy.dependencies
    audit_versioning = for_bucket(plan, "aws:s3/bucketVersioning:BucketVersioning", "a-audit")
    assert audit_versioning.urn in for_bucket(plan, POLICY, "a-audit").dependencies


# --- CloudTrail ---------------------------------------------------------------------------------------


def test_trail_is_multi_region_validated_encrypted_and_delivers_to_the_audit_bucket_and_log_group(plan):
    trail = one(plan, "aws:cloudtrail/trail:Trail")
    assert trail.inputs["name"] == "quome-audit"
    assert trail.inputs["isMultiRegionTrail"] is True
    assert trail.inputs["includeGlobalServiceEvents"] is True
    assert trail.inputs["enableLogFileValidation"] is True
    assert trail.inputs["enableLogging"] is True
    assert trail.inputs["isOrganizationTrail"] is False
    assert trail.inputs["kmsKeyId"] == LOGS_KEY
    assert trail.inputs["s3BucketName"] == AUDIT
    assert trail.property_dependencies["s3BucketName"] == [one(plan, BUCKET, "a-audit").urn]
    assert trail.inputs["s3KeyPrefix"] == "cloudtrail"
    group = one(plan, "aws:cloudwatch/logGroup:LogGroup")
    assert trail.inputs["cloudWatchLogsGroupArn"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/quome/audit/cloudtrail:*"
    )
    role = one(plan, "aws:iam/role:Role")
    assert trail.property_dependencies["cloudWatchLogsRoleArn"] == [role.urn]
    assert for_bucket(plan, POLICY, "a-audit").urn in trail.dependencies
    assert one(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").urn in trail.dependencies
    assert group.urn in trail.property_dependencies["cloudWatchLogsGroupArn"]


def test_trail_records_management_events_and_s3_object_events_except_its_own_buckets(plan):
    trail = one(plan, "aws:cloudtrail/trail:Trail")
    assert trail.inputs["advancedEventSelectors"][:2] == [
        {"name": "management-events", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]},
        {
            "name": "s3-object-events-except-audit-buckets",
            "fieldSelectors": [
                {"field": "eventCategory", "equals": ["Data"]},
                {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                {"field": "resources.ARN", "notStartsWiths": [f"{AUDIT_ARN}/", f"{ACCESS_ARN}/"]},
            ],
        },
    ]
    assert "eventSelectors" not in trail.inputs


def test_trail_records_reads_of_the_audit_bucket_and_deletions_on_both_of_its_buckets(plan):
    """Reads and deletions of audit data were only in server access logs, which an S3 user could delete.
    Writes to these two buckets stay unrecorded: CloudTrail's deliveries (and their access logs) would
    log themselves forever."""
    selectors = one(plan, "aws:cloudtrail/trail:Trail").inputs["advancedEventSelectors"]
    assert [s["name"] for s in selectors] == [
        "management-events",
        "s3-object-events-except-audit-buckets",
        "audit-bucket-object-reads",
        "audit-buckets-object-deletions",
    ]
    assert selectors[2] == {
        "name": "audit-bucket-object-reads",
        "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
            {"field": "readOnly", "equals": ["true"]},
            {"field": "resources.ARN", "startsWiths": [f"{AUDIT_ARN}/"]},
        ],
    }
    assert selectors[3] == {
        "name": "audit-buckets-object-deletions",
        "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
            {
                "field": "eventName",
                "equals": ["DeleteObject", "DeleteObjects", "PutObjectRetention", "PutObjectLegalHold"],
            },
            {"field": "resources.ARN", "startsWiths": [f"{AUDIT_ARN}/", f"{ACCESS_ARN}/"]},
        ],
    }
    # No selector on these buckets records writes: no readOnly "false", no PutObject, and every selector that
    # reaches them either keeps reads only or names its (non-delivery) events.
    for selector in selectors[2:]:
        fields = {f["field"]: f for f in selector["fieldSelectors"]}
        assert fields.get("readOnly") == {"field": "readOnly", "equals": ["true"]} or "eventName" in fields
        assert "PutObject" not in fields.get("eventName", {}).get("equals", [])


@pytest.mark.parametrize(("years", "days"), [(7, 2557), (8, 2922), (9, 3288), (10, 3653), (11, 0)])
def test_trail_log_group_is_kms_encrypted_with_retention_mapped_to_cloudwatch_values(years, days):
    plan = build_trail(compliant_args(retention_years=years))
    group = one(plan, "aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == "/quome/audit/cloudtrail"
    assert group.inputs["kmsKeyId"] == LOGS_KEY
    assert group.inputs["retentionInDays"] == days


def test_trail_role_trusts_only_this_trail_and_writes_only_its_log_streams(plan):
    role = one(plan, "aws:iam/role:Role")
    trust = policy_document(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Sid": "CloudTrailAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceArn": TRAIL, "aws:SourceAccount": ACCOUNT}},
        }
    ]
    assert "inlinePolicies" not in role.inputs
    assert of_type(plan, "aws:iam/rolePolicy:RolePolicy") == []
    policy = one(plan, "aws:iam/policy:Policy")
    assert policy_document(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "WriteTrailLogStreams",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/quome/audit/cloudtrail:log-stream:*",
        }
    ]
    attachment = one(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.property_dependencies["role"] == [role.urn]
    assert attachment.property_dependencies["policyArn"] == [policy.urn]


# --- protection -----------------------------------------------------------------------------------------


def test_prod_protects_buckets_lock_log_group_and_trail_but_not_the_component():
    plan = build_trail(compliant_args(protect=True), env="prod")
    protected = sorted(r.name for r in plan.registrations if r.protect)
    assert protected == ["a-access-logs", "a-audit", "a-audit-object-lock", "a-trail", "a-trail-logs"]
    assert one(plan, "aws:cloudwatch/logGroup:LogGroup").inputs["deletionProtectionEnabled"] is True
    assert not any(r.retain_on_delete for r in plan.registrations)


def test_dev_forgets_the_audit_data_and_its_configuration_instead_of_deleting_them():
    plan = build_trail(compliant_args(retain_locked_data=True))
    assert not any(r.protect for r in plan.registrations)
    retained = {r.name for r in plan.registrations if r.retain_on_delete}
    for name in (
        "a-audit",
        "a-audit-object-lock",
        "a-audit-policy",
        "a-audit-sse",
        "a-audit-public-access-block",
        "a-access-logs",
        "a-access-logs-policy",
    ):
        assert name in retained, name
    assert "a-trail" not in retained and "a-trail-logs-role" not in retained
    assert one(plan, "aws:cloudwatch/logGroup:LogGroup").inputs["deletionProtectionEnabled"] is False


def test_every_resource_uses_the_explicit_provider(plan):
    for resource in plan.registrations:
        if resource.custom and not resource.type.startswith("pulumi:providers:"):
            assert resource.provider is not None and "::default" not in resource.provider, resource.name


# --- grants and validation --------------------------------------------------------------------------------


def test_baseline_stacks_publish_the_config_delivery_grant():
    assert baseline_delivery_grants(make_spec(ownsAccountBaseline=True)) == (CONFIG,)
    assert baseline_delivery_grants(make_spec()) == ()
    spec = make_spec(ownsAccountBaseline=True)
    assert gather_delivery_grants(spec, (baseline_delivery_grants, baseline_delivery_grants)) == (CONFIG,)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: LogDeliveryGrant("delivery.logs", "x/", "arn:aws:logs:*"), "must be a service principal"),
        (lambda: LogDeliveryGrant("delivery.logs.amazonaws.com", "flow", "arn:aws:logs:*"), "ending in '/'"),
        (
            lambda: LogDeliveryGrant("delivery.logs.amazonaws.com", "cloudtrail/", "arn:aws:logs:*"),
            "reserved for the CloudTrail trail",
        ),
        (lambda: LogDeliveryGrant("delivery.logs.amazonaws.com", "flow/", None), "source_arn_pattern is missing"),
        (lambda: LogDeliveryGrant("delivery.logs.amazonaws.com", "flow/", "*"), "must be an ARN pattern"),
        (lambda: compliant_args(retention_years=6), "retention_years = 6: at least 7 years"),
        (
            lambda: compliant_args(break_glass_role_arn="arn:aws:iam::999999999999:role/bg"),
            "must be an IAM role of account 111111111111",
        ),
        (
            lambda: compliant_args(
                delivery_grants=(
                    FLOW_LOGS,
                    LogDeliveryGrant("delivery.logs.amazonaws.com", "vpc-flow-logs/extra/", "arn:aws:logs:*"),
                )
            ),
            "overlap",
        ),
    ],
)
def test_invalid_inputs_are_rejected(make, message):
    with pytest.raises(ValueError) as caught:
        make()
    assert message in str(caught.value)
