"""aud-cloudtrail-s3-data-events: some enabled trail records S3 object-level reads and writes in every bucket."""
import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.aud_cloudtrail_s3_data_events import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args

TRAIL = "aws:cloudtrail/trail:Trail"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
REQUIRED = ("required an enabled trail with an advancedEventSelectors entry requiring eventCategory Data and "
            "resources.type AWS::S3::Object, without readOnly, whose other field selectors only leave out whole "
            "buckets or objects (notStartsWiths 'arn:<partition>:s3:::<bucket>/...' or notEquals on "
            "resources.ARN), or an eventSelectors entry with readWriteType All and an AWS::S3::Object dataResources "
            "entry covering every bucket ('arn:<partition>:s3' or 'arn:<partition>:s3:::')")

# The dev stack's trail, its two buckets and the access logging that makes one a log sink, as
# components.audit_trail builds them (`quome plan --stack dev --json`).
AUDIT_BUCKET_NAME = "quome-audit-111111111111-us-east-1"
ACCESS_LOG_BUCKET_NAME = "quome-access-logs-111111111111-us-east-1"
AUDIT_OBJECTS = f"arn:aws:s3:::{AUDIT_BUCKET_NAME}/"
ACCESS_LOG_OBJECTS = f"arn:aws:s3:::{ACCESS_LOG_BUCKET_NAME}/"
DELIVERY_BUCKETS = f"the trail's destination or a log sink: '{ACCESS_LOG_BUCKET_NAME}', '{AUDIT_BUCKET_NAME}'"
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


def trail(advanced=None, basic=None, name="audit-trail", joined_destination=True, **props):
    body = {"name": "quome-audit", "s3BucketName": AUDIT_BUCKET_NAME, "s3KeyPrefix": "cloudtrail",
            "isMultiRegionTrail": True, "enableLogging": True, **props}
    if advanced is not None:
        body["advancedEventSelectors"] = advanced
    if basic is not None:
        body["eventSelectors"] = basic
    dependencies = {"s3BucketName": "audit-bucket"} if joined_destination else {}
    return FakeResource(TRAIL, name, body, property_dependencies=dependencies)


def audit_bucket(name=AUDIT_BUCKET_NAME):
    return FakeResource(BUCKET, "audit-bucket", {"bucket": name, "objectLockEnabled": True, "forceDestroy": False,
                                                 "tags": {"quome:purpose": "audit"}})


def access_log_bucket(name=ACCESS_LOG_BUCKET_NAME):
    return FakeResource(BUCKET, "access-log-bucket", {"bucket": name, "forceDestroy": False, "tags": {
        "quome:log-sink": "s3-access-logs", "quome:purpose": "s3-access-logs"}})


def audit_bucket_access_logging():
    return FakeResource(BUCKET_LOGGING, "audit-bucket-access-logging",
                        {"bucket": AUDIT_BUCKET_NAME, "targetBucket": ACCESS_LOG_BUCKET_NAME,
                         "targetPrefix": f"{AUDIT_BUCKET_NAME}/"},
                        property_dependencies={"bucket": "audit-bucket", "targetBucket": "access-log-bucket"})


def dev_buckets():
    return [audit_bucket(), access_log_bucket(), audit_bucket_access_logging()]


def stack(*trails, buckets=None):
    return stack_args([*(dev_buckets() if buckets is None else buckets), *trails], config=resolved_config(POLICY))


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
    {"field": "resources.ARN", "notStartsWiths": [f"arn:aws-us-gov:s3:::{AUDIT_BUCKET_NAME}/"]},
    {"field": "resources.ARN", "notStartsWiths": [ACCESS_LOG_OBJECTS]},
    # Values no S3 object ARN can match leave nothing out.
    {"field": "resources.ARN", "notStartsWiths": ["arn:aws:iam::111111111111:role/"]},
    {"field": "resources.ARN", "notEquals": ["arn:aws:s3:::quome-phi-data"]},
])
def test_passes_when_resources_arn_only_leaves_out_objects_of_log_delivery_buckets(arn):
    assert violations_with(s3_selector(arn=arn)) == []


def test_passes_when_the_destination_is_matched_by_the_trails_s3_bucket_name_alone():
    outcome = run(POLICY, stack(trail(audit_trail_selectors(), joined_destination=False)))
    assert outcome.violations == [] and outcome.unknown is None


def test_passes_when_the_destination_is_matched_by_its_joined_bucket_while_s3_bucket_name_is_unknown():
    outcome = run(POLICY, stack(trail(audit_trail_selectors(), s3BucketName=UNKNOWN_STRING_VALUE)))
    assert outcome.violations == [] and outcome.unknown is None


