"""aud-securityhub-config: Security Hub is on, and an AWS Config recorder records every resource type.

Both exist once per account and region, so only the stack that owns the account baseline declares
them. A recorder records only while its RecorderStatus (joined through `name`) has isEnabled true.
The HIPAA conformance pack is recommended, not required, so it decides nothing here.
"""
from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    as_bool,
    by_joined_urn,
    dig,
    owns_account_baseline_schema,
    resources_of,
    shown,
    skip_unless_owns_account_baseline,
)

CONTROL = CATALOG["aud-securityhub-config"]

HUB_TOKEN = "aws:securityhub/account:Account"
RECORDER_TOKEN = "aws:cfg/recorder:Recorder"
RECORDER_STATUS_TOKEN = "aws:cfg/recorderStatus:RecorderStatus"

CONFIG_SCHEMA = owns_account_baseline_schema("This stack owns the account-wide settings of its account and region, "
                                             "so it must declare Security Hub and the AWS Config recorder.")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    skip_unless_owns_account_baseline(args, "Security Hub and AWS Config belong to the stack that owns the "
                                            "account baseline")
    if not resources_of(args, HUB_TOKEN):
        report_violation("the stack has no Security Hub Account; required aws.securityhub.Account "
                         "(ownsAccountBaseline is true)", None)

    recorders = resources_of(args, RECORDER_TOKEN)
    if not recorders:
        report_violation("the stack has no AWS Config Recorder; required one with recordingGroup.allSupported true "
                         "and a RecorderStatus with isEnabled true (ownsAccountBaseline is true)", None)
        return
    statuses_by_recorder = by_joined_urn(resources_of(args, RECORDER_STATUS_TOKEN), "name")
    problems = {r.urn: _problems(r, statuses_by_recorder.get(r.urn, [])) for r in recorders}
    if all(problems.values()):
        for recorder in recorders:
            for problem in problems[recorder.urn]:
                report_violation(problem, recorder.urn)


def _problems(recorder: PolicyResource, statuses: list[PolicyResource]) -> list[str]:
    """What keeps this recorder from recording every resource type ([] when nothing does)."""
    where = f"Config recorder '{recorder.name}'"
    found = []
    all_supported = dig(recorder.props, "recordingGroup.allSupported")
    if as_bool(all_supported) is not True:
        found.append(f"{where}: recordingGroup.allSupported is {shown(all_supported)}; required true")
    if not statuses:
        found.append(f"{where} has no RecorderStatus; required one with isEnabled true (name=<recorder>.name), "
                     f"or the recorder never starts")
    elif not any(as_bool(s.props.get("isEnabled")) is True for s in statuses):
        for status in statuses:
            found.append(f"{where}: RecorderStatus '{status.name}' isEnabled is "
                         f"{shown(status.props.get('isEnabled'))}; required true")
    return found


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
