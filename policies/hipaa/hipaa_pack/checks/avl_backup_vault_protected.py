"""avl-backup-vault-protected: backup vaults use a customer-managed key and cannot be force-deleted,
their lock is in compliance mode with at least 35 days of retention, and their policy denies
recovery-point deletion to everyone."""
from __future__ import annotations

import fnmatch
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    PolicyDocumentError,
    as_bool,
    as_int,
    as_list,
    customer_managed_key_problem,
    parse_policy_document,
    shown,
    statements,
)

CONTROL = CATALOG["avl-backup-vault-protected"]

VAULT_TOKEN = "aws:backup/vault:Vault"
LOCK_TOKEN = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
VAULT_POLICY_TOKEN = "aws:backup/vaultPolicy:VaultPolicy"
MIN_LOCK_RETENTION_DAYS = 35
PROTECTED_ACTIONS = ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == VAULT_TOKEN:
        _check_vault(args, report_violation)
    elif args.resource_type == LOCK_TOKEN:
        _check_lock(args, report_violation)
    elif args.resource_type == VAULT_POLICY_TOKEN:
        _check_policy(args, report_violation)


def _check_vault(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"backup vault '{args.props.get('name') or args.name}'"
    problem = customer_managed_key_problem(where, "kmsKeyArn", args.props.get("kmsKeyArn"),
                                           ", which means the AWS-managed aws/backup key")
    if problem:
        report_violation(problem, None)
    force = args.props.get("forceDestroy")
    if as_bool(force) is True:
        report_violation(f"{where}: forceDestroy is {shown(force)}; required false, so deleting the vault cannot "
                         f"delete its recovery points", None)


def _check_lock(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"vault lock '{args.name}' ({shown(args.props.get('backupVaultName'))})"
    minimum = args.props.get("minRetentionDays")
    if as_int(minimum) is None or as_int(minimum) < MIN_LOCK_RETENTION_DAYS:
        report_violation(f"{where}: minRetentionDays is {shown(minimum)}; required at least "
                         f"{MIN_LOCK_RETENTION_DAYS}", None)
    if args.props.get("changeableForDays") is None:
        report_violation(f"{where}: changeableForDays is unset, which is a governance-mode lock that privileged "
                         f"users can remove; required changeableForDays (compliance mode)", None)


def _check_policy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"vault policy '{args.name}' ({shown(args.props.get('backupVaultName'))})"
    try:
        document = parse_policy_document(args.props.get("policy"))
    except PolicyDocumentError as e:
        report_violation(f"{where}: {e}; required a JSON policy document that can be checked", None)
        return
    denied = [s for s in statements(document) if s.get("Effect") == "Deny" and _everyone(s.get("Principal"))]
    for action in PROTECTED_ACTIONS:
        if not any(_matches(pattern, action) for s in denied for pattern in as_list(s.get("Action"))):
            report_violation(f"{where}: no Deny statement for all principals covers {action}; required one that "
                             f"denies {' and '.join(PROTECTED_ACTIONS)}", None)


def _everyone(principal: Any) -> bool:
    """Principal "*" or {"AWS": "*"}."""
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in as_list(principal.get("AWS"))


def _matches(pattern: Any, action: str) -> bool:
    """IAM action matching: case-insensitive, * and ? wildcards."""
    return isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.strip().lower())


POLICY = resource_policy(CONTROL, validate)
