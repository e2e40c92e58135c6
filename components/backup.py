"""Backups of the platform's PHI volumes: a locked AWS Backup vault, a daily plan, and the role it runs as.

What is backed up: every EBS volume that the cluster's StorageClasses provision (the shared default class
and each organization's class) is tagged `quome.io/backup=daily` (components/cluster_k8s.py BACKUP_TAG).
The EBS CSI driver creates those volumes at run time, so no volume can be named here; the tag is the
contract. The selection takes the EBS volumes of this account and region that carry it (resource type AND
tag condition; naming the resource type also makes AWS Backup ignore the region's service opt-in setting).

Why the pieces look the way they do:
- Retention. A daily rule keeps 35 days: a month of daily restore points with margin, the default of AWS
  Config's backup-plan-min-frequency-and-min-retention-check and the policy pack's minimum. A monthly
  rule keeps 365 days, so corruption or ransomware noticed months late still has a clean point. Monthly
  points are not kept for the audit retention (7 years): HIPAA's six-year retention (164.316(b)(2)) is for
  documentation and audit records, not for copies of ePHI; and a locked vault cannot delete a point before
  it expires, so a departed organization's data stays for as long as its newest point, which a
  business associate agreement asks to return or destroy. A year bounds that.
- Encryption. The vault uses the platform storage key (customer-managed). AWS Backup does not re-encrypt
  EBS snapshots: a snapshot stays under its volume's key (the storage key or the organization's key). The
  backup role therefore uses those keys through EC2 to take snapshots and restore volumes; `key_grants`
  asks the Keys component for exactly that (no kms:Decrypt on an organization key).
- Vault lock, compliance mode (`changeable_for_days` set): after the grace period nobody, not even the
  account root or AWS, can delete the lock, delete a recovery point before it expires, or keep one outside
  [min, max] retention. min 35 matches the daily rule, so an on-demand backup kept for less is refused;
  max is the longest rule (365), so nothing is locked beyond the platform's horizon. The grace period is
  AWS's minimum, 3 days: long enough to check the first deployment and, through the break-glass role,
  change or remove a wrong lock; any longer only delays the protection. The deployment writes the lock
  once; after the grace period its numbers can never change, and a different lock means a new vault.
- Vault access policy (owned here, one per vault): deny to every principal deleting recovery points,
  changing their lifecycle (the lock alone would still let anyone shorten a monthly point to 35 days) and
  replacing this policy, the statement AWS Config's backup-recovery-point-manual-deletion-disabled looks
  for. Removing the policy, or the lock during its grace period, is left to the break-glass role only.
  Consequence: nobody, Pulumi included, can update the policy in place. To change it, the break-glass
  role deletes it (DeleteBackupVaultAccessPolicy), then `pulumi refresh` and `pulumi up` put the new one.
  The lock is written before the policy, since the policy keeps the deployer from writing the lock.
- No copy actions: recovery points never leave the stack's region (residency). A copy to another region
  is a separate design (EBS copies are re-encrypted under the destination region's key).
- The backup role is trusted by AWS Backup alone, with the two AWS managed policies for backups and
  restores. Its trust has no source conditions: AWS Backup's documented service-role trust has none, and
  only principals of this account allowed iam:PassRole can hand the role to AWS Backup.
- Pulumi lifecycle: the vault is a stateful leaf (protected in prod; in dev forgotten on destroy, as a
  vault holding locked points cannot be deleted). The lock and the policy are always forgotten rather
  than deleted: AWS refuses to delete a lock after its grace period, and the policy refuses its own
  removal to everyone but the break-glass role.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.cluster_k8s import BACKUP_TAG
from components.config import PlatformSpec
from components.keys import KeyUseGrant, org_key
from components.organization import EBS_KEY_ACTIONS
from components.providers import child_options, stateful_options

PARTITION = "aws"
VAULT_NAME = "quome-phi-volumes"
PLAN_NAME = "quome-phi-volumes"
SELECTION_NAME = "quome-tagged-ebs-volumes"
BACKUP_SERVICE = "backup.amazonaws.com"
MANAGED_POLICY = f"arn:{PARTITION}:iam::aws:policy/service-role"
BACKUP_ROLE_POLICIES: tuple[str, ...] = (
    f"{MANAGED_POLICY}/AWSBackupServiceRolePolicyForBackup",
    f"{MANAGED_POLICY}/AWSBackupServiceRolePolicyForRestores",
)

MIN_RETENTION_DAYS = 35
"""The shortest retention any recovery point may have (daily rule and vault lock minimum)."""
MIN_CHANGEABLE_FOR_DAYS = 3
"""AWS Backup's shortest grace period for a compliance-mode lock."""
MAX_RETENTION_DAYS = 36500
"""AWS Backup's longest vault-lock retention (100 years)."""

