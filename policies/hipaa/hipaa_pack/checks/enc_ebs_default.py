"""enc-ebs-default: the stack that owns the account and region turns on EBS default encryption with a CMK.

Default encryption is an account-and-region setting, so exactly one stack owns it; the others set the
policy config ownsAccountBaseline to false and the policy is not applicable to them.
"""
from __future__ import annotations

from pulumi_policy import ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    OWNS_ACCOUNT_BASELINE_KEY,
    as_bool,
    customer_managed_key_problem,
    owns_account_baseline_schema,
    resources_of,
    shown,
)

CONTROL = CATALOG["enc-ebs-default"]

ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
DEFAULT_KMS_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"

CONFIG_SCHEMA = owns_account_baseline_schema("This stack owns the account-and-region baseline (EBS default "
                                             "encryption and its key).")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    # Not props.skip_unless_owns_account_baseline: here only a literal true owns the baseline, where
    # the helper takes any truthy value; they differ only for a non-boolean config, which the schema refuses.
    if args.get_config()[OWNS_ACCOUNT_BASELINE_KEY] is not True:
        args.not_applicable("ownsAccountBaseline is false: another stack owns EBS default encryption "
                            "for this account and region")

    switches = resources_of(args, ENCRYPTION_BY_DEFAULT)
    if not switches:
        report_violation("the stack declares no EncryptionByDefault; required one with enabled true "
                         "(ownsAccountBaseline is true)", None)
    for switch in switches:
        enabled = switch.props.get("enabled")
        # The provider's default for `enabled` is true.
        if enabled is not None and as_bool(enabled) is not True:
            report_violation(f"EncryptionByDefault '{switch.name}': enabled is {shown(enabled)}; required true",
                             switch.urn)

    keys = resources_of(args, DEFAULT_KMS_KEY)
    if not keys:
        report_violation("the stack declares no DefaultKmsKey, so default encryption uses the AWS-managed "
                         "aws/ebs key; required one whose keyArn names a customer-managed KMS key "
                         "(ownsAccountBaseline is true)", None)
    for key in keys:
        problem = customer_managed_key_problem(f"DefaultKmsKey '{key.name}'", "keyArn", key.props.get("keyArn"))
        if problem:
            report_violation(problem, key.urn)


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
