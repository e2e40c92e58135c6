"""aud-guardduty: GuardDuty runs, with EKS audit-log monitoring and runtime monitoring turned on.

There is one detector per account and region, so only the stack that owns the account baseline
declares it; its features are separate resources joined through `detectorId` (detector_id=detector.id).
"""
from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    as_bool,
    by_joined_urn,
    owns_account_baseline_schema,
    resources_of,
    shown,
    skip_unless_owns_account_baseline,
)

CONTROL = CATALOG["aud-guardduty"]

DETECTOR_TOKEN = "aws:guardduty/detector:Detector"
FEATURE_TOKEN = "aws:guardduty/detectorFeature:DetectorFeature"
ENABLED = "ENABLED"
# Each entry is satisfied by any one of its names; AWS accepts only one of the two runtime features.
REQUIRED_FEATURES = (("EKS_AUDIT_LOGS",), ("RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"))

CONFIG_SCHEMA = owns_account_baseline_schema("This stack owns the account-wide settings of its account and region, "
                                             "so it must declare the GuardDuty detector.")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    skip_unless_owns_account_baseline(args, "GuardDuty belongs to the stack that owns the account baseline")
    detectors = resources_of(args, DETECTOR_TOKEN)
    if not detectors:
        report_violation("the stack has no GuardDuty Detector; required one with enable true and the features "
                         "EKS_AUDIT_LOGS and RUNTIME_MONITORING ENABLED (ownsAccountBaseline is true)", None)
        return
    features_by_detector = by_joined_urn(resources_of(args, FEATURE_TOKEN), "detectorId")
    for detector in detectors:
        _check_detector(detector, features_by_detector.get(detector.urn, []), report_violation)


def _check_detector(detector: PolicyResource, features: list[PolicyResource],
                    report_violation: ReportViolation) -> None:
    where = f"GuardDuty detector '{detector.name}'"
    enable = detector.props.get("enable")
    if as_bool(enable) is False:
        report_violation(f"{where}: enable is {shown(enable)}; required true", detector.urn)
    for names in REQUIRED_FEATURES:
        matching = [f for f in features if f.props.get("name") in names]
        wanted = " or ".join(names)
        if not matching:
            report_violation(f"{where} has no DetectorFeature {wanted}; required one with status ENABLED",
                             detector.urn)
        elif not any(f.props.get("status") == ENABLED for f in matching):
            for feature in matching:
                report_violation(f"{where}: DetectorFeature '{feature.name}' ({feature.props.get('name')}) status "
                                 f"is {shown(feature.props.get('status'))}; required 'ENABLED'", detector.urn)


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