DAILY_SCHEDULE = "cron(0 5 ? * * *)"
MONTHLY_SCHEDULE = "cron(0 5 1 * ? *)"
SCHEDULE_TIMEZONE = "Etc/UTC"
START_WINDOW_MINUTES = 60
"""AWS Backup's shortest start window: a job that cannot start within an hour is reported as missed."""
COMPLETION_WINDOW_MINUTES = 23 * 60
"""A daily job still running when the next one is due is cancelled and reported, never left to overlap."""

VAULT_KEY_ACTIONS: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
"""What creating and using a vault under a customer-managed key needs (AWS Backup guide, "Backup vault
creation and deletion"), besides CreateGrant. The guide also lists kms:RetireGrant, used when a vault is
deleted; a locked vault never is, and the Keys component grants no grant administration."""

# Actions denied to every principal, without exception (the statement AWS Config looks for).
PROTECTED_ACTIONS: tuple[str, ...] = (
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:PutBackupVaultAccessPolicy",
)
# Actions that would unlock the vault: the break-glass role alone.
BREAK_GLASS_ACTIONS: tuple[str, ...] = (
    "backup:DeleteBackupVaultAccessPolicy",
    "backup:DeleteBackupVaultLockConfiguration",
    "backup:PutBackupVaultLockConfiguration",
)

_ACCOUNT = re.compile(r"^[0-9]{12}$")


def backup_role_name(region: str) -> str:
    """IAM is account-wide: the region keeps two stacks of one account apart."""
    return f"quome-backup-{region}"


def backup_role_arn(account_id: str, region: str) -> str:
    """Known before the role exists: the key policies name it (as an aws:PrincipalArn condition)."""
    return f"arn:{PARTITION}:iam::{account_id}:role/{backup_role_name(region)}"


def tagged_volumes(account_id: str, region: str) -> str:
    return f"arn:{PARTITION}:ec2:{region}:{account_id}:volume/*"


def key_grants(spec: PlatformSpec) -> tuple[KeyUseGrant, ...]:
    """Key uses of the backups, always through an AWS service of the stack's region.

    - storage key through AWS Backup: the vault's key; the deployer creates the vault (AWS Backup then
      creates its grant on the key) and the backup role writes recovery points.
    - storage key and every organization key through EC2, for the backup role only: EBS snapshots stay
      under their volume's key, and restoring one creates a volume under it. The EBS actions only
      (components/organization.py EBS_KEY_ACTIONS): EC2 decrypts through its grant, so no kms:Decrypt.
    """
    role = backup_role_arn(spec.account_id, spec.region)
    grants = [
        KeyUseGrant(
            key="storage",
            via_services=("backup",),
            actions=VAULT_KEY_ACTIONS,
            allow_create_grant=True,
            principal_arns=(spec.deployer_role_arn, role),
        ),
    ]
    for key in ("storage", *(org_key(org.id) for org in spec.organizations)):
        grants.append(
            KeyUseGrant(
                key=key, via_services=("ec2",), actions=EBS_KEY_ACTIONS, allow_create_grant=True, principal_arns=(role,)
            )
        )
    return tuple(grants)


