"""aud-cloudtrail-multiregion: some enabled trail records every region's management events, including
those of global services (IAM, STS, CloudFront).

With advanced event selectors a trail records management events only when a selector asks for them;
with basic event selectors they are on unless includeManagementEvents is false; with neither, on.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_bool, as_list, resources_of, shown

CONTROL = CATALOG["aud-cloudtrail-multiregion"]

TRAIL_TOKEN = "aws:cloudtrail/trail:Trail"
REQUIRED = ("isMultiRegionTrail true, includeGlobalServiceEvents and enableLogging not false, and all management "
            "events selected")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    trails = resources_of(args, TRAIL_TOKEN)
    if not trails:
        report_violation(f"the stack has no CloudTrail Trail; required one with {REQUIRED}", None)
        return
    problems = [_problem(trail) for trail in trails]
    if all(problems):
        report_violation(f"no trail records management events in every region ({'; '.join(problems)}); "
                         f"required a trail with {REQUIRED}", None)


def _problem(trail: PolicyResource) -> str:
    """Why this trail is not a multi-region management-event trail, or "" when it is."""
    props = trail.props
    found = []
    multi_region = props.get("isMultiRegionTrail")
    if as_bool(multi_region) is not True:
        found.append(f"isMultiRegionTrail is {shown(multi_region)}")
    for prop in ("includeGlobalServiceEvents", "enableLogging"):  # both default to true
        value = props.get(prop)
        if as_bool(value) is False:
            found.append(f"{prop} is {shown(value)}")
    management = _management_events_problem(props)
    if management:
        found.append(management)
    return f"trail '{trail.name}': {', '.join(found)}" if found else ""


def _management_events_problem(props: Mapping[str, Any]) -> str:
    advanced = [s for s in as_list(props.get("advancedEventSelectors")) if isinstance(s, Mapping)]
    if advanced:
        selectors = [s for s in advanced if "Management" in _equals(s, "eventCategory")]
        if not selectors:
            return "no advancedEventSelectors entry selects eventCategory Management"
        if all(_field_selectors(s, "readOnly") for s in selectors):
            return "its eventCategory Management selectors narrow readOnly (only reads or only writes)"
        return ""
    basic = [s for s in as_list(props.get("eventSelectors")) if isinstance(s, Mapping)]
    if basic:
        if not any(as_bool(s.get("includeManagementEvents")) is not False
                   and s.get("readWriteType") in (None, "All") for s in basic):
            return "no eventSelectors entry has includeManagementEvents not false and readWriteType All"
    return ""


def _field_selectors(selector: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    return [f for f in as_list(selector.get("fieldSelectors")) if isinstance(f, Mapping) and f.get("field") == field]


def _equals(selector: Mapping[str, Any], field: str) -> set[str]:
    return {value for f in _field_selectors(selector, field) for value in as_list(f.get("equals"))}


POLICY = stack_policy(CONTROL, validate)
