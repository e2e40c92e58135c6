"""avl-rds-backup-multiaz: retention of at least minBackupRetentionDays; Multi-AZ instances."""
from hipaa_pack.checks.avl_rds_backup_multiaz import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"


def db(token=INSTANCE, config=None, drop=(), **changes):
    props = {"engine": "postgres", "backupRetentionPeriod": 7, "multiAz": True, **changes}
    return resource_args(token, {k: v for k, v in props.items() if k not in drop}, name="db",
                         config=resolved_config(POLICY, config))


def test_passes_for_a_multi_az_instance_with_a_week_of_backups():
    outcome = run(POLICY, db())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_for_short_retention():
    assert run(POLICY, db(backupRetentionPeriod=1)).messages == [
        "RDS instance 'db': backupRetentionPeriod is 1; required at least 7 (minBackupRetentionDays)"]


def test_fails_for_unset_retention():
    assert run(POLICY, db(drop=["backupRetentionPeriod"])).messages == [
        "RDS instance 'db': backupRetentionPeriod is unset (API default 1 day); required at least 7 "
        "(minBackupRetentionDays)"]


def test_a_longer_configured_minimum_applies():
    assert run(POLICY, db(config={"minBackupRetentionDays": 14})).messages == [
        "RDS instance 'db': backupRetentionPeriod is 7; required at least 14 (minBackupRetentionDays)"]


def test_fails_for_a_single_az_instance():
    assert run(POLICY, db(multiAz=False)).messages == ["RDS instance 'db': multiAz is false; required true"]


def test_clusters_need_retention_but_not_multi_az():
    assert run(POLICY, db(CLUSTER, drop=["multiAz"])).violations == []
    assert run(POLICY, db(CLUSTER, backupRetentionPeriod=3, drop=["multiAz"])).messages == [
        "RDS cluster 'db': backupRetentionPeriod is 3; required at least 7 (minBackupRetentionDays)"]
