"""aud-cloudtrail-s3-data-events: some enabled trail records S3 object-level reads and writes.

Either form of selector qualifies: a basic eventSelectors entry with readWriteType All and an
AWS::S3::Object data resource, or an advancedEventSelectors entry requiring eventCategory Data and
resources.type AWS::S3::Object without a readOnly field (which would keep only reads or only writes).
Narrowing by bucket ARN is allowed: the audit trail leaves out its own buckets, whose deliveries it
would otherwise log forever.
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
from ..props import as_bool, as_list, shown

CONTROL = CATALOG["aud-cloudtrail-s3-data-events"]

S3_OBJECT = "AWS::S3::Object"
REQUIRED = ("an advancedEventSelectors entry requiring eventCategory Data and resources.type AWS::S3::Object "
            "without readOnly, or an eventSelectors entry with readWriteType All and a dataResources entry of "
            "type AWS::S3::Object")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    required = f"required an enabled trail with {REQUIRED}"
    report_unless_a_trail_passes(args, report_violation, _problem, records="S3 object-level reads and writes",
                                 if_none=required, if_all_fail=required)


def _problem(trail: PolicyResource) -> str:
    """Why this trail does not record S3 object reads and writes, or "" when it does."""
    found = []
    enabled = trail.props.get("enableLogging")
    if as_bool(enabled) is False:
        found.append(f"enableLogging is {shown(enabled)}")
    selectors = _selector_problem(trail.props)
    if selectors:
        found.append(selectors)
    return f"trail '{trail.name}': {', '.join(found)}" if found else ""


def _selector_problem(props: Mapping[str, Any]) -> str:
    s3_advanced = [s for s in advanced_selectors(props)
                   if "Data" in field_equals(s, "eventCategory") and S3_OBJECT in field_equals(s, "resources.type")]
    if any(not field_selectors(s, "readOnly") for s in s3_advanced):
        return ""
    s3_basic = [s for s in basic_selectors(props)
                if any(isinstance(r, Mapping) and r.get("type") == S3_OBJECT for r in as_list(s.get("dataResources")))]
    if any(s.get("readWriteType") in (None, "All") for s in s3_basic):
        return ""

    narrowed = [f"advancedEventSelectors {_selector_name(s)} narrows readOnly{_to(field_equals(s, 'readOnly'))}"
                for s in s3_advanced]
    narrowed += [f"eventSelectors entry for {S3_OBJECT} has readWriteType {shown(s.get('readWriteType'))}"
                 for s in s3_basic]
    return ", ".join(narrowed) if narrowed else "no selector records S3 object data events"


def _to(values: set[str]) -> str:
    return f" to {shown(sorted(values))}" if values else ""


def _selector_name(selector: Mapping[str, Any]) -> str:
    name = selector.get("name")
    return repr(name) if isinstance(name, str) and name else "entry"


POLICY = stack_policy(CONTROL, validate)
