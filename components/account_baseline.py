"""Account and region singletons, created only by the stack whose config owns them (`ownsAccountBaseline`).

Each of these exists once per account and region (or once per account), so exactly one stack may
create it; a second stack creating its own would fail or silently fight over the setting.

Regional (the baseline-owning stack of each account and region):
- EBS encryption by default, with the storage key as the default key;
- GuardDuty with EKS audit logs, runtime monitoring (EKS add-on managed by GuardDuty), S3 data events
  and EBS malware protection;
- Security Hub without the implicit default standards, subscribed explicitly to AWS Foundational
  Security Best Practices and CIS v3.0.0 (explicit subscriptions are reviewable; defaults change);
- AWS Config recording every supported resource type continuously, delivering into the audit bucket
  (encrypted with the logs key);
- Inspector for EC2 instances and ECR images.

Account-global (IAM and S3 account settings), owned by the baseline stack in the residency zone's home
region (the zone's first region: us-east-1, eu-central-1, ca-central-1), see `owns_account_globals`:
- the S3 account-level public access block;
- AWS Config's service-linked role, and recording of global resource types (IAM) - recording them in
  every region would duplicate every IAM item; the home region keeps them inside the zone;
- the EC2 Auto Scaling service-linked role (created by the Keys component, which names it in the storage
  key's policy).
A baseline stack outside its zone's home region references those service-linked roles by ARN; its
account must then have them already (from the home-region stack, or AWS creating them on first use).

Adopting what exists (`quome:adoptExisting`, components/config.py AdoptExisting): in an account that is
not new, a singleton may already exist and belong to someone else, and creating it would fail ("has
been taken", "already exists"). Each one can be adopted on its own: the stack then references it
(service-linked roles by their fixed ARN, the GuardDuty detector by id, the Config recorder by name)
and neither creates nor configures it; the owner keeps its settings. Creating stays the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pulumi
import pulumi_aws as aws

from components.audit_trail import LogDeliveryGrant
from components.config import AdoptExisting, PlatformSpec
from components.keys import KeyUseGrant
from components.providers import child_options
from components.residency import regions_of

PARTITION = "aws"
CONFIG_RECORDER_NAME = "quome"
CONFIG_DELIVERY_PREFIX = "config"
GUARDDUTY_FEATURES = ("S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "EBS_MALWARE_PROTECTION", "RUNTIME_MONITORING")
INSPECTOR_RESOURCE_TYPES = ("EC2", "ECR")


def security_hub_standards(region: str) -> dict[str, str]:
    return {
        "aws-foundational": (
            f"arn:{PARTITION}:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0"
        ),
        "cis": f"arn:{PARTITION}:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/3.0.0",
    }


def config_service_linked_role_arn(account_id: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def owns_account_globals(spec: PlatformSpec) -> bool:
    """Whether this stack also creates the account-global singletons: the baseline stack of the zone's home region."""
    return spec.owns_account_baseline and spec.region == regions_of(spec.residency)[0]


def creates_autoscaling_role(spec: PlatformSpec) -> bool:
    """Whether the Keys component creates the Auto Scaling service-linked role: the home-region baseline
    stack does, unless the role is adopted (any account that ever ran an Auto Scaling group has it)."""
    return owns_account_globals(spec) and not spec.adopt_existing.autoscaling_service_linked_role


def delivers_config(spec: PlatformSpec) -> bool:
    """Whether this stack's AWS Config delivers into its audit bucket (an adopted recorder keeps its own
    delivery channel, of which a region has one)."""
    return spec.owns_account_baseline and spec.adopt_existing.config_recorder_name is None


def key_grants(spec: PlatformSpec) -> tuple[KeyUseGrant, ...]:
    """The storage key is the account's default EBS key here, so anything creating a volume in this account
    and region uses it through EC2 (still only if its own IAM policy allows)."""
    if not spec.owns_account_baseline:
        return ()
    return (KeyUseGrant(key="storage", via_services=("ec2",), allow_create_grant=True),)


