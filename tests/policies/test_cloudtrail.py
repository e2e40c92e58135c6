"""What the CloudTrail checks share (hipaa_pack.cloudtrail)."""
from hipaa_pack import cloudtrail
from tests.policies.fakes import FakeResource, engine_props, stack_args

TRAIL = cloudtrail.TRAIL_TOKEN


def verdicts(*trails):
    reported = []
    cloudtrail.report_unless_a_trail_passes(
        stack_args([FakeResource(TRAIL, name) for name in trails]),
        lambda message, urn=None: reported.append((message, urn)),
        lambda trail: "" if trail.name == "good" else f"trail '{trail.name}': bad",
        records="what is needed", if_none="required a trail", if_all_fail="required a good trail")
    return reported


def test_one_passing_trail_is_enough():
    assert verdicts("bad", "good") == []


def test_no_trail_or_only_failing_trails_are_reported_against_the_stack():
    assert verdicts() == [("the stack has no CloudTrail Trail; required a trail", None)]
    assert verdicts("a", "b") == [
        ("no trail records what is needed (trail 'a': bad; trail 'b': bad); required a good trail", None)]


def test_selector_readers():
    props = engine_props({
        "advancedEventSelectors": [
            {"name": "s3", "fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]},
                                              {"field": "resources.type", "equals": "AWS::S3::Object"},
                                              {"field": "readOnly", "equals": ["true"]}]},
            "junk"],
        "eventSelectors": [{"readWriteType": "All"}],
    })
    advanced, = cloudtrail.advanced_selectors(props)
    assert cloudtrail.field_equals(advanced, "eventCategory") == {"Data"}
    assert cloudtrail.field_equals(advanced, "resources.type") == {"AWS::S3::Object"}
    assert [list(f["equals"]) for f in cloudtrail.field_selectors(advanced, "readOnly")] == [["true"]]
    assert cloudtrail.field_selectors(advanced, "eventName") == []
    assert [s["readWriteType"] for s in cloudtrail.basic_selectors(props)] == ["All"]
    assert cloudtrail.advanced_selectors(engine_props({})) == [] == cloudtrail.basic_selectors(engine_props({}))


def test_field_conditions_lists_each_operator_with_values_in_order():
    selector, = cloudtrail.advanced_selectors(engine_props({"advancedEventSelectors": [{"fieldSelectors": [
        {"field": "eventCategory", "equals": "Data"},
        {"field": "resources.ARN", "notStartsWiths": ["arn:aws:s3:::a/"], "startsWiths": ["arn:aws:s3:::b/"],
         "notEquals": [], "endsWiths": None},
        "junk",
        {"field": "eventName", "notEndsWiths": ["Object"], "notEquals": ["GetObject"]},
    ]}]}))
    assert cloudtrail.field_conditions(selector) == [
        ("eventCategory", "equals", ["Data"]),
        ("resources.ARN", "startsWiths", ["arn:aws:s3:::b/"]),
        ("resources.ARN", "notStartsWiths", ["arn:aws:s3:::a/"]),
        ("eventName", "notEquals", ["GetObject"]),
        ("eventName", "notEndsWiths", ["Object"]),
    ]
    assert cloudtrail.field_conditions(engine_props({"name": "empty"})) == []
