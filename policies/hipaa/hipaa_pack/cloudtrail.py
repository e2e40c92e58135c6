"""What the CloudTrail checks share: the Trail token, the "some trail must do it" verdict, and readers
for a trail's event selectors.

A trail records for the whole account (and, multi-region, every region), so a stack meets an
aud-cloudtrail-* requirement when any one of its trails does; aud-cloudtrail-multiregion and
aud-cloudtrail-s3-data-events differ only in what a trail must record.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from pulumi_policy import PolicyResource, ReportViolation, StackValidationArgs

from .props import TRAIL_TOKEN, as_list, resources_of


def report_unless_a_trail_passes(args: StackValidationArgs, report_violation: ReportViolation,
                                 problem: Callable[[PolicyResource], str], *, records: str, if_none: str,
                                 if_all_fail: str) -> None:
    """Report against the stack when it has no trail ("the stack has no CloudTrail Trail; <if_none>")
    or when every trail has a problem ("no trail records <records> (<each trail's problem>);
    <if_all_fail>"). problem(trail) is "" for a trail that records what the check requires."""
    trails = resources_of(args, TRAIL_TOKEN)
    if not trails:
        report_violation(f"the stack has no CloudTrail Trail; {if_none}", None)
        return
    problems = [problem(trail) for trail in trails]
    if all(problems):
        report_violation(f"no trail records {records} ({'; '.join(problems)}); {if_all_fail}", None)


def advanced_selectors(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The trail's advancedEventSelectors entries."""
    return [s for s in as_list(props.get("advancedEventSelectors")) if isinstance(s, Mapping)]


def basic_selectors(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The trail's (basic) eventSelectors entries."""
    return [s for s in as_list(props.get("eventSelectors")) if isinstance(s, Mapping)]


def field_selectors(selector: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    """The fieldSelectors of an advanced selector that constrain `field` (eventCategory, readOnly, ...)."""
    return [f for f in as_list(selector.get("fieldSelectors")) if isinstance(f, Mapping) and f.get("field") == field]


def field_equals(selector: Mapping[str, Any], field: str) -> set[str]:
    """Every `equals` value an advanced selector gives `field`."""
    return {value for f in field_selectors(selector, field) for value in as_list(f.get("equals"))}


# How the engine names a field selector's operators: pulumi-aws pluralises all but equals/notEquals.
MATCHING_OPERATORS = ("equals", "startsWiths", "endsWiths")
EXCLUDING_OPERATORS = ("notEquals", "notStartsWiths", "notEndsWiths")


def field_conditions(selector: Mapping[str, Any]) -> list[tuple[str, str, list[Any]]]:
    """Every (field, operator, values) an advanced selector sets, in fieldSelectors order then operator order
    (MATCHING_OPERATORS, then EXCLUDING_OPERATORS). An operator without values constrains nothing and is left out."""
    conditions = []
    for field_selector in as_list(selector.get("fieldSelectors")):
        if not isinstance(field_selector, Mapping):
            continue
        for operator in MATCHING_OPERATORS + EXCLUDING_OPERATORS:
            values = as_list(field_selector.get(operator))
            if values:
                conditions.append((field_selector.get("field"), operator, values))
    return conditions
