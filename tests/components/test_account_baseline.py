"""AccountBaseline: the account and region singletons, value by value, and who owns the global ones."""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.account_baseline import (
    AccountBaseline,
    AccountBaselineArgs,
    audit_delivery_grants,
    config_service_linked_role_arn,
    creates_autoscaling_role,
    delivers_config,
    key_grants,
    owns_account_globals,
)
from components.audit_trail import trail_arn
from components.keys import KeysArgs, KeyUseGrant
from components.providers import aws_provider
from tests.harness import ACCOUNT, REGION, build, make_spec, of_type, one, policy_document

STORAGE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/storage-key"
LOGS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/logs-key"
AUDIT = f"quome-audit-{ACCOUNT}-{REGION}"


def build_baseline(spec=None, **changes: Any):
    spec = spec or make_spec(ownsAccountBaseline=True)

    def body() -> None:
        provider = aws_provider("aws", spec)
        # Stands in for the audit bucket policy that admits AWS Config.
        ready = aws.s3.BucketPolicy(
            "audit-policy", bucket=AUDIT, policy="{}", opts=pulumi.ResourceOptions(provider=provider)
        )
        args = AccountBaselineArgs.from_spec(
            spec,
            storage_key_arn=STORAGE_KEY,
            logs_key_arn=LOGS_KEY,
            audit_bucket_name=AUDIT,
            audit_delivery_ready=(ready,),
        )
        AccountBaseline("b", dataclasses.replace(args, **changes), provider=provider)

    return build(body, region=spec.region, account=spec.account_id)


@pytest.fixture(scope="module")
def plan():
    return build_baseline()


def test_ebs_encryption_by_default_with_the_storage_key(plan):
    assert one(plan, "aws:ebs/encryptionByDefault:EncryptionByDefault").inputs["enabled"] is True
    assert one(plan, "aws:ebs/defaultKmsKey:DefaultKmsKey").inputs["keyArn"] == STORAGE_KEY


def test_s3_account_public_access_block_has_all_four_flags(plan):
    block = one(plan, "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock")
    assert block.inputs == {
        "accountId": ACCOUNT,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }


