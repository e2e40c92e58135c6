"""What the factory wraps around every validator: config defaults, type filtering, stack not-applicable notes;
and the metadata it derives from the catalog (tags)."""
import pytest
from pulumi_policy import PolicyConfigSchema

from hipaa_pack import POLICIES
from hipaa_pack.catalog import CATALOG
from hipaa_pack.checks import enc_s3_sse_kms, key_rotation_enabled
from hipaa_pack.factory import NOTE_SEPARATOR, StackArgs, resource_policy, stack_policy
from tests.policies.fakes import FakeResource, resolved_config, resource_args, run, stack_args, urn_for

KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucket:Bucket"


def test_schema_defaults_apply_when_the_driver_sends_no_config():
    outcome = run(key_rotation_enabled.POLICY, resource_args(KEY, {"enableKeyRotation": True,
                                                                   "rotationPeriodInDays": 400}, name="k"))
    assert outcome.messages == ["KMS key 'k': rotationPeriodInDays is 400; required at most 365"]


def test_configured_values_override_the_defaults():
    config = resolved_config(key_rotation_enabled.POLICY, {"maxRotationPeriodInDays": 730})
    outcome = run(key_rotation_enabled.POLICY, resource_args(KEY, {"enableKeyRotation": True,
                                                                   "rotationPeriodInDays": 400}, config=config))
    assert outcome.violations == []


def test_resource_validators_only_see_the_control_types():
    seen = []
    policy = resource_policy(CATALOG["key-rotation-enabled"], lambda args, report: seen.append(args.resource_type))
    for resource_type in (KEY, BUCKET, "aws:kms/alias:Alias"):
        run(policy, resource_args(resource_type, {}))
    assert seen == [KEY]


def test_validators_receive_defaults_merged_into_their_config():
    seen = {}
    schema = PolicyConfigSchema(properties={"maxRotationPeriodInDays": {"type": "integer", "default": 365}})
    policy = resource_policy(CATALOG["key-rotation-enabled"], lambda args, report: seen.update(args.get_config()),
                             schema)
    run(policy, resource_args(KEY, {}, config={"maxRotationPeriodInDays": 90}))
    assert seen == {"maxRotationPeriodInDays": 90, "exemptions": []}


def test_async_resource_validators_are_supported():
    async def validate(args, report_violation):
        report_violation(f"async finding on {args.name}", None)

    policy = resource_policy(CATALOG["key-rotation-enabled"], validate)
    assert run(policy, resource_args(KEY, {}, name="k")).messages == ["async finding on k"]


def test_stack_not_applicable_notes_become_one_entry_after_an_async_check():
    async def validate(args: StackArgs, report_violation):
        for bucket in args.resources:
            if bucket.name == "logs":
                args.not_applicable_to(bucket, "log sink, SSE-S3 by design")
                args.not_applicable_to(bucket, "log sink, SSE-S3 by design")
            else:
                report_violation(f"bucket '{bucket.name}' is bad", bucket.urn)

    policy = stack_policy(CATALOG["enc-s3-sse-kms"], validate)
    outcome = run(policy, stack_args([FakeResource(BUCKET, "logs"), FakeResource(BUCKET, "phi")]))
    assert outcome.messages == ["bucket 'phi' is bad"]
    assert outcome.not_applicable == f"{urn_for(BUCKET, 'logs')}: log sink, SSE-S3 by design"


def test_stack_notes_are_one_line_per_resource_sorted_by_urn_whatever_the_resource_order():
    def validate(args: StackArgs, report_violation):
        for resource in args.resources:
            args.not_applicable_to(resource, f"out of scope,\n  {resource.name} reason; with a semicolon")

    policy = stack_policy(CATALOG["enc-s3-sse-kms"], validate)
    forward = [FakeResource(BUCKET, "alpha"), FakeResource(BUCKET, "beta")]
    expected = (f"{urn_for(BUCKET, 'alpha')}: out of scope, alpha reason; with a semicolon{NOTE_SEPARATOR}"
                f"{urn_for(BUCKET, 'beta')}: out of scope, beta reason; with a semicolon")
    assert run(policy, stack_args(forward)).not_applicable == expected
    assert run(policy, stack_args(forward[::-1])).not_applicable == expected


def test_a_stack_check_without_notes_reports_no_not_applicable_entry():
    policy = stack_policy(CATALOG["enc-s3-sse-kms"], lambda args, report: None)
    assert run(policy, stack_args([FakeResource(BUCKET, "phi")])).not_applicable is None


def test_not_applicable_to_needs_a_reason():
    args = StackArgs([], {}, {})
    with pytest.raises(ValueError, match="not_applicable_to needs a reason"):
        args.not_applicable_to(stack_args([FakeResource(BUCKET, "phi")]).resources[0], "")


def test_a_resource_policy_is_tagged_with_its_citations_domain_and_types():
    assert key_rotation_enabled.POLICY.tags == ["hipaa:164.312(a)(2)(iv)", "key-management", KEY]


def test_a_stack_policy_is_tagged_with_its_citations_domain_and_types():
    assert enc_s3_sse_kms.POLICY.tags == [
        "hipaa:164.312(a)(2)(iv)", "hipaa:164.312(c)(2)", "hipaa:164.312(e)(2)(ii)", "hipaa:164.308(a)(4)(ii)(A)",
        "hipaa:164.312(c)(1)", "hipaa:164.314(b)(1)", "hipaa:164.314(b)(2)", "encryption-at-rest",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        BUCKET, "aws:s3/bucketV2:BucketV2", "aws:s3/bucketLogging:BucketLogging",
        "aws:s3/bucketLoggingV2:BucketLoggingV2", "aws:lb/loadBalancer:LoadBalancer",
        "aws:alb/loadBalancer:LoadBalancer"]


def test_every_policy_carries_exactly_its_catalog_citations_domain_and_types():
    assert len(POLICIES) == len(CATALOG)
    for policy in POLICIES:
        control = CATALOG[policy.name]
        assert policy.tags == ([f"hipaa:{c}" for c in control.citations] + [control.domain_slug]
                               + list(control.resource_types)), policy.name
