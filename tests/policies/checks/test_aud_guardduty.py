"""aud-guardduty: the baseline-owning stack runs a detector with EKS audit-log and runtime monitoring."""
import pytest

from hipaa_pack.checks.aud_guardduty import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

DETECTOR = "aws:guardduty/detector:Detector"
FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
DETECTOR_URN = urn_for(DETECTOR, "guardduty")


def feature(name, status="ENABLED", detector="guardduty"):
    return FakeResource(FEATURE, f"guardduty-{name.lower().replace('_', '-')}",
                        {"detectorId": "d-123", "name": name, "status": status},
                        property_dependencies={"detectorId": detector} if detector else {})


def stack(*features, enable=True, config=None, detector=True):
    resources = []
    if detector:
        props = {"findingPublishingFrequency": "FIFTEEN_MINUTES"}
        if enable is not None:
            props["enable"] = enable
        resources.append(FakeResource(DETECTOR, "guardduty", props))
    return stack_args([*resources, *features], config=resolved_config(POLICY, config))


COMPLIANT = (feature("EKS_AUDIT_LOGS"), feature("RUNTIME_MONITORING"), feature("S3_DATA_EVENTS"))


def test_passes_for_the_baseline_detector():
    outcome = run(POLICY, stack(*COMPLIANT))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_with_eks_runtime_monitoring_instead_and_enable_unset():
    features = (feature("EKS_AUDIT_LOGS"), feature("EKS_RUNTIME_MONITORING"))
    assert run(POLICY, stack(*features, enable=None)).violations == []


def test_fails_without_a_detector():
    assert run(POLICY, stack(detector=False)).violations == [
        ("the stack has no GuardDuty Detector; required one with enable true and the features EKS_AUDIT_LOGS and "
         "RUNTIME_MONITORING ENABLED (ownsAccountBaseline is true)", None)]


def test_fails_for_a_suspended_detector():
    assert run(POLICY, stack(*COMPLIANT, enable=False)).violations == [
        ("GuardDuty detector 'guardduty': enable is false; required true", DETECTOR_URN)]


def test_fails_without_eks_audit_logs():
    assert run(POLICY, stack(feature("RUNTIME_MONITORING"))).messages == [
        "GuardDuty detector 'guardduty' has no DetectorFeature EKS_AUDIT_LOGS; required one with status ENABLED"]


def test_fails_without_runtime_monitoring():
    assert run(POLICY, stack(feature("EKS_AUDIT_LOGS"))).messages == [
        "GuardDuty detector 'guardduty' has no DetectorFeature RUNTIME_MONITORING or EKS_RUNTIME_MONITORING; "
        "required one with status ENABLED"]


@pytest.mark.parametrize("name", ["EKS_AUDIT_LOGS", "RUNTIME_MONITORING"])
def test_fails_when_a_feature_is_disabled(name):
    features = [feature(n, "DISABLED" if n == name else "ENABLED") for n in ("EKS_AUDIT_LOGS", "RUNTIME_MONITORING")]
    assert run(POLICY, stack(*features)).messages == [
        f"GuardDuty detector 'guardduty': DetectorFeature 'guardduty-{name.lower().replace('_', '-')}' ({name}) "
        f"status is 'DISABLED'; required 'ENABLED'"]


def test_a_feature_naming_the_detector_literally_does_not_join():
    assert run(POLICY, stack(feature("EKS_AUDIT_LOGS", detector=None), feature("RUNTIME_MONITORING"))).messages == [
        "GuardDuty detector 'guardduty' has no DetectorFeature EKS_AUDIT_LOGS; required one with status ENABLED"]


def test_not_applicable_when_another_stack_owns_the_account_baseline():
    outcome = run(POLICY, stack(detector=False, config={"ownsAccountBaseline": False}))
    assert outcome.not_applicable == ("ownsAccountBaseline is false: GuardDuty belongs to the stack that owns the "
                                      "account baseline")
    assert outcome.violations == []