@dataclass(frozen=True)
class BackupArgs:
    """Everything that shapes the backups, as plain validated values (retentions in days)."""

    account_id: str
    region: str
    vault_key_arn: pulumi.Input[str]
    """The platform storage key (customer-managed): the vault's encryption key."""
    break_glass_role_arn: str
    """The only principal that may remove the vault's access policy, or its lock during the grace period."""
    daily_retention_days: int = MIN_RETENTION_DAYS
    monthly_retention_days: int = 365
    lock_changeable_for_days: int = MIN_CHANGEABLE_FOR_DAYS
    """Grace period before the compliance-mode lock becomes immutable."""
    protect: bool = False
    retain_on_delete: bool = False
    """Forget the vault on destroy instead of deleting it (outside prod: its locked points outlive the stack)."""

    def __post_init__(self) -> None:
        if not _ACCOUNT.match(self.account_id):
            raise ValueError(f"BackupArgs.account_id = {self.account_id!r}: must be a 12-digit AWS account id")
        if not self.break_glass_role_arn.startswith(f"arn:{PARTITION}:iam::{self.account_id}:role/"):
            raise ValueError(
                f"BackupArgs.break_glass_role_arn = {self.break_glass_role_arn!r}: must be an IAM role of account "
                f"{self.account_id}"
            )
        if self.daily_retention_days < MIN_RETENTION_DAYS:
            raise ValueError(
                f"BackupArgs.daily_retention_days = {self.daily_retention_days}: at least {MIN_RETENTION_DAYS} days"
            )
        if not self.daily_retention_days <= self.monthly_retention_days <= MAX_RETENTION_DAYS:
            raise ValueError(
                f"BackupArgs.monthly_retention_days = {self.monthly_retention_days}: from daily_retention_days "
                f"({self.daily_retention_days}) to {MAX_RETENTION_DAYS} days (AWS Backup's longest lock retention)"
            )
        if self.lock_changeable_for_days < MIN_CHANGEABLE_FOR_DAYS:
            raise ValueError(
                f"BackupArgs.lock_changeable_for_days = {self.lock_changeable_for_days}: AWS Backup requires at least "
                f"{MIN_CHANGEABLE_FOR_DAYS} days for a compliance-mode lock"
            )

    @property
    def lock_min_retention_days(self) -> int:
        return self.daily_retention_days

    @property
    def lock_max_retention_days(self) -> int:
        """The longest rule: a point the plan writes always fits the lock."""
        return max(self.daily_retention_days, self.monthly_retention_days)

    @property
    def role_name(self) -> str:
        return backup_role_name(self.region)

    @classmethod
    def from_spec(
        cls,
        spec: PlatformSpec,
        vault_key_arn: pulumi.Input[str],
        protect: bool = False,
        retain_on_delete: bool = False,
    ) -> "BackupArgs":
        return cls(
            account_id=spec.account_id,
            region=spec.region,
            vault_key_arn=vault_key_arn,
            break_glass_role_arn=spec.break_glass_role_arn,
            protect=protect,
            retain_on_delete=retain_on_delete,
        )


# --- policy documents (pure: the tests read exactly what AWS gets) -------------------------------------


