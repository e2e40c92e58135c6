"""avl-rds-backup-multiaz: RDS keeps at least minBackupRetentionDays of automated backups, and
single instances run Multi-AZ (Aurora and Multi-AZ DB clusters span zones by design)."""
from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_int, shown

CONTROL = CATALOG["avl-rds-backup-multiaz"]

INSTANCE_TOKEN = "aws:rds/instance:Instance"
KINDS = {INSTANCE_TOKEN: "RDS instance", "aws:rds/cluster:Cluster": "RDS cluster"}
# What the RDS API uses when backupRetentionPeriod is not given.
API_DEFAULT_RETENTION_DAYS = 1

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "minBackupRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "maximum": 35,
        "default": 7,
        "description": "Shortest acceptable backupRetentionPeriod, in days (RDS allows at most 35).",
    },
})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"{KINDS[args.resource_type]} '{args.name}'"
    minimum = args.get_config()["minBackupRetentionDays"]
    retention = args.props.get("backupRetentionPeriod")
    if retention is None:
        report_violation(f"{where}: backupRetentionPeriod is unset (API default {API_DEFAULT_RETENTION_DAYS} day); "
                         f"required at least {minimum} (minBackupRetentionDays)", None)
    elif as_int(retention) is None or as_int(retention) < minimum:
        report_violation(f"{where}: backupRetentionPeriod is {shown(retention)}; required at least {minimum} "
                         f"(minBackupRetentionDays)", None)

    if args.resource_type == INSTANCE_TOKEN:
        multi_az = args.props.get("multiAz")
        if as_bool(multi_az) is not True:
            report_violation(f"{where}: multiAz is {shown(multi_az)}; required true", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
