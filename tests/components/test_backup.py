"""Backup: locked vault, deny-only vault policy, daily/monthly plan, tag selection, role and key grants."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from components.backup import (
    Backup,
    BackupArgs,
    backup_role_arn,
    backup_trust_policy,
    key_grants,
    vault_access_policy,
)
from components.cluster_k8s import BACKUP_TAG
from components.keys import KeysArgs, key_policy, org_key
from components.providers import aws_provider
from tests.harness import ACCOUNT, REGION, build, make_spec, of_type, one, policy_document, statement

STORAGE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/quome-break-glass"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/quome-deployer"
BACKUP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/quome-backup-{REGION}"
VAULT_NAME = "quome-phi-volumes"

VAULT = "aws:backup/vault:Vault"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def compliant_args(**changes: Any) -> BackupArgs:
    args = BackupArgs.from_spec(make_spec(), vault_key_arn=STORAGE_KEY)
    return dataclasses.replace(args, **changes)


def build_backup(args: BackupArgs, env: str = "dev"):
    def body() -> None:
        Backup("b", args, provider=aws_provider("aws", make_spec(environment=env)))

    return build(body)


@pytest.fixture(scope="module")
def plan():
    # What the platform passes outside prod: nothing protected, locked data forgotten on destroy.
    return build_backup(compliant_args(protect=False, retain_on_delete=True))


@pytest.fixture(scope="module")
def prod_plan():
    return build_backup(compliant_args(protect=True, retain_on_delete=False), env="prod")


# --- vault, lock, policy ---------------------------------------------------------------------------------


def test_vault_is_encrypted_with_the_storage_key_and_never_force_destroyed(plan):
    vault = one(plan, VAULT, "b-vault")
    assert vault.inputs["name"] == VAULT_NAME
    assert vault.inputs["kmsKeyArn"] == STORAGE_KEY
    assert vault.inputs["forceDestroy"] is False
    assert "region" not in vault.inputs


def test_vault_is_forgotten_in_dev_and_protected_in_prod(plan, prod_plan):
    dev_vault, prod_vault = one(plan, VAULT, "b-vault"), one(prod_plan, VAULT, "b-vault")
    assert (dev_vault.protect, dev_vault.retain_on_delete) == (False, True)
    assert (prod_vault.protect, prod_vault.retain_on_delete) == (True, False)
    # Only the vault is a protected leaf; the lock and the policy are forgotten, never deleted, everywhere.
    for p in (plan, prod_plan):
        assert [r.name for r in p.registrations if r.protect] == (["b-vault"] if p is prod_plan else [])
        for token in (LOCK, VAULT_POLICY):
            assert one(p, token).retain_on_delete is True


def test_lock_is_compliance_mode_with_35_to_365_days(plan):
    lock = one(plan, LOCK, "b-vault-lock")
    vault = one(plan, VAULT, "b-vault")
    assert lock.inputs["changeableForDays"] == 3
    assert lock.inputs["minRetentionDays"] == 35
    assert lock.inputs["maxRetentionDays"] == 365
    assert lock.inputs["backupVaultName"] == VAULT_NAME
    assert lock.property_dependencies["backupVaultName"] == [vault.urn]


def test_lock_max_retention_covers_the_longest_rule(plan):
    lock = one(plan, LOCK)
    rules = one(plan, PLAN).inputs["rules"]
    assert lock.inputs["maxRetentionDays"] == max(rule["lifecycle"]["deleteAfter"] for rule in rules)
    assert lock.inputs["minRetentionDays"] <= min(rule["lifecycle"]["deleteAfter"] for rule in rules)


def test_vault_policy_denies_recovery_point_changes_to_everyone(plan):
    vault_policy = one(plan, VAULT_POLICY, "b-vault-policy")
    assert vault_policy.inputs["backupVaultName"] == VAULT_NAME
    assert vault_policy.property_dependencies["backupVaultName"] == [one(plan, VAULT).urn]
    document = policy_document(vault_policy.inputs["policy"])
    assert [s["Effect"] for s in document["Statement"]] == ["Deny", "Deny"]
    deny = statement(document, "DenyRecoveryPointChangesToEveryone")
    assert deny["Principal"] == "*"
    assert deny["Resource"] == "*"
    assert deny["Action"] == [
        "backup:DeleteRecoveryPoint",
        "backup:UpdateRecoveryPointLifecycle",
        "backup:PutBackupVaultAccessPolicy",
    ]
    assert "Condition" not in deny


def test_only_break_glass_may_remove_the_policy_or_touch_the_lock(plan):
    document = policy_document(one(plan, VAULT_POLICY).inputs["policy"])
    unlock = statement(document, "DenyUnlockingButBreakGlass")
    assert unlock["Effect"] == "Deny"
    assert unlock["Principal"] == "*"
    assert unlock["Resource"] == "*"
    assert unlock["Action"] == [
        "backup:DeleteBackupVaultAccessPolicy",
        "backup:DeleteBackupVaultLockConfiguration",
        "backup:PutBackupVaultLockConfiguration",
    ]
    assert unlock["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": BREAK_GLASS}}


def test_vault_policy_is_written_after_the_lock(plan):
    # The policy denies the deployer PutBackupVaultLockConfiguration: the lock must exist first.
    assert one(plan, LOCK).urn in one(plan, VAULT_POLICY).dependencies


def test_vault_access_policy_names_the_given_break_glass_role():
    other = f"arn:aws:iam::{ACCOUNT}:role/another-break-glass"
    document = vault_access_policy(other)
    assert statement(document, "DenyUnlockingButBreakGlass")["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == other


# --- plan and selection ----------------------------------------------------------------------------------


def test_plan_has_a_daily_and_a_monthly_rule_into_the_vault(plan):
    backup_plan = one(plan, PLAN, "b-plan")
    assert backup_plan.inputs["name"] == "quome-phi-volumes"
    rules = {rule["ruleName"]: rule for rule in backup_plan.inputs["rules"]}
    assert sorted(rules) == ["daily", "monthly"]
    daily, monthly = rules["daily"], rules["monthly"]
    assert daily["schedule"] == "cron(0 5 ? * * *)"
    assert daily["lifecycle"] == {"deleteAfter": 35}
    assert monthly["schedule"] == "cron(0 5 1 * ? *)"
    assert monthly["lifecycle"] == {"deleteAfter": 365}
    for rule in rules.values():
        assert rule["targetVaultName"] == VAULT_NAME
        assert rule["scheduleExpressionTimezone"] == "Etc/UTC"
        assert rule["startWindow"] == 60
        assert rule["completionWindow"] == 23 * 60
        assert rule["completionWindow"] < 24 * 60
        assert "enableContinuousBackup" not in rule
    assert backup_plan.property_dependencies["rules"] == [one(plan, VAULT).urn]


def test_recovery_points_never_leave_the_region(plan):
    for rule in one(plan, PLAN).inputs["rules"]:
        assert "copyActions" not in rule
    for registration in plan.registrations:
        if registration.type.startswith("aws:"):
            assert "region" not in registration.inputs, registration.name


def test_plan_waits_for_the_lock_and_the_vault_policy(plan):
    dependencies = one(plan, PLAN).dependencies
    assert one(plan, LOCK).urn in dependencies
    assert one(plan, VAULT_POLICY).urn in dependencies


def test_selection_takes_this_regions_ebs_volumes_tagged_for_daily_backup(plan):
    selection = one(plan, SELECTION, "b-selection")
    assert selection.inputs["name"] == "quome-tagged-ebs-volumes"
    assert selection.inputs["resources"] == [f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/*"]
    assert selection.inputs["conditions"] == [
        {"stringEquals": [{"key": "aws:ResourceTag/quome.io/backup", "value": "daily"}]}
    ]
    # ListOfTags would be OR-ed with the resources (every volume); conditions are AND-ed.
    assert "selectionTags" not in selection.inputs
    assert "notResources" not in selection.inputs
    assert selection.property_dependencies["planId"] == [one(plan, PLAN).urn]
    assert selection.property_dependencies["iamRoleArn"] == [one(plan, ROLE).urn]


def test_selection_tag_is_the_one_the_storage_classes_put_on_volumes(plan):
    condition = one(plan, SELECTION).inputs["conditions"][0]["stringEquals"][0]
    assert (condition["key"], condition["value"]) == (f"aws:ResourceTag/{BACKUP_TAG[0]}", BACKUP_TAG[1])


def test_selection_waits_for_the_roles_policies(plan):
    dependencies = one(plan, SELECTION).dependencies
    attachments = of_type(plan, ATTACHMENT)
    assert len(attachments) == 2
    for attachment in attachments:
        assert attachment.urn in dependencies


# --- role ------------------------------------------------------------------------------------------------


def test_role_is_trusted_by_aws_backup_only(plan):
    role = one(plan, ROLE, "b-role")
    assert role.inputs["name"] == f"quome-backup-{REGION}"
    trust = policy_document(role.inputs["assumeRolePolicy"])
    assert trust == backup_trust_policy()
    assert len(trust["Statement"]) == 1
    only = trust["Statement"][0]
    assert only["Effect"] == "Allow"
    assert only["Principal"] == {"Service": "backup.amazonaws.com"}
    assert only["Action"] == "sts:AssumeRole"


def test_role_has_exactly_the_backup_and_restore_managed_policies(plan):
    role = one(plan, ROLE)
    attachments = of_type(plan, ATTACHMENT)
    assert sorted(a.inputs["policyArn"] for a in attachments) == [
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]
    for attachment in attachments:
        assert attachment.property_dependencies["role"] == [role.urn]
    assert of_type(plan, "aws:iam/rolePolicy:RolePolicy") == []


def test_role_arn_is_deterministic_and_names_the_region():
    assert backup_role_arn(ACCOUNT, REGION) == BACKUP_ROLE
    assert backup_role_arn(ACCOUNT, "eu-central-1") == f"arn:aws:iam::{ACCOUNT}:role/quome-backup-eu-central-1"


def test_every_resource_uses_the_explicit_provider(plan):
    for registration in plan.registrations:
        if registration.custom and registration.type.startswith("aws:"):
            assert registration.provider and "::aws::" in registration.provider, registration.name


# --- key grants ------------------------------------------------------------------------------------------


def test_key_grants_vault_key_through_backup_for_deployer_and_backup_role():
    spec = make_spec()
    grants = key_grants(spec)
    vault = [g for g in grants if g.via_services == ("backup",)]
    assert len(vault) == 1
    grant = vault[0]
    assert grant.key == "storage"
    assert grant.actions == ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
    assert grant.allow_create_grant is True
    assert grant.principal_arns == (DEPLOYER, BACKUP_ROLE)


def test_key_grants_every_volume_key_through_ec2_to_the_backup_role_without_decrypt():
    spec = make_spec()
    ec2 = {g.key: g for g in key_grants(spec) if g.via_services == ("ec2",)}
    assert sorted(ec2) == sorted(["storage", org_key("acme"), org_key("bluebird")])
    for grant in ec2.values():
        assert grant.actions == (
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:ReEncryptTo",
            "kms:DescribeKey",
        )
        assert "kms:Decrypt" not in grant.actions
        assert grant.allow_create_grant is True
        assert grant.principal_arns == (BACKUP_ROLE,)
    assert len(key_grants(spec)) == 1 + len(ec2)


def test_key_grants_without_organizations_cover_only_the_storage_key():
    grants = key_grants(make_spec(organizations=[]))
    assert [(g.key, g.via_services) for g in grants] == [("storage", ("backup",)), ("storage", ("ec2",))]


def test_storage_key_policy_lets_the_backup_role_use_it_only_through_backup_and_ec2():
    spec = make_spec()
    args = KeysArgs.from_spec(
        spec, cloudtrail_arn=f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/quome-audit", grants=key_grants(spec)
    )
    document = key_policy(args, "storage")
    backup = statement(document, "UseViaBackup")
    assert backup["Effect"] == "Allow"
    assert backup["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert backup["Action"] == ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    assert backup["Condition"]["StringEquals"] == {
        "kms:CallerAccount": ACCOUNT,
        "kms:ViaService": f"backup.{REGION}.amazonaws.com",
    }
    assert backup["Condition"]["ArnEquals"] == {"aws:PrincipalArn": [DEPLOYER, BACKUP_ROLE]}
    create = statement(document, "UseViaBackupCreateGrant")
    assert create["Action"] == "kms:CreateGrant"
    assert create["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    assert create["Condition"]["ArnEquals"] == {"aws:PrincipalArn": [DEPLOYER, BACKUP_ROLE]}
    org = key_policy(args, org_key("acme"))
    for_backup = [stmt for stmt in org["Statement"] if BACKUP_ROLE in json.dumps(stmt)]
    assert len(for_backup) == 2  # the EBS actions and CreateGrant for AWS resources
    for stmt in for_backup:
        actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        assert "kms:Decrypt" not in actions
        assert stmt["Condition"]["StringEquals"]["kms:ViaService"] == f"ec2.{REGION}.amazonaws.com"
        assert stmt["Condition"]["ArnEquals"] == {"aws:PrincipalArn": [BACKUP_ROLE]}


# --- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"daily_retention_days": 34}, "BackupArgs.daily_retention_days = 34: at least 35 days"),
        ({"monthly_retention_days": 30}, r"BackupArgs.monthly_retention_days = 30: from daily_retention_days \(35\)"),
        ({"monthly_retention_days": 36501}, "BackupArgs.monthly_retention_days = 36501"),
        ({"lock_changeable_for_days": 2}, "BackupArgs.lock_changeable_for_days = 2: AWS Backup requires at least 3"),
        ({"account_id": "12345"}, "BackupArgs.account_id = '12345'"),
        (
            {"break_glass_role_arn": "arn:aws:iam::999999999999:role/quome-break-glass"},
            f"must be an IAM role of account {ACCOUNT}",
        ),
    ],
)
def test_rejects_weaker_or_invalid_settings(changes, message):
    with pytest.raises(ValueError, match=message):
        compliant_args(**changes)


def test_longer_retentions_move_the_lock_with_them():
    args = compliant_args(daily_retention_days=40, monthly_retention_days=400)
    assert (args.lock_min_retention_days, args.lock_max_retention_days) == (40, 400)
    lock = one(build_backup(args), LOCK)
    assert (lock.inputs["minRetentionDays"], lock.inputs["maxRetentionDays"]) == (40, 400)


def test_from_spec_takes_account_region_and_break_glass_from_the_spec():
    args = BackupArgs.from_spec(make_spec(), vault_key_arn=STORAGE_KEY, protect=True, retain_on_delete=False)
    assert (args.account_id, args.region, args.break_glass_role_arn) == (ACCOUNT, REGION, BREAK_GLASS)
    assert (args.daily_retention_days, args.monthly_retention_days, args.lock_changeable_for_days) == (35, 365, 3)
    assert (args.protect, args.retain_on_delete) == (True, False)
