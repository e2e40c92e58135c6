"""avl-backup-plan: data stores selected into a daily plan with enough retention; EFS backup policy enabled."""
from hipaa_pack.checks.avl_backup_plan import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
TABLE = "aws:dynamodb/table:Table"
EFS = "aws:efs/fileSystem:FileSystem"
EFS_POLICY = "aws:efs/backupPolicy:BackupPolicy"
RDS = "aws:rds/instance:Instance"
REQUIRED = ("required a Selection of a plan with a rule scheduled at least daily and lifecycle.deleteAfter of at "
            "least 35 days (minRetentionDays)")


def rule(name="daily", schedule="cron(0 5 ? * * *)", delete_after=35):
    body = {"ruleName": name, "targetVaultName": "quome-vault", "schedule": schedule}
    if delete_after is not None:
        body["lifecycle"] = {"deleteAfter": delete_after}
    return body


def stack(*rules, stores=("records", "files"), selected=("records", "files"), extra=(), efs_status="ENABLED",
          config=None):
    resources = [FakeResource(TABLE, "records", {"pointInTimeRecovery": {"enabled": True}}),
                 FakeResource(EFS, "files", {"encrypted": True})]
    resources = [r for r in resources if r.name in stores]
    resources.append(FakeResource(PLAN, "daily-plan", {"name": "quome-daily", "rules": list(rules) or [rule()]}))
    if selected:
        resources.append(FakeResource(SELECTION, "daily-selection", {"planId": "plan-1", "resources": ["arn:..."]},
                                      property_dependencies={"planId": "daily-plan", "resources": list(selected)}))
    if "files" in stores and efs_status is not None:
        resources.append(FakeResource(EFS_POLICY, "files-backup", {"backupPolicy": {"status": efs_status}},
                                      property_dependencies={"fileSystemId": "files"}))
    resources.extend(extra)
    return stack_args(resources, config=resolved_config(POLICY, config))


def test_passes_for_a_daily_plan_with_35_days_covering_every_store():
    outcome = run(POLICY, stack())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_points_are_kept_until_deleted():
    assert run(POLICY, stack(rule(delete_after=None))).violations == []


def test_one_qualifying_rule_is_enough():
    assert run(POLICY, stack(rule("monthly", "cron(0 5 1 * ? *)", 365), rule())).violations == []


def test_fails_for_a_store_in_no_selection():
    assert run(POLICY, stack(selected=("files",))).violations == [
        (f"DynamoDB table 'records' is in no backup Selection; {REQUIRED}", urn_for(TABLE, "records"))]


def test_fails_when_the_only_plan_runs_weekly():
    outcome = run(POLICY, stack(rule("weekly", "cron(0 5 ? * SUN *)"), stores=("records",), selected=("records",)))
    assert outcome.messages == [
        "DynamoDB table 'records' is selected only by plans that fall short (plan 'daily-plan' rule 'weekly' runs "
        f"'cron(0 5 ? * SUN *)', up to 7 days apart); {REQUIRED}"]


def test_fails_when_retention_is_too_short():
    outcome = run(POLICY, stack(rule(delete_after=14), stores=("records",), selected=("records",)))
    assert outcome.messages == [
        "DynamoDB table 'records' is selected only by plans that fall short (plan 'daily-plan' rule 'daily' keeps "
        f"recovery points 14 days); {REQUIRED}"]


def test_a_longer_configured_minimum_applies():
    outcome = run(POLICY, stack(stores=("records",), selected=("records",), config={"minRetentionDays": 90}))
    assert outcome.messages == [
        "DynamoDB table 'records' is selected only by plans that fall short (plan 'daily-plan' rule 'daily' keeps "
        "recovery points 35 days); required a Selection of a plan with a rule scheduled at least daily and "
        "lifecycle.deleteAfter of at least 90 days (minRetentionDays)"]


def test_fails_for_a_rule_without_schedule():
    outcome = run(POLICY, stack(rule(schedule=None), stores=("records",), selected=("records",)))
    assert outcome.messages == [
        "DynamoDB table 'records' is selected only by plans that fall short (plan 'daily-plan' rule 'daily' has no "
        f"schedule); {REQUIRED}"]


def test_fails_for_an_efs_file_system_without_backup_policy():
    assert run(POLICY, stack(efs_status=None)).violations == [
        ("EFS file system 'files' has no BackupPolicy; required one with backupPolicy.status ENABLED",
         urn_for(EFS, "files"))]


def test_fails_for_a_disabled_efs_backup_policy():
    assert run(POLICY, stack(efs_status="DISABLED")).messages == [
        "EFS file system 'files': BackupPolicy backupPolicy.status is 'DISABLED'; required ENABLED"]


def test_rds_instances_are_data_stores_too():
    db = FakeResource(RDS, "db", {"engine": "postgres"})
    assert run(POLICY, stack(extra=[db])).messages == [f"RDS instance 'db' is in no backup Selection; {REQUIRED}"]


def test_not_applicable_without_data_stores():
    outcome = run(POLICY, stack(stores=(), selected=()))
    assert outcome.violations == []
    assert outcome.not_applicable == ("the stack has no EFS file system, DynamoDB table, RDS instance or cluster, "
                                      "or EBS volume to back up")
