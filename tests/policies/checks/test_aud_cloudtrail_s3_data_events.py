"""aud-cloudtrail-s3-data-events: some enabled trail records S3 object-level reads and writes in every bucket."""
import pytest

from hipaa_pack.checks.aud_cloudtrail_s3_data_events import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args

TRAIL = "aws:cloudtrail/trail:Trail"
REQUIRED = ("required an enabled trail with an advancedEventSelectors entry requiring eventCategory Data and "
            "resources.type AWS::S3::Object, without readOnly, whose other field selectors only leave out whole "
            "buckets or objects (notStartsWiths 'arn:<partition>:s3:::<bucket>/...' or notEquals on "
            "resources.ARN), or an eventSelectors entry with readWriteType All and an AWS::S3::Object dataResources "
            "entry covering every bucket ('arn:<partition>:s3' or 'arn:<partition>:s3:::')")

# The selectors components.audit_trail puts on the dev stack's trail (`quome plan --stack dev --json`).
AUDIT_OBJECTS = "arn:aws:s3:::quome-audit-111111111111-us-east-1/"
ACCESS_LOG_OBJECTS = "arn:aws:s3:::quome-access-logs-111111111111-us-east-1/"
MANAGEMENT = {"name": "management-events", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}
AUDIT_BUCKET_READS = {"name": "audit-bucket-object-reads", "fieldSelectors": [
    {"field": "eventCategory", "equals": ["Data"]},
    {"field": "resources.type", "equals": ["AWS::S3::Object"]},
    {"field": "readOnly", "equals": ["true"]},
    {"field": "resources.ARN", "startsWiths": [AUDIT_OBJECTS]}]}
AUDIT_BUCKET_DELETIONS = {"name": "audit-buckets-object-deletions", "fieldSelectors": [
    {"field": "eventCategory", "equals": ["Data"]},
    {"field": "resources.type", "equals": ["AWS::S3::Object"]},
    {"field": "eventName", "equals": ["DeleteObject", "DeleteObjects", "PutObjectRetention", "PutObjectLegalHold"]},
    {"field": "resources.ARN", "startsWiths": [AUDIT_OBJECTS, ACCESS_LOG_OBJECTS]}]}
# Why the two audit-bucket selectors above do not qualify on their own; listed whenever no selector does.
AUDIT_BUCKET_SHORTFALLS = (
    "advancedEventSelectors 'audit-bucket-object-reads' narrows readOnly with equals [\"true\"] and narrows "
    f"resources.ARN with startsWiths [\"{AUDIT_OBJECTS}\"], "
    "advancedEventSelectors 'audit-buckets-object-deletions' narrows eventName with equals [\"DeleteObject\", "
    "\"DeleteObjects\", \"PutObjectRetention\", \"PutObjectLegalHold\"] and narrows resources.ARN with startsWiths "
    f"[\"{AUDIT_OBJECTS}\", \"{ACCESS_LOG_OBJECTS}\"]")
NAME = "'s3-object-events-except-audit-buckets'"


def s3_selector(*extra, category="Data", resource_type="AWS::S3::Object", arn=None):
    arn = arn or {"field": "resources.ARN", "notStartsWiths": [AUDIT_OBJECTS, ACCESS_LOG_OBJECTS]}
    return {"name": "s3-object-events-except-audit-buckets", "fieldSelectors": [
        {"field": "eventCategory", "equals": [category]},
        {"field": "resources.type", "equals": [resource_type]},
        arn,
        *extra]}


def audit_trail_selectors(s3=None):
    return [MANAGEMENT, s3 or s3_selector(), AUDIT_BUCKET_READS, AUDIT_BUCKET_DELETIONS]


def trail(advanced=None, basic=None, name="audit-trail", **props):
    body = {"name": "quome-audit", "isMultiRegionTrail": True, "enableLogging": True, **props}
    if advanced is not None:
        body["advancedEventSelectors"] = advanced
    if basic is not None:
        body["eventSelectors"] = basic
    return FakeResource(TRAIL, name, body)


def stack(*trails):
    return stack_args(list(trails), config=resolved_config(POLICY))


def failure(found):
    return [(f"no trail records S3 object-level reads and writes ({found}); {REQUIRED}", None)]


def violations_with(selector):
    return run(POLICY, stack(trail(audit_trail_selectors(selector)))).violations


def basic_s3(values=("arn:aws:s3",), read_write=None):
    selector = {"dataResources": [{"type": "AWS::S3::Object", "values": list(values)}]}
    if read_write:
        selector["readWriteType"] = read_write
    return selector


# ------------------------------------------------------------------------------------------- passing


def test_passes_for_the_audit_trails_selectors():
    outcome = run(POLICY, stack(trail(audit_trail_selectors())))
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("arn", [
    {"field": "resources.ARN", "notStartsWiths": [f"{AUDIT_OBJECTS}AWSLogs/"]},
    {"field": "resources.ARN", "notEquals": [f"{AUDIT_OBJECTS}marker"]},
    {"field": "resources.ARN", "notStartsWiths": ["arn:aws-us-gov:s3:::quome-audit/"]},
])
def test_passes_when_resources_arn_only_leaves_out_objects_of_named_buckets(arn):
    assert violations_with(s3_selector(arn=arn)) == []


@pytest.mark.parametrize("value", ["arn:aws:s3", "arn:aws:s3:::", "arn:aws-us-gov:s3", "arn:aws-cn:s3:::"])
@pytest.mark.parametrize("read_write", [None, "All"])
def test_passes_for_a_basic_selector_recording_reads_and_writes_in_every_bucket(value, read_write):
    assert run(POLICY, stack(trail(basic=[basic_s3([value], read_write)]))).violations == []