def backup_trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AwsBackupAssumesRole",
                "Effect": "Allow",
                "Principal": {"Service": BACKUP_SERVICE},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def vault_access_policy(break_glass_role_arn: str) -> dict[str, Any]:
    """Deny-only: who may back up and restore is decided by IAM; this policy only takes abilities away."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyRecoveryPointChangesToEveryone",
                "Effect": "Deny",
                "Principal": "*",
                "Action": list(PROTECTED_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "DenyUnlockingButBreakGlass",
                "Effect": "Deny",
                "Principal": "*",
                "Action": list(BREAK_GLASS_ACTIONS),
                "Resource": "*",
                "Condition": {"ArnNotEquals": {"aws:PrincipalArn": break_glass_role_arn}},
            },
        ],
    }


# --- the component -------------------------------------------------------------------------------------


class Backup(pulumi.ComponentResource):
    """The locked vault, its access policy, the daily/monthly plan, the tag selection and the backup role."""

    vault_arn: pulumi.Output[str]
    vault_name: pulumi.Output[str]
    plan_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: BackupArgs,
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("quome:backup:Backup", name, None, opts)

        vault = aws.backup.Vault(
            f"{name}-vault",
            name=VAULT_NAME,
            kms_key_arn=args.vault_key_arn,
            force_destroy=False,
            tags={"quome:purpose": "phi-volume-backups"},
            opts=stateful_options(self, provider, protect=args.protect, retain_on_delete=args.retain_on_delete),
        )
        lock = aws.backup.VaultLockConfiguration(
            f"{name}-vault-lock",
            backup_vault_name=vault.name,
            changeable_for_days=args.lock_changeable_for_days,
            min_retention_days=args.lock_min_retention_days,
            max_retention_days=args.lock_max_retention_days,
            opts=child_options(self, provider, retain_on_delete=True),
        )
        policy = aws.backup.VaultPolicy(
            f"{name}-vault-policy",
            backup_vault_name=vault.name,
            policy=json.dumps(vault_access_policy(args.break_glass_role_arn)),
            opts=child_options(self, provider, retain_on_delete=True, depends_on=[lock]),
        )

        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            assume_role_policy=json.dumps(backup_trust_policy()),
            description="AWS Backup: backs up and restores the platform's tagged EBS volumes",
            opts=child_options(self, provider),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-role-{arn.rsplit('/', 1)[1]}",
                role=role.name,
                policy_arn=arn,
                opts=child_options(self, provider),
            )
            for arn in BACKUP_ROLE_POLICIES
        ]

        plan = aws.backup.Plan(
            f"{name}-plan",
            name=PLAN_NAME,
            rules=[
                self._rule("daily", DAILY_SCHEDULE, args.daily_retention_days, vault.name),
                self._rule("monthly", MONTHLY_SCHEDULE, args.monthly_retention_days, vault.name),
            ],
            tags={"quome:purpose": "phi-volume-backups"},
            # Recovery points only ever land in a vault that is already locked and guarded.
            opts=child_options(self, provider, depends_on=[lock, policy]),
        )
        tag_key, tag_value = BACKUP_TAG
        aws.backup.Selection(
            f"{name}-selection",
            name=SELECTION_NAME,
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=[tagged_volumes(args.account_id, args.region)],
            conditions=[
                aws.backup.SelectionConditionArgs(
                    string_equals=[
                        aws.backup.SelectionConditionStringEqualArgs(key=f"aws:ResourceTag/{tag_key}", value=tag_value)
                    ]
                )
            ],
            # A first job with a role lacking its policies would fail.
            opts=child_options(self, provider, depends_on=attachments),
        )

        self.vault_arn = vault.arn
        self.vault_name = vault.name
        self.plan_arn = plan.arn
        self.role_arn = role.arn
        self.register_outputs({"vaultArn": vault.arn, "planArn": plan.arn, "roleArn": role.arn})

    @staticmethod
    def _rule(
        rule_name: str, schedule: str, retention_days: int, vault_name: pulumi.Input[str]
    ) -> aws.backup.PlanRuleArgs:
        # No copy_actions: recovery points stay in this region (module docstring).
        return aws.backup.PlanRuleArgs(
            rule_name=rule_name,
            target_vault_name=vault_name,
            schedule=schedule,
            schedule_expression_timezone=SCHEDULE_TIMEZONE,
            start_window=START_WINDOW_MINUTES,
            completion_window=COMPLETION_WINDOW_MINUTES,
            lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=retention_days),
        )
