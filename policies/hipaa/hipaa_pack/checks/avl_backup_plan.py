"""avl-backup-plan: every data store is selected (by property dependency) into a backup plan with a
rule that runs at least daily and keeps recovery points at least minRetentionDays; EFS file systems
also have their automatic backups enabled.

A plan qualifies through one rule meeting both the schedule and the retention. Copy actions are
res-region-allowlist's business.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import PolicyConfigSchema, PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_int, as_list, by_joined_urn, dig, joined, resources_of, shown
from .acc_secrets_rotation import max_interval_days

CONTROL = CATALOG["avl-backup-plan"]

PLAN_TOKEN = "aws:backup/plan:Plan"
SELECTION_TOKEN = "aws:backup/selection:Selection"
EFS_BACKUP_POLICY_TOKEN = "aws:efs/backupPolicy:BackupPolicy"
EFS_TOKEN = "aws:efs/fileSystem:FileSystem"
DATA_STORES = {
    EFS_TOKEN: "EFS file system",
    "aws:dynamodb/table:Table": "DynamoDB table",
    "aws:rds/instance:Instance": "RDS instance",
    "aws:rds/cluster:Cluster": "RDS cluster",
    "aws:ebs/volume:Volume": "EBS volume",
}
MAX_SCHEDULE_DAYS = 1

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "minRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "default": 35,
        "description": "Shortest acceptable lifecycle.deleteAfter of the daily backup rule, in days.",
    },
})


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    stores = resources_of(args, DATA_STORES)
    if not stores:
        args.not_applicable("the stack has no EFS file system, DynamoDB table, RDS instance or cluster, "
                            "or EBS volume to back up")
    min_days = args.get_config()["minRetentionDays"]
    required = (f"required a Selection of a plan with a rule scheduled at least daily and lifecycle.deleteAfter "
                f"of at least {min_days} days (minRetentionDays)")

    plans = {plan.urn: plan for plan in resources_of(args, PLAN_TOKEN)}
    shortfalls = {urn: _shortfall(plan, min_days) for urn, plan in plans.items()}
    selections = by_joined_urn(resources_of(args, SELECTION_TOKEN), "resources")

    for store in stores:
        kind = DATA_STORES[store.resource_type]
        chosen = [plans[urn] for selection in selections.get(store.urn, [])
                  for urn in joined(selection, "planId") if urn in plans]
        if not chosen:
            report_violation(f"{kind} '{store.name}' is in no backup Selection; {required}", store.urn)
        elif all(shortfalls[plan.urn] for plan in chosen):
            reasons = "; ".join(f"plan '{plan.name}' {shortfalls[plan.urn]}" for plan in chosen)
            report_violation(f"{kind} '{store.name}' is selected only by plans that fall short ({reasons}); "
                             f"{required}", store.urn)

    policies = by_joined_urn(resources_of(args, EFS_BACKUP_POLICY_TOKEN), "fileSystemId")
    for file_system in resources_of(args, EFS_TOKEN):
        statuses = [dig(p.props, "backupPolicy.status") for p in policies.get(file_system.urn, [])]
        if not statuses:
            report_violation(f"EFS file system '{file_system.name}' has no BackupPolicy; required one with "
                             f"backupPolicy.status ENABLED", file_system.urn)
        elif any(status != "ENABLED" for status in statuses):
            found = next(status for status in statuses if status != "ENABLED")
            report_violation(f"EFS file system '{file_system.name}': BackupPolicy backupPolicy.status is "
                             f"{shown(found)}; required ENABLED", file_system.urn)


def _shortfall(plan: PolicyResource, min_days: int) -> Optional[str]:
    """None when some rule of the plan runs at least daily and keeps points long enough, else why not."""
    problems = []
    for rule in as_list(plan.props.get("rules")):
        if not isinstance(rule, Mapping):
            continue
        problem = _rule_problem(rule, min_days)
        if problem is None:
            return None
        problems.append(f"rule {shown(rule.get('ruleName'))} {problem}")
    return ", ".join(problems) if problems else "has no rules"


def _rule_problem(rule: Mapping[str, Any], min_days: int) -> Optional[str]:
    schedule = rule.get("schedule")
    if schedule is None:
        return "has no schedule"
    interval = max_interval_days(str(schedule))
    if interval is None:
        return f"has schedule {shown(schedule)}, which cannot be evaluated"
    if interval > MAX_SCHEDULE_DAYS:
        return f"runs {shown(schedule)}, up to {interval:g} days apart"
    # No deleteAfter keeps recovery points until someone deletes them: at least any minimum.
    delete_after = dig(rule, "lifecycle.deleteAfter")
    if delete_after is not None and (as_int(delete_after) is None or as_int(delete_after) < min_days):
        return f"keeps recovery points {shown(delete_after)} days"
    return None


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