def test_guardduty_detector_with_eks_runtime_s3_and_malware_features(plan):
    detector = one(plan, "aws:guardduty/detector:Detector")
    assert detector.inputs["enable"] is True
    assert detector.inputs["findingPublishingFrequency"] == "FIFTEEN_MINUTES"
    assert "datasources" not in detector.inputs  # deprecated in favour of DetectorFeature
    features = {r.inputs["name"]: r for r in of_type(plan, "aws:guardduty/detectorFeature:DetectorFeature")}
    assert sorted(features) == ["EBS_MALWARE_PROTECTION", "EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "S3_DATA_EVENTS"]
    assert "EKS_RUNTIME_MONITORING" not in features  # AWS accepts only one of the two runtime features
    for feature in features.values():
        assert feature.inputs["status"] == "ENABLED"
        assert feature.property_dependencies["detectorId"] == [detector.urn]
    assert features["RUNTIME_MONITORING"].inputs["additionalConfigurations"] == [
        {"name": "EKS_ADDON_MANAGEMENT", "status": "ENABLED"}
    ]
    assert "additionalConfigurations" not in features["EKS_AUDIT_LOGS"].inputs


def test_security_hub_without_default_standards_and_two_explicit_subscriptions(plan):
    hub = one(plan, "aws:securityhub/account:Account")
    assert hub.inputs["enableDefaultStandards"] is False
    assert hub.inputs["autoEnableControls"] is True
    assert hub.inputs["controlFindingGenerator"] == "SECURITY_CONTROL"
    subscriptions = of_type(plan, "aws:securityhub/standardsSubscription:StandardsSubscription")
    assert sorted(s.inputs["standardsArn"] for s in subscriptions) == [
        f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0",
        f"arn:aws:securityhub:{REGION}::standards/cis-aws-foundations-benchmark/v/3.0.0",
    ]
    assert all(hub.urn in s.dependencies for s in subscriptions)


def test_config_records_everything_continuously_and_delivers_encrypted_to_the_audit_bucket(plan):
    recorder = one(plan, "aws:cfg/recorder:Recorder")
    assert recorder.inputs["name"] == "quome"
    assert recorder.inputs["roleArn"] == config_service_linked_role_arn(ACCOUNT)
    assert recorder.inputs["roleArn"] == (
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
    assert recorder.inputs["recordingGroup"] == {"allSupported": True, "includeGlobalResourceTypes": True}
    assert recorder.inputs["recordingMode"] == {"recordingFrequency": "CONTINUOUS"}
    role = one(plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.inputs["awsServiceName"] == "config.amazonaws.com"
    assert role.urn in recorder.dependencies

    channel = one(plan, "aws:cfg/deliveryChannel:DeliveryChannel")
    assert channel.inputs["s3BucketName"] == AUDIT
    assert channel.inputs["s3KeyPrefix"] == "config"
    assert channel.inputs["s3KmsKeyArn"] == LOGS_KEY
    assert channel.inputs["snapshotDeliveryProperties"] == {"deliveryFrequency": "TwentyFour_Hours"}
    assert recorder.urn in channel.dependencies
    assert one(plan, "aws:s3/bucketPolicy:BucketPolicy").urn in channel.dependencies

    status = one(plan, "aws:cfg/recorderStatus:RecorderStatus")
    assert status.inputs == {"name": "quome", "isEnabled": True}
    assert channel.urn in status.dependencies


def test_inspector_scans_ec2_and_ecr(plan):
    enabler = one(plan, "aws:inspector2/enabler:Enabler")
    assert enabler.inputs["accountIds"] == [ACCOUNT]
    assert enabler.inputs["resourceTypes"] == ["EC2", "ECR"]


def test_every_resource_uses_the_explicit_provider_and_nothing_is_protected(plan):
    for resource in plan.registrations:
        if resource.custom and not resource.type.startswith("pulumi:providers:"):
            assert resource.provider is not None and "::default" not in resource.provider, resource.name
        assert not resource.protect


def test_outside_the_zone_home_region_the_account_global_singletons_are_left_to_the_home_stack():
    spec = make_spec(**{"aws:region": "us-west-2", "ownsAccountBaseline": True})
    assert not owns_account_globals(spec)
    plan = build_baseline(spec)
    assert of_type(plan, "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock") == []
    assert of_type(plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole") == []
    recorder = one(plan, "aws:cfg/recorder:Recorder")
    assert recorder.inputs["recordingGroup"] == {"allSupported": True, "includeGlobalResourceTypes": False}
    assert recorder.inputs["roleArn"] == config_service_linked_role_arn(ACCOUNT)
    # The regional singletons are still this stack's.
    assert one(plan, "aws:guardduty/detector:Detector").inputs["enable"] is True
    assert one(plan, "aws:ebs/encryptionByDefault:EncryptionByDefault").inputs["enabled"] is True


@pytest.mark.parametrize(
    ("region", "residency", "owns"),
    [("us-east-1", "us", True), ("us-west-2", "us", False), ("eu-central-1", "eu", True), ("eu-west-1", "eu", False)],
)
def test_global_singletons_belong_to_the_baseline_stack_of_the_zone_home_region(region, residency, owns):
    orgs = [{"id": "acme", "displayName": "Acme", "residency": residency}]
    spec = make_spec(
        **{"aws:region": region, "residency": residency, "ownsAccountBaseline": True, "organizations": orgs}
    )
    assert owns_account_globals(spec) is owns
    not_owner = make_spec(**{"aws:region": region, "residency": residency, "organizations": orgs})
    assert owns_account_globals(not_owner) is False


def test_a_stack_that_does_not_own_the_baseline_cannot_build_it_and_asks_for_no_grants():
    spec = make_spec()
    with pytest.raises(ValueError, match="ownsAccountBaseline is false"):
        AccountBaselineArgs.from_spec(spec, storage_key_arn=STORAGE_KEY, logs_key_arn=LOGS_KEY, audit_bucket_name=AUDIT)
    assert key_grants(spec) == ()


def test_the_default_ebs_key_is_usable_through_ec2_by_the_account():
    assert key_grants(make_spec(ownsAccountBaseline=True)) == (
        KeyUseGrant(key="storage", via_services=("ec2",), allow_create_grant=True),
    )


# --- adopting existing singletons (quome:adoptExisting) ------------------------------------------------------

DETECTOR_ID = "0123456789abcdef0123456789abcdef"
SLR = "aws:iam/serviceLinkedRole:ServiceLinkedRole"
GUARDDUTY_TYPES = ("aws:guardduty/detector:Detector", "aws:guardduty/detectorFeature:DetectorFeature")
CONFIG_TYPES = (
    "aws:cfg/recorder:Recorder", "aws:cfg/deliveryChannel:DeliveryChannel", "aws:cfg/recorderStatus:RecorderStatus"
)
HUB_TYPES = ("aws:securityhub/account:Account", "aws:securityhub/standardsSubscription:StandardsSubscription")


def adopting(**adopt: Any):
    return make_spec(ownsAccountBaseline=True, adoptExisting=adopt)


def built_baseline(spec):
    holder: dict[str, AccountBaseline] = {}

    def body() -> None:
        provider = aws_provider("aws", spec)
        args = AccountBaselineArgs.from_spec(
            spec, storage_key_arn=STORAGE_KEY, logs_key_arn=LOGS_KEY, audit_bucket_name=AUDIT
        )
        holder["baseline"] = AccountBaseline("b", args, provider=provider)

    plan = build(body, region=spec.region, account=spec.account_id)
    return plan, holder["baseline"]


def test_by_default_every_singleton_is_created(plan):
    for token in (SLR, *GUARDDUTY_TYPES, *CONFIG_TYPES, *HUB_TYPES):
        assert of_type(plan, token), token
    spec = make_spec(ownsAccountBaseline=True)
    assert creates_autoscaling_role(spec) is True
    assert delivers_config(spec) is True


def test_an_adopted_guardduty_detector_is_referenced_and_left_to_its_owner():
    plan, baseline = built_baseline(adopting(guardDutyDetectorId=DETECTOR_ID))
    for token in GUARDDUTY_TYPES:
        assert of_type(plan, token) == [], token
    assert baseline.guardduty is None and baseline.guardduty_features == {}
    assert baseline.guardduty_detector_id == DETECTOR_ID
    # The other singletons are still this stack's.
    assert one(plan, "aws:cfg/recorder:Recorder").inputs["name"] == "quome"
    assert one(plan, "aws:securityhub/account:Account").inputs["enableDefaultStandards"] is False


def test_an_adopted_config_recorder_keeps_its_own_channel_and_status_and_delivers_nothing_here():
    spec = adopting(configRecorderName="aws-controltower-BaselineConfigRecorder")
    plan, baseline = built_baseline(spec)
    for token in CONFIG_TYPES:
        assert of_type(plan, token) == [], token
    # Its service-linked role belongs to the recorder's owner as well.
    assert of_type(plan, SLR) == []
    assert baseline.config_recorder is None
    assert baseline.config_recorder_name == "aws-controltower-BaselineConfigRecorder"
    hub = one(plan, "aws:securityhub/account:Account")
    assert hub.dependencies == []
    assert delivers_config(spec) is False
    assert audit_delivery_grants(spec) == ()
    keys_args = KeysArgs.from_spec(spec, cloudtrail_arn=trail_arn(ACCOUNT, REGION))
    assert keys_args.allow_config_delivery is False


def test_an_adopted_config_role_is_not_created_and_the_recorder_still_uses_it():
    plan, _ = built_baseline(adopting(configServiceLinkedRole=True))
    assert of_type(plan, SLR) == []
    recorder = one(plan, "aws:cfg/recorder:Recorder")
    assert recorder.inputs["roleArn"] == config_service_linked_role_arn(ACCOUNT)
    assert recorder.dependencies == []
    assert one(plan, "aws:cfg/recorderStatus:RecorderStatus").inputs == {"name": "quome", "isEnabled": True}


def test_an_adopted_security_hub_is_neither_created_nor_subscribed():
    plan, baseline = built_baseline(adopting(securityHub=True))
    for token in HUB_TYPES:
        assert of_type(plan, token) == [], token
    assert baseline.security_hub is None and baseline.security_hub_standards == {}
    assert one(plan, "aws:guardduty/detector:Detector").inputs["enable"] is True


def test_the_autoscaling_role_is_created_only_by_the_home_region_baseline_stack_unless_adopted():
    assert creates_autoscaling_role(adopting(autoscalingServiceLinkedRole=True)) is False
    assert creates_autoscaling_role(make_spec()) is False
    assert creates_autoscaling_role(make_spec(**{"aws:region": "us-west-2", "ownsAccountBaseline": True})) is False
    # Adopting it changes nothing in the baseline itself (the Keys component creates it).
    plan, _ = built_baseline(adopting(autoscalingServiceLinkedRole=True))
    assert one(plan, SLR).inputs["awsServiceName"] == "config.amazonaws.com"


def test_the_program_adopts_every_singleton_its_config_names(tmp_path):
    """Through the real __main__.py: nothing adopted is created, the rest of the baseline is, and no
    policy still admits AWS Config into the audit bucket."""
    import yaml

    from quome.plan import PROJECT_ROOT, plan_stack

    document = yaml.safe_load((PROJECT_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    document["config"]["quome:adoptExisting"] = {
        "autoscalingServiceLinkedRole": True,
        "configServiceLinkedRole": True,
        "guardDutyDetectorId": DETECTOR_ID,
        "configRecorderName": "aws-controltower-BaselineConfigRecorder",
        "securityHub": True,
    }
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    for entry in ("__main__.py", "components"):
        (tmp_path / entry).symlink_to(PROJECT_ROOT / entry)
    resources = plan_stack("dev", tmp_path)["resources"]
    types = [r["type"] for r in resources]
    for token in (SLR, *GUARDDUTY_TYPES, *CONFIG_TYPES, *HUB_TYPES):
        assert token not in types, token
    for token in (
        "aws:ebs/encryptionByDefault:EncryptionByDefault",
        "aws:ebs/defaultKmsKey:DefaultKmsKey",
        "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
        "aws:inspector2/enabler:Enabler",
    ):
        assert types.count(token) == 1, token
    def statements(token: str, name_suffix: str) -> list[dict[str, Any]]:
        found = next(r for r in resources if r["type"] == token and r["name"].endswith(name_suffix))
        return policy_document(found["inputs"]["policy"])["Statement"]

    assert "ConfigDelivery" not in [s["Sid"] for s in statements("aws:kms/key:Key", "-keys-logs")]
    principals = [s.get("Principal") for s in statements("aws:s3/bucketPolicy:BucketPolicy", "-audit-policy")]
    assert {"Service": "config.amazonaws.com"} not in principals
    # The storage key still names the adopted Auto Scaling role: it exists account-wide.
    assert "AutoScalingServiceLinkedRoleUse" in [s["Sid"] for s in statements("aws:kms/key:Key", "-keys-storage")]