def test_one_recording_trail_is_enough():
    management_only = trail([MANAGEMENT], name="management")
    assert run(POLICY, stack(management_only, trail(audit_trail_selectors(), name="data"))).violations == []


# ------------------------------------------------------------------------------------------- failing


def test_fails_without_any_trail():
    assert run(POLICY, stack()).violations == [(f"the stack has no CloudTrail Trail; {REQUIRED}", None)]


def test_fails_when_no_selector_records_s3_data():
    assert run(POLICY, stack(trail([MANAGEMENT]))).violations == failure(
        "trail 'audit-trail': no selector records S3 object data events")


def test_fails_for_a_trail_with_default_selectors_which_record_no_data_events():
    assert run(POLICY, stack(trail())).violations == failure(
        "trail 'audit-trail': no selector records S3 object data events")


def test_fails_when_the_recording_trail_is_stopped():
    assert run(POLICY, stack(trail(audit_trail_selectors(), enableLogging=False))).violations == failure(
        "trail 'audit-trail': enableLogging is false")


def test_fails_when_the_selector_is_for_another_data_type():
    assert violations_with(s3_selector(resource_type="AWS::DynamoDB::Table")) == failure(
        f"trail 'audit-trail': {AUDIT_BUCKET_SHORTFALLS}")


def test_fails_when_the_selector_is_not_for_data_events():
    assert violations_with(s3_selector(category="Management")) == failure(
        f"trail 'audit-trail': {AUDIT_BUCKET_SHORTFALLS}")


def test_fails_when_the_advanced_selector_keeps_only_writes():
    assert violations_with(s3_selector({"field": "readOnly", "equals": ["false"]})) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} narrows readOnly with equals [\"false\"], "
        f"{AUDIT_BUCKET_SHORTFALLS}")


@pytest.mark.parametrize("operator", ["equals", "startsWiths", "endsWiths"])
def test_fails_when_resources_arn_selects_some_buckets_instead_of_excluding(operator):
    arn = {"field": "resources.ARN", operator: ["arn:aws:s3:::quome-org-a/"]}
    assert violations_with(s3_selector(arn=arn)) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} narrows resources.ARN with {operator} "
        f"[\"arn:aws:s3:::quome-org-a/\"], {AUDIT_BUCKET_SHORTFALLS}")


def test_fails_when_a_bucket_selection_sits_beside_the_exclusion():
    selection = {"field": "resources.ARN", "startsWiths": ["arn:aws:s3:::quome-org-a/"]}
    assert violations_with(s3_selector(selection)) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} narrows resources.ARN with startsWiths "
        f"[\"arn:aws:s3:::quome-org-a/\"], {AUDIT_BUCKET_SHORTFALLS}")


@pytest.mark.parametrize("field, operator, value", [
    ("eventName", "notEquals", "GetObject"),  # an exclusion, but it hides every PHI read
    ("eventName", "equals", "PutObject"),
    ("eventSource", "equals", "s3.amazonaws.com"),
    ("userIdentity.arn", "startsWiths", "arn:aws:iam::111111111111:role/app"),
    ("userIdentity.arn", "notStartsWiths", "arn:aws:iam::111111111111:role/batch"),
])
def test_fails_when_another_field_narrows_what_is_recorded(field, operator, value):
    assert violations_with(s3_selector({"field": field, operator: [value]})) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} narrows {field} with {operator} [\"{value}\"], "
        f"{AUDIT_BUCKET_SHORTFALLS}")


@pytest.mark.parametrize("value", ["arn:aws:s3:::", "arn:aws:s3", "arn:", "", "arn:aws-cn:s3:::"])
def test_fails_when_an_exclusion_leaves_out_every_bucket(value):
    arn = {"field": "resources.ARN", "notStartsWiths": [AUDIT_OBJECTS, value]}
    assert violations_with(s3_selector(arn=arn)) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} excludes every bucket with resources.ARN "
        f"notStartsWiths '{value}', {AUDIT_BUCKET_SHORTFALLS}")


def test_fails_when_an_exclusion_stops_inside_a_bucket_name():
    arn = {"field": "resources.ARN", "notStartsWiths": ["arn:aws:s3:::quome-"]}
    assert violations_with(s3_selector(arn=arn)) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} excludes every bucket whose name starts with 'quome-' "
        f"with resources.ARN notStartsWiths 'arn:aws:s3:::quome-', {AUDIT_BUCKET_SHORTFALLS}")


@pytest.mark.parametrize("value", ["", ".csv", "/"])
def test_fails_when_a_suffix_exclusion_leaves_out_objects_in_every_bucket(value):
    arn = {"field": "resources.ARN", "notEndsWiths": [value]}
    assert violations_with(s3_selector(arn=arn)) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} excludes objects ending '{value}' in every bucket "
        f"with resources.ARN notEndsWiths '{value}', {AUDIT_BUCKET_SHORTFALLS}")


def test_fails_when_the_basic_selector_keeps_only_reads():
    assert run(POLICY, stack(trail(basic=[basic_s3(read_write="ReadOnly")]))).violations == failure(
        "trail 'audit-trail': eventSelectors entry for AWS::S3::Object has readWriteType 'ReadOnly'")


def test_fails_when_the_basic_selector_lists_some_buckets():
    some = basic_s3(["arn:aws:s3:::quome-org-a/", "arn:aws:s3:::quome-org-b/"])
    assert run(POLICY, stack(trail(basic=[some]))).violations == failure(
        "trail 'audit-trail': eventSelectors entry for AWS::S3::Object covers only values "
        "[\"arn:aws:s3:::quome-org-a/\", \"arn:aws:s3:::quome-org-b/\"], not every bucket "
        "(basic selectors cannot exclude)")
