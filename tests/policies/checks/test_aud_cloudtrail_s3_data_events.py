"""aud-cloudtrail-s3-data-events: some enabled trail records S3 object-level reads and writes."""
import pytest

from hipaa_pack.checks.aud_cloudtrail_s3_data_events import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args

TRAIL = "aws:cloudtrail/trail:Trail"
REQUIRED = ("required an enabled trail with an advancedEventSelectors entry requiring eventCategory Data and "
            "resources.type AWS::S3::Object without readOnly, or an eventSelectors entry with readWriteType All "
            "and a dataResources entry of type AWS::S3::Object")
MANAGEMENT = {"name": "management-events", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}


def s3_selector(*extra, category="Data", resource_type="AWS::S3::Object"):
    return {"name": "s3-object-events", "fieldSelectors": [
        {"field": "eventCategory", "equals": [category]},
        {"field": "resources.type", "equals": [resource_type]},
        # The audit trail leaves its own buckets out; narrowing by ARN is allowed.
        {"field": "resources.ARN", "notStartsWiths": ["arn:aws:s3:::quome-audit/"]},
        *extra]}


def trail(advanced=None, basic=None, name="audit-trail", **props):
    body = {"name": "quome-audit", "isMultiRegionTrail": True, **props}
    if advanced is not None:
        body["advancedEventSelectors"] = advanced
    if basic is not None:
        body["eventSelectors"] = basic
    return FakeResource(TRAIL, name, body)


def stack(*trails):
    return stack_args(list(trails), config=resolved_config(POLICY))


def failure(found):
    return [(f"no trail records S3 object-level reads and writes ({found}); {REQUIRED}", None)]


def test_passes_for_an_advanced_s3_object_selector():
    outcome = run(POLICY, stack(trail([MANAGEMENT, s3_selector()], enableLogging=True)))
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("read_write", [None, "All"])
def test_passes_for_a_basic_selector_recording_reads_and_writes(read_write):
    selector = {"dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}
    if read_write:
        selector["readWriteType"] = read_write
    assert run(POLICY, stack(trail(basic=[selector]))).violations == []


def test_fails_without_any_trail():
    assert run(POLICY, stack()).violations == [
        (f"the stack has no CloudTrail Trail; {REQUIRED}", None)]


def test_fails_when_no_selector_records_s3_data():
    assert run(POLICY, stack(trail([MANAGEMENT]))).violations == failure(
        "trail 'audit-trail': no selector records S3 object data events")


def test_fails_for_a_trail_with_default_selectors_which_record_no_data_events():
    assert run(POLICY, stack(trail())).violations == failure(
        "trail 'audit-trail': no selector records S3 object data events")


def test_fails_when_the_advanced_selector_keeps_only_writes():
    narrowed = s3_selector({"field": "readOnly", "equals": ["false"]})
    assert run(POLICY, stack(trail([narrowed]))).violations == failure(
        "trail 'audit-trail': advancedEventSelectors 's3-object-events' narrows readOnly to [\"false\"]")


def test_fails_when_the_selector_is_for_another_data_type():
    assert run(POLICY, stack(trail([s3_selector(resource_type="AWS::DynamoDB::Table")]))).violations == failure(
        "trail 'audit-trail': no selector records S3 object data events")


def test_fails_when_the_selector_is_not_for_data_events():
    assert run(POLICY, stack(trail([s3_selector(category="Management")]))).violations == failure(
        "trail 'audit-trail': no selector records S3 object data events")


def test_fails_when_the_basic_selector_keeps_only_reads():
    selector = {"readWriteType": "ReadOnly", "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}
    assert run(POLICY, stack(trail(basic=[selector]))).violations == failure(
        "trail 'audit-trail': eventSelectors entry for AWS::S3::Object has readWriteType 'ReadOnly'")


def test_fails_when_the_recording_trail_is_stopped():
    assert run(POLICY, stack(trail([s3_selector()], enableLogging=False))).violations == failure(
        "trail 'audit-trail': enableLogging is false")


def test_one_recording_trail_is_enough():
    management_only = trail([MANAGEMENT], name="management")
    assert run(POLICY, stack(management_only, trail([s3_selector()], name="data"))).violations == []
