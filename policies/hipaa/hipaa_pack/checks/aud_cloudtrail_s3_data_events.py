"""aud-cloudtrail-s3-data-events: some enabled trail records S3 object-level reads and writes in every bucket.

PHI lives in S3 objects, so 164.312(b) wants every read and write of every object recorded. One selector
must do it on its own (selectors that each record a part are not added up):

* An advancedEventSelectors entry qualifies when it requires eventCategory Data and resources.type
  AWS::S3::Object, has no readOnly field (which would keep only reads or only writes), and its other field
  selectors only leave objects out: notStartsWiths or notEquals on resources.ARN. The
  platform's audit trail (components.audit_trail) records every bucket except its own delivery buckets,
  whose deliveries it would otherwise log forever, so exclusions must stay allowed. Anything that records
  a subset instead - equals/startsWiths/endsWiths on resources.ARN, or any condition on eventName,
  eventSource, userIdentity.arn and the like - fails, naming the selector, field and operator.
* A notStartsWiths value must leave out whole buckets, one at a time: "arn:<partition>:s3:::<bucket>/"
  (optionally followed by a key prefix). A value that is a prefix of "arn:<partition>:s3:::" leaves out
  every bucket; one that stops inside a bucket name ("arn:aws:s3:::quome-") leaves out every bucket whose
  name starts that way. notEndsWiths is refused: a suffix (".csv", "/") is not tied to a bucket, so it
  leaves that kind of object out in every bucket.
* eventName is not allowed even to exclude: every S3 object data event is some read or write of an object
  (GetObject, PutObject, CopyObject, DeleteObject, SelectObjectContent, ...), so leaving one out hides that
  kind of access to PHI in every bucket, and no delivery loop forces it the way the audit buckets force an
  ARN exclusion.
* A basic eventSelectors entry qualifies with readWriteType All (or unset) and an AWS::S3::Object
  dataResources entry whose values cover every bucket: "arn:<partition>:s3" or "arn:<partition>:s3:::".
  Basic selectors cannot exclude, so a list of bucket ARNs only ever narrows; a trail that must leave its
  own buckets out needs advanced selectors.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..cloudtrail import (
    EXCLUDING_OPERATORS,
    advanced_selectors,
    basic_selectors,
    field_conditions,
    field_equals,
    report_unless_a_trail_passes,
)
from ..factory import StackArgs, stack_policy
from ..props import as_bool, as_list, shown

CONTROL = CATALOG["aud-cloudtrail-s3-data-events"]

S3_OBJECT = "AWS::S3::Object"
# What makes a selector an S3 object data-event selector at all; equals on these fields is not narrowing.
SELECTING = {"eventCategory": "Data", "resources.type": S3_OBJECT}
EXCLUDABLE_FIELD = "resources.ARN"
PARTITIONS = ("aws", "aws-us-gov", "aws-cn")
S3_ARN_ROOTS = tuple(f"arn:{partition}:s3:::" for partition in PARTITIONS)
EVERY_BUCKET_VALUES = frozenset(f"arn:{partition}:s3" for partition in PARTITIONS) | frozenset(S3_ARN_ROOTS)
REQUIRED = ("an advancedEventSelectors entry requiring eventCategory Data and resources.type AWS::S3::Object, "
            "without readOnly, whose other field selectors only leave out whole buckets or objects "
            "(notStartsWiths 'arn:<partition>:s3:::<bucket>/...' or notEquals on resources.ARN), "
            "or an eventSelectors entry with readWriteType All and an AWS::S3::Object dataResources entry "
            "covering every bucket ('arn:<partition>:s3' or 'arn:<partition>:s3:::')")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    required = f"required an enabled trail with {REQUIRED}"
    report_unless_a_trail_passes(args, report_violation, _problem, records="S3 object-level reads and writes",
                                 if_none=required, if_all_fail=required)


def _problem(trail: PolicyResource) -> str:
    """Why this trail does not record S3 object reads and writes in every bucket, or "" when it does."""
    found = []
    enabled = trail.props.get("enableLogging")
    if as_bool(enabled) is False:
        found.append(f"enableLogging is {shown(enabled)}")
    selectors = _selector_problem(trail.props)
    if selectors:
        found.append(selectors)
    return f"trail '{trail.name}': {', '.join(found)}" if found else ""


def _selector_problem(props: Mapping[str, Any]) -> str:
    """"" when one selector records every S3 object read and write, else what each S3 object selector lacks."""
    shortfalls = []
    for selector in advanced_selectors(props):
        if all(value in field_equals(selector, field) for field, value in SELECTING.items()):
            found = _advanced_shortfalls(selector)
            if not found:
                return ""
            shortfalls.append(f"advancedEventSelectors {_selector_name(selector)} {' and '.join(found)}")
    for selector in basic_selectors(props):
        s3_resources = [r for r in as_list(selector.get("dataResources"))
                        if isinstance(r, Mapping) and r.get("type") == S3_OBJECT]
        if s3_resources:
            found = _basic_shortfalls(selector, s3_resources)
            if not found:
                return ""
            shortfalls.append(f"eventSelectors entry for {S3_OBJECT} {' and '.join(found)}")
    return ", ".join(shortfalls) if shortfalls else "no selector records S3 object data events"


def _advanced_shortfalls(selector: Mapping[str, Any]) -> list[str]:
    found = []
    for field, operator, values in field_conditions(selector):
        if field in SELECTING and operator == "equals":
            continue
        if field == EXCLUDABLE_FIELD and operator in EXCLUDING_OPERATORS:
            found += [wide for wide in (_too_wide(operator, v) for v in values if isinstance(v, str)) if wide]
            continue
        found.append(f"narrows {field} with {operator} {shown(values)}")
    return found


def _too_wide(operator: str, value: str) -> str:
    """Why a resources.ARN exclusion leaves out more than whole buckets one by one, or "" when it does not."""
    where = f"with {EXCLUDABLE_FIELD} {operator} {shown(value)}"
    if operator == "notEndsWiths":
        return f"excludes objects ending {shown(value)} in every bucket {where}"
    if operator != "notStartsWiths":
        return ""
    if any(root.startswith(value) for root in S3_ARN_ROOTS):
        return f"excludes every bucket {where}"
    root = next((root for root in S3_ARN_ROOTS if value.startswith(root)), None)
    if root is not None and "/" not in value[len(root):]:
        return f"excludes every bucket whose name starts with {shown(value[len(root):])} {where}"
    return ""


def _basic_shortfalls(selector: Mapping[str, Any], s3_resources: list[Mapping[str, Any]]) -> list[str]:
    found = []
    read_write = selector.get("readWriteType")
    if read_write not in (None, "All"):
        found.append(f"has readWriteType {shown(read_write)}")
    values = [value for resource in s3_resources for value in as_list(resource.get("values"))]
    if not EVERY_BUCKET_VALUES.intersection(v for v in values if isinstance(v, str)):
        found.append(f"covers only values {shown(values)}, not every bucket (basic selectors cannot exclude)")
    return found


def _selector_name(selector: Mapping[str, Any]) -> str:
    name = selector.get("name")
    return repr(name) if isinstance(name, str) and name else "entry"


POLICY = stack_policy(CONTROL, validate)