def audit_delivery_grants(spec: PlatformSpec) -> tuple[LogDeliveryGrant, ...]:
    """AWS Config delivers configuration history and snapshots into the audit bucket."""
    if not delivers_config(spec):
        return ()
    return (
        LogDeliveryGrant(service="config.amazonaws.com", prefix=f"{CONFIG_DELIVERY_PREFIX}/", source_arn_pattern=None),
    )


@dataclass(frozen=True)
class AccountBaselineArgs:
    account_id: str
    region: str
    storage_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    audit_bucket_name: pulumi.Input[str]
    owns_account_globals: bool
    audit_delivery_ready: tuple[pulumi.Resource, ...] = ()
    """Resources AWS Config's delivery channel must wait for (the audit bucket policy that admits it)."""
    adopt: AdoptExisting = AdoptExisting()
    """Singletons that exist already: referenced, not created (default: create every one)."""

    @property
    def creates_config_role(self) -> bool:
        # Only a recorder of this stack's needs it; an adopted recorder runs under its owner's role.
        return (
            self.owns_account_globals
            and not self.adopt.config_service_linked_role
            and self.adopt.config_recorder_name is None
        )

    @classmethod
    def from_spec(
        cls,
        spec: PlatformSpec,
        storage_key_arn: pulumi.Input[str],
        logs_key_arn: pulumi.Input[str],
        audit_bucket_name: pulumi.Input[str],
        audit_delivery_ready: tuple[pulumi.Resource, ...] = (),
    ) -> "AccountBaselineArgs":
        if not spec.owns_account_baseline:
            raise ValueError("quome:ownsAccountBaseline is false: this stack must not create the account baseline")
        return cls(
            account_id=spec.account_id,
            region=spec.region,
            storage_key_arn=storage_key_arn,
            logs_key_arn=logs_key_arn,
            audit_bucket_name=audit_bucket_name,
            owns_account_globals=owns_account_globals(spec),
            audit_delivery_ready=audit_delivery_ready,
            adopt=spec.adopt_existing,
        )


