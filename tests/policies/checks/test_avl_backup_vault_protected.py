"""avl-backup-vault-protected: CMK and no force-destroy, compliance-mode lock of 35+ days, deny-delete policy."""
import json

from hipaa_pack.checks.avl_backup_vault_protected import POLICY
from tests.policies.fakes import resource_args, run

VAULT = "aws:backup/vault:Vault"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
DENY_DELETE = {"Sid": "DenyRecoveryPointDeletion", "Effect": "Deny", "Principal": "*",
               "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"], "Resource": "*"}


def vault(**changes):
    return resource_args(VAULT, {"name": "quome-vault", "kmsKeyArn": KEY_ARN, "forceDestroy": False, **changes},
                         name="vault")


def lock(**changes):
    props = {"backupVaultName": "quome-vault", "minRetentionDays": 35, "maxRetentionDays": 3650,
             "changeableForDays": 3, **changes}
    return resource_args(LOCK, {k: v for k, v in props.items() if v is not None}, name="vault-lock")


def vault_policy(*statements):
    return resource_args(VAULT_POLICY, {"backupVaultName": "quome-vault",
                                        "policy": json.dumps({"Statement": list(statements)})}, name="vault-policy")


def test_passes_for_a_protected_vault_lock_and_policy():
    for args in (vault(), lock(), vault_policy(DENY_DELETE)):
        outcome = run(POLICY, args)
        assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_for_the_default_backup_key():
    assert run(POLICY, vault(kmsKeyArn=None)).messages == [
        "backup vault 'quome-vault': kmsKeyArn is unset, which means the AWS-managed aws/backup key; required a "
        "customer-managed KMS key"]


def test_fails_for_an_aws_managed_alias():
    alias = "arn:aws:kms:us-east-1:111111111111:alias/aws/backup"
    assert run(POLICY, vault(kmsKeyArn=alias)).messages == [
        f"backup vault 'quome-vault': kmsKeyArn is '{alias}' (AWS-managed); required a customer-managed KMS key"]


def test_fails_for_force_destroy():
    assert run(POLICY, vault(forceDestroy=True)).messages == [
        "backup vault 'quome-vault': forceDestroy is true; required false, so deleting the vault cannot delete its "
        "recovery points"]


def test_fails_for_a_short_lock():
    assert run(POLICY, lock(minRetentionDays=7)).messages == [
        "vault lock 'vault-lock' ('quome-vault'): minRetentionDays is 7; required at least 35"]


def test_fails_for_a_lock_without_minimum():
    assert run(POLICY, lock(minRetentionDays=None)).messages == [
        "vault lock 'vault-lock' ('quome-vault'): minRetentionDays is unset; required at least 35"]


def test_fails_for_a_governance_mode_lock():
    assert run(POLICY, lock(changeableForDays=None)).messages == [
        "vault lock 'vault-lock' ('quome-vault'): changeableForDays is unset, which is a governance-mode lock that "
        "privileged users can remove; required changeableForDays (compliance mode)"]


def test_a_wildcard_deny_with_a_break_glass_condition_passes():
    statement = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "backup:*", "Resource": "*",
                 "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/quome-break-glass"}}}
    assert run(POLICY, vault_policy(statement)).violations == []


def test_fails_when_lifecycle_updates_are_not_denied():
    statement = {**DENY_DELETE, "Action": "backup:DeleteRecoveryPoint"}
    assert run(POLICY, vault_policy(statement)).messages == [
        "vault policy 'vault-policy' ('quome-vault'): no Deny statement for all principals covers "
        "backup:UpdateRecoveryPointLifecycle; required one that denies backup:DeleteRecoveryPoint and "
        "backup:UpdateRecoveryPointLifecycle"]


def test_a_deny_for_one_principal_does_not_count():
    statement = {**DENY_DELETE, "Principal": {"AWS": "arn:aws:iam::111111111111:role/ops"}}
    assert len(run(POLICY, vault_policy(statement)).violations) == 2


def test_an_allow_does_not_count():
    assert len(run(POLICY, vault_policy({**DENY_DELETE, "Effect": "Allow"})).violations) == 2
