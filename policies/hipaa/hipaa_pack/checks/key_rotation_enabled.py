"""key-rotation-enabled: symmetric KMS keys rotate automatically, at least yearly."""
from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_int, shown

CONTROL = CATALOG["key-rotation-enabled"]

# AWS accepts rotation periods from 90 to 2560 days and rotates yearly when none is given.
AWS_MIN_ROTATION_DAYS = 90
AWS_MAX_ROTATION_DAYS = 2560
AWS_DEFAULT_ROTATION_DAYS = 365

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "maxRotationPeriodInDays": {
        "type": "integer",
        "minimum": AWS_MIN_ROTATION_DAYS,
        "maximum": AWS_MAX_ROTATION_DAYS,
        "default": 365,
        "description": "Longest acceptable rotationPeriodInDays (an unset period counts as AWS's 365).",
    },
})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    # Keys in a custom key store cannot use automatic rotation at all (AWS rejects it); the
    # CloudHSM-backed keys are rotated by the runbook instead.
    if props.get("customKeyStoreId"):
        args.not_applicable("keys in a CloudHSM custom key store rotate by runbook")
    key_usage = props.get("keyUsage") or "ENCRYPT_DECRYPT"
    key_spec = props.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    if key_usage != "ENCRYPT_DECRYPT" or key_spec != "SYMMETRIC_DEFAULT":
        args.not_applicable(f"automatic rotation exists only for symmetric encryption keys; "
                            f"this key is {key_usage} {key_spec}")

    enabled = props.get("enableKeyRotation")
    if as_bool(enabled) is not True:
        report_violation(f"KMS key '{args.name}': enableKeyRotation is {shown(enabled)}; required true", None)

    limit = args.get_config()["maxRotationPeriodInDays"]
    period = props.get("rotationPeriodInDays")
    days = as_int(period)
    if period is None:
        if AWS_DEFAULT_ROTATION_DAYS > limit:
            report_violation(f"KMS key '{args.name}': rotationPeriodInDays is unset (AWS default "
                             f"{AWS_DEFAULT_ROTATION_DAYS}); required at most {limit}", None)
    elif days is None or days > limit:
        report_violation(f"KMS key '{args.name}': rotationPeriodInDays is {shown(period)}; "
                         f"required at most {limit}", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