def test_waits_for_preview_when_an_excluded_bucket_may_be_the_sink_whose_name_is_unknown():
    buckets = [audit_bucket(), access_log_bucket(UNKNOWN_STRING_VALUE), audit_bucket_access_logging()]
    outcome = run(POLICY, stack(trail(audit_trail_selectors()), buckets=buckets))
    assert outcome.unknown == "string value at .bucket can't be known during preview"
    assert outcome.violations == []


def test_an_unknown_sink_name_does_not_hold_up_another_trail_that_passes():
    buckets = [audit_bucket(), access_log_bucket(UNKNOWN_STRING_VALUE), audit_bucket_access_logging()]
    basic = trail(basic=[basic_s3()], name="basic-trail")
    outcome = run(POLICY, stack(trail(audit_trail_selectors()), basic, buckets=buckets))
    assert outcome.violations == [] and outcome.unknown is None


def test_an_unknown_sink_name_does_not_hold_up_a_selector_that_fails_on_known_values():
    buckets = [audit_bucket(), access_log_bucket(UNKNOWN_STRING_VALUE), audit_bucket_access_logging()]
    writes_only = s3_selector({"field": "readOnly", "equals": ["false"]})
    outcome = run(POLICY, stack(trail(audit_trail_selectors(writes_only)), buckets=buckets))
    assert outcome.unknown is None
    assert outcome.violations == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} narrows readOnly with equals [\"false\"], "
        f"{AUDIT_BUCKET_SHORTFALLS}")


@pytest.mark.parametrize("value", ["arn:aws:s3", "arn:aws:s3:::", "arn:aws-us-gov:s3", "arn:aws-cn:s3:::",
                                   "arn:aws-iso:s3:::", "arn:aws-eusc:s3"])
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


def test_fails_when_an_exclusion_leaves_out_a_bucket_that_is_not_a_log_delivery_bucket():
    arn = {"field": "resources.ARN", "notStartsWiths": [AUDIT_OBJECTS, "arn:aws:s3:::quome-phi-data/"]}
    assert violations_with(s3_selector(arn=arn)) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} excludes objects of bucket 'quome-phi-data', not a "
        f"log-delivery bucket of the stack ({DELIVERY_BUCKETS}), with resources.ARN notStartsWiths "
        f"'arn:aws:s3:::quome-phi-data/', {AUDIT_BUCKET_SHORTFALLS}")


def test_fails_when_an_exclusion_leaves_out_an_object_of_a_bucket_that_is_not_a_log_delivery_bucket():
    arn = {"field": "resources.ARN", "notEquals": ["arn:aws:s3:::quome-phi-data/patients.csv"]}
    assert violations_with(s3_selector(arn=arn)) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} excludes an object of bucket 'quome-phi-data', not a "
        f"log-delivery bucket of the stack ({DELIVERY_BUCKETS}), with resources.ARN notEquals "
        f"'arn:aws:s3:::quome-phi-data/patients.csv', {AUDIT_BUCKET_SHORTFALLS}")


def test_fails_when_the_excluded_access_log_bucket_receives_no_access_logs():
    buckets = [audit_bucket(), access_log_bucket()]
    assert run(POLICY, stack(trail(audit_trail_selectors()), buckets=buckets)).violations == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} excludes objects of bucket '{ACCESS_LOG_BUCKET_NAME}', "
        f"not a log-delivery bucket of the stack (the trail's destination or a log sink: '{AUDIT_BUCKET_NAME}'), "
        f"with resources.ARN notStartsWiths '{ACCESS_LOG_OBJECTS}', {AUDIT_BUCKET_SHORTFALLS}")


@pytest.mark.parametrize("value", ["arn:aws:s3:::", "arn:aws:s3", "arn:", "", "arn:aws-cn:s3:::", "arn:aws-iso:s3:::",
                                   "arn:aws-eusc:s3:::", "arn:aws-iso-b:s3", "arn:aws-iso", "arn:aws:", "ar"])
def test_fails_when_an_exclusion_leaves_out_every_bucket(value):
    arn = {"field": "resources.ARN", "notStartsWiths": [AUDIT_OBJECTS, value]}
    assert violations_with(s3_selector(arn=arn)) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} excludes every bucket with resources.ARN "
        f"notStartsWiths '{value}', {AUDIT_BUCKET_SHORTFALLS}")


@pytest.mark.parametrize("value", ["arn:aws:s3:::quome-", "arn:aws-iso:s3:::quome-"])
def test_fails_when_an_exclusion_stops_inside_a_bucket_name(value):
    arn = {"field": "resources.ARN", "notStartsWiths": [value]}
    assert violations_with(s3_selector(arn=arn)) == failure(
        f"trail 'audit-trail': advancedEventSelectors {NAME} excludes every bucket whose name starts with 'quome-' "
        f"with resources.ARN notStartsWiths '{value}', {AUDIT_BUCKET_SHORTFALLS}")


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