class AccountBaseline(pulumi.ComponentResource):
    """EBS default encryption, S3 account block, GuardDuty, Security Hub, AWS Config and Inspector."""

    def __init__(
        self,
        name: str,
        args: AccountBaselineArgs,
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("quome:account_baseline:AccountBaseline", name, None, opts)

        def options(**extra: object) -> pulumi.ResourceOptions:
            return child_options(self, provider, **extra)

        # -- encryption and public access defaults
        self.ebs_encryption = aws.ebs.EncryptionByDefault(f"{name}-ebs-encryption", enabled=True, opts=options())
        self.ebs_default_key = aws.ebs.DefaultKmsKey(
            f"{name}-ebs-default-key", key_arn=args.storage_key_arn, opts=options()
        )
        if args.owns_account_globals:
            self.s3_account_block = aws.s3.AccountPublicAccessBlock(
                f"{name}-s3-account-public-access-block",
                account_id=args.account_id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
                opts=options(),
            )

        # -- GuardDuty
        adopt = args.adopt
        self.guardduty: aws.guardduty.Detector | None = None
        self.guardduty_features: dict[str, aws.guardduty.DetectorFeature] = {}
        if adopt.guard_duty_detector_id is not None:
            self.guardduty_detector_id: pulumi.Input[str] = adopt.guard_duty_detector_id
        else:
            self.guardduty = self._guardduty(name, options)
            self.guardduty_detector_id = self.guardduty.id

        # -- AWS Config (an adopted recorder comes with its owner's delivery channel and status)
        self.config_recorder: aws.cfg.Recorder | None = None
        config_started: list[pulumi.Resource] = []
        if adopt.config_recorder_name is not None:
            self.config_recorder_name: pulumi.Input[str] = adopt.config_recorder_name
        else:
            config_started.append(self._config(name, args, options))

        # -- Security Hub (its controls evaluate through AWS Config)
        self.security_hub: aws.securityhub.Account | None = None
        self.security_hub_standards: dict[str, aws.securityhub.StandardsSubscription] = {}
        if not adopt.security_hub:
            self.security_hub = aws.securityhub.Account(
                f"{name}-security-hub",
                enable_default_standards=False,
                auto_enable_controls=True,
                control_finding_generator="SECURITY_CONTROL",
                opts=options(depends_on=config_started),
            )
            self.security_hub_standards = {
                key: aws.securityhub.StandardsSubscription(
                    f"{name}-security-hub-{key}",
                    standards_arn=arn,
                    opts=options(depends_on=[self.security_hub]),
                )
                for key, arn in security_hub_standards(args.region).items()
            }

        # -- Inspector
        self.inspector = aws.inspector2.Enabler(
            f"{name}-inspector",
            account_ids=[args.account_id],
            resource_types=list(INSPECTOR_RESOURCE_TYPES),
            opts=options(),
        )

        self.register_outputs(
            {"guarddutyDetectorId": self.guardduty_detector_id, "configRecorderName": self.config_recorder_name}
        )

    def _guardduty(self, name: str, options: Callable[..., pulumi.ResourceOptions]) -> aws.guardduty.Detector:
        detector = aws.guardduty.Detector(
            f"{name}-guardduty",
            enable=True,
            finding_publishing_frequency="FIFTEEN_MINUTES",
            opts=options(),
        )
        self.guardduty_features = {
            feature: aws.guardduty.DetectorFeature(
                f"{name}-guardduty-{feature.lower().replace('_', '-')}",
                detector_id=detector.id,
                name=feature,
                status="ENABLED",
                additional_configurations=(
                    # GuardDuty installs and updates its runtime agent on EKS itself.
                    [
                        aws.guardduty.DetectorFeatureAdditionalConfigurationArgs(
                            name="EKS_ADDON_MANAGEMENT", status="ENABLED"
                        )
                    ]
                    if feature == "RUNTIME_MONITORING"
                    else None
                ),
                opts=options(),
            )
            for feature in GUARDDUTY_FEATURES
        }
        return detector

    def _config(
        self, name: str, args: AccountBaselineArgs, options: Callable[..., pulumi.ResourceOptions]
    ) -> aws.cfg.RecorderStatus:
        """Recorder, delivery channel into the audit bucket, and the status that starts recording."""
        config_role_dependencies: list[pulumi.Resource] = []
        if args.creates_config_role:
            config_role = aws.iam.ServiceLinkedRole(
                f"{name}-config-role",
                aws_service_name="config.amazonaws.com",
                description="AWS Config recorder (account baseline)",
                opts=options(),
            )
            config_role_dependencies.append(config_role)
        self.config_recorder = aws.cfg.Recorder(
            f"{name}-config-recorder",
            name=CONFIG_RECORDER_NAME,
            role_arn=config_service_linked_role_arn(args.account_id),
            recording_group=aws.cfg.RecorderRecordingGroupArgs(
                all_supported=True,
                include_global_resource_types=args.owns_account_globals,
            ),
            recording_mode=aws.cfg.RecorderRecordingModeArgs(recording_frequency="CONTINUOUS"),
            opts=options(depends_on=config_role_dependencies),
        )
        self.config_delivery_channel = aws.cfg.DeliveryChannel(
            f"{name}-config-delivery",
            name=CONFIG_RECORDER_NAME,
            s3_bucket_name=args.audit_bucket_name,
            s3_key_prefix=CONFIG_DELIVERY_PREFIX,
            s3_kms_key_arn=args.logs_key_arn,
            snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(
                delivery_frequency="TwentyFour_Hours",
            ),
            opts=options(depends_on=[self.config_recorder, *args.audit_delivery_ready]),
        )
        self.config_recorder_name = self.config_recorder.name
        self.config_recorder_status = aws.cfg.RecorderStatus(
            f"{name}-config-recorder-status",
            name=self.config_recorder.name,
            is_enabled=True,
            opts=options(depends_on=[self.config_delivery_channel]),
        )
        return self.config_recorder_status
