"""aud-cloudtrail-multiregion: some enabled, multi-region trail records all management events."""
import pytest
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE

from hipaa_pack.checks.aud_cloudtrail_multiregion import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args

TRAIL = "aws:cloudtrail/trail:Trail"
REQUIRED = ("required a trail with isMultiRegionTrail true, includeGlobalServiceEvents and enableLogging not false, "
            "and all management events selected")
MANAGEMENT = {"name": "management-events", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}
S3_DATA = {"name": "s3-object-events", "fieldSelectors": [
    {"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]}]}
COMPLIANT = {"name": "quome-audit", "isMultiRegionTrail": True, "includeGlobalServiceEvents": True,
             "enableLogging": True, "isOrganizationTrail": False, "advancedEventSelectors": [MANAGEMENT, S3_DATA]}


def trail(changes=None, drop=(), name="audit-trail"):
    props = {k: v for k, v in {**COMPLIANT, **(changes or {})}.items() if k not in drop}
    return FakeResource(TRAIL, name, props)


def stack(*trails):
    return stack_args(list(trails), config=resolved_config(POLICY))


def failure(found):
    return [(f"no trail records management events in every region ({found}); {REQUIRED}", None)]


def test_passes_for_the_audit_trail():
    outcome = run(POLICY, stack(trail()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_with_defaults_for_global_events_logging_and_selectors():
    bare = trail(drop=["includeGlobalServiceEvents", "enableLogging", "advancedEventSelectors"])
    assert run(POLICY, stack(bare)).violations == []


def test_an_organization_trail_counts():
    assert run(POLICY, stack(trail({"isOrganizationTrail": True}))).violations == []


def test_fails_without_any_trail():
    assert run(POLICY, stack()).violations == [
        ("the stack has no CloudTrail Trail; required one with isMultiRegionTrail true, includeGlobalServiceEvents "
         "and enableLogging not false, and all management events selected", None)]


def test_fails_for_a_single_region_trail():
    assert run(POLICY, stack(trail({"isMultiRegionTrail": False}))).violations == failure(
        "trail 'audit-trail': isMultiRegionTrail is false")


def test_fails_when_multi_region_is_unset_because_trails_default_to_one_region():
    assert run(POLICY, stack(trail(drop=["isMultiRegionTrail"]))).violations == failure(
        "trail 'audit-trail': isMultiRegionTrail is unset")


def test_fails_without_global_service_events():
    assert run(POLICY, stack(trail({"includeGlobalServiceEvents": False}))).violations == failure(
        "trail 'audit-trail': includeGlobalServiceEvents is false")


def test_fails_when_logging_is_stopped():
    assert run(POLICY, stack(trail({"enableLogging": False}))).violations == failure(
        "trail 'audit-trail': enableLogging is false")


def test_fails_when_advanced_selectors_leave_out_management_events():
    assert run(POLICY, stack(trail({"advancedEventSelectors": [S3_DATA]}))).violations == failure(
        "trail 'audit-trail': no advancedEventSelectors entry selects eventCategory Management")


def test_fails_when_the_management_selector_keeps_only_writes():
    write_only = {"name": "management-writes", "fieldSelectors": [
        {"field": "eventCategory", "equals": ["Management"]}, {"field": "readOnly", "equals": ["false"]}]}
    assert run(POLICY, stack(trail({"advancedEventSelectors": [write_only]}))).violations == failure(
        "trail 'audit-trail': its eventCategory Management selectors narrow readOnly (only reads or only writes)")


@pytest.mark.parametrize("selector", [
    {"includeManagementEvents": False, "readWriteType": "All"},
    {"includeManagementEvents": True, "readWriteType": "WriteOnly"},
])
def test_fails_when_basic_selectors_leave_out_management_events(selector):
    props = {"eventSelectors": [selector]}
    assert run(POLICY, stack(trail(props, drop=["advancedEventSelectors"]))).violations == failure(
        "trail 'audit-trail': no eventSelectors entry has includeManagementEvents not false and readWriteType All")


def test_passes_for_basic_selectors_with_management_events_by_default():
    props = {"eventSelectors": [{"dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}]}
    assert run(POLICY, stack(trail(props, drop=["advancedEventSelectors"]))).violations == []


def test_one_qualifying_trail_is_enough_and_every_failing_one_is_named_otherwise():
    regional = trail({"isMultiRegionTrail": False}, name="regional")
    stopped = trail({"enableLogging": False, "includeGlobalServiceEvents": False}, name="stopped")
    assert run(POLICY, stack(regional, trail())).violations == []
    assert run(POLICY, stack(regional, stopped)).violations == failure(
        "trail 'regional': isMultiRegionTrail is false; "
        "trail 'stopped': includeGlobalServiceEvents is false, enableLogging is false")


def test_an_unknown_flag_during_preview_defers_the_check():
    outcome = run(POLICY, stack(trail({"isMultiRegionTrail": UNKNOWN_BOOLEAN_VALUE})))
    assert outcome.unknown == "boolean value at .isMultiRegionTrail can't be known during preview"
    assert outcome.violations == []
