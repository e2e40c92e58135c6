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
from ..cloudtrail import (
    advanced_selectors,
    basic_selectors,
    field_equals,
    field_selectors,
    report_unless_a_trail_passes,
)
from ..factory import StackArgs, stack_policy
from ..props import as_bool, shown

CONTROL = CATALOG["aud-cloudtrail-multiregion"]

REQUIRED = ("isMultiRegionTrail true, includeGlobalServiceEvents and enableLogging not false, and all management "
            "events selected")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    report_unless_a_trail_passes(args, report_violation, _problem, records="management events in every region",
                                 if_none=f"required one with {REQUIRED}",
                                 if_all_fail=f"required a trail with {REQUIRED}")


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
    advanced = advanced_selectors(props)
    if advanced:
        selectors = [s for s in advanced if "Management" in field_equals(s, "eventCategory")]
        if not selectors:
            return "no advancedEventSelectors entry selects eventCategory Management"
        if all(field_selectors(s, "readOnly") for s in selectors):
            return "its eventCategory Management selectors narrow readOnly (only reads or only writes)"
        return ""
    basic = basic_selectors(props)
    if basic:
        if not any(as_bool(s.get("includeManagementEvents")) is not False
                   and s.get("readWriteType") in (None, "All") for s in basic):
            return "no eventSelectors entry has includeManagementEvents not false and readWriteType All"
    return ""


POLICY = stack_policy(CONTROL, validate)
