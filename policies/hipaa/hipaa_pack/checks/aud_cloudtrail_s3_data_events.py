"""aud-cloudtrail-s3-data-events: some enabled trail records S3 object-level reads and writes in every bucket.

PHI lives in S3 objects, so 164.312(b) wants every read and write of every object recorded. One selector
must do it on its own (selectors that each record a part are not added up):

* An advancedEventSelectors entry qualifies when it requires eventCategory Data and resources.type
  AWS::S3::Object, has no readOnly field (which would keep only reads or only writes), and its other field
  selectors only leave out the stack's own log-delivery buckets: notStartsWiths or notEquals on
  resources.ARN. The platform's audit trail (components.audit_trail) records every bucket except its
  delivery buckets, whose deliveries it would otherwise log forever, so those exclusions stay allowed.
  Anything that records a subset instead - equals/startsWiths/endsWiths on resources.ARN, or any condition
  on eventName, eventSource, userIdentity.arn and the like - fails, naming the selector, field and operator.
* The log-delivery buckets a trail may leave out, matched by their `bucket` name: the trail's destination
  (its s3BucketName, and the buckets joined to it through property dependencies) and the stack's log sinks
  (props.log_sinks: tagged quome:log-sink and really delivered to). Leaving out any other bucket, or one
  object of it (notEquals), takes PHI out of the record, and the violation names the bucket.
* A notStartsWiths value must leave out whole buckets, one at a time: "arn:<partition>:s3:::<bucket>/"
  (optionally followed by a key prefix), for any partition. A value that is a prefix of some
  "arn:<partition>:s3:::" ("arn:aws-iso:s3:::", "arn:aws", "") leaves out every bucket; one that stops inside
  a bucket name ("arn:aws:s3:::quome-") leaves out every bucket whose name starts that way. notEndsWiths is
  refused: a suffix (".csv", "/") is not tied to a bucket, so it leaves that kind of object out in every
  bucket. A value that no S3 object ARN can match (another service's ARN) leaves nothing out.
* eventName is not allowed even to exclude: every S3 object data event is some read or write of an object
  (GetObject, PutObject, CopyObject, DeleteObject, SelectObjectContent, ...), so leaving one out hides that
  kind of access to PHI in every bucket, and no delivery loop forces it the way the audit buckets force an
  ARN exclusion.
* A basic eventSelectors entry qualifies with readWriteType All (or unset) and an AWS::S3::Object
  dataResources entry whose values cover every bucket: "arn:<partition>:s3" or "arn:<partition>:s3:::".
  Basic selectors cannot exclude, so a list of bucket ARNs only ever narrows; a trail that must leave its
  own buckets out needs advanced selectors.

Unknown values (preview): an excluded bucket is judged against the delivery-bucket names that are known.
When it is not among them but some name is unknown (a destination or sink named from another resource's
output), the exclusion can be neither proven nor refuted, so the check raises pulumi_policy's
UnknownValueError, which the analyzer reports as "can't run policy during preview" - unless another selector
of the trail, or another trail, passes on known values, which settles the stack. A selector that fails on
known values fails whatever its undecided exclusions would be.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any, Optional

from pulumi_policy import PolicyResource, ReportViolation
from pulumi_policy.proxy import UnknownValueError

from ..catalog import CATALOG
from ..cloudtrail import (
    EXCLUDING_OPERATORS,
    TRAIL_TOKEN,
    advanced_selectors,
    basic_selectors,
    field_conditions,
    field_equals,
    report_unless_a_trail_passes,
)
from ..factory import StackArgs, stack_policy
from ..props import BUCKET_TOKENS, as_bool, as_list, joined, log_sinks, read_known, resources_of, shown

CONTROL = CATALOG["aud-cloudtrail-s3-data-events"]

S3_OBJECT = "AWS::S3::Object"
# What makes a selector an S3 object data-event selector at all; equals on these fields is not narrowing.
SELECTING = {"eventCategory": "Data", "resources.type": S3_OBJECT}
EXCLUDABLE_FIELD = "resources.ARN"
# An S3 ARN in any partition (aws, aws-us-gov, aws-cn, aws-iso, aws-eusc, ...): object ARNs are
# arn:<partition>:s3:::<bucket>/<key>, so `path` is "<bucket>/<key>" for an object.
S3_ARN = re.compile(r"arn:(?P<partition>[^:]+):s3:::(?P<path>.*)", re.DOTALL)
EVERY_BUCKET_VALUE = re.compile(r"arn:[^:]+:s3(?::::)?")
S3_ROOT_AFTER_PARTITION = "s3:::"
REQUIRED = ("an advancedEventSelectors entry requiring eventCategory Data and resources.type AWS::S3::Object, "
            "without readOnly, whose other field selectors only leave out whole buckets or objects "
            "(notStartsWiths 'arn:<partition>:s3:::<bucket>/...' or notEquals on resources.ARN), "
            "or an eventSelectors entry with readWriteType All and an AWS::S3::Object dataResources entry "
            "covering every bucket ('arn:<partition>:s3' or 'arn:<partition>:s3:::')")


class LogDeliveryBuckets:
    """The names of the buckets a trail may leave out of its S3 data events: its destination and the stack's
    log sinks. Read on first need, so a stack whose trails exclude nothing never reads bucket names."""

    def __init__(self, args: StackArgs) -> None:
        self._args = args
        self._sink_names: Optional[tuple[frozenset[str], Optional[UnknownValueError]]] = None
        self._by_trail: dict[str, tuple[frozenset[str], Optional[UnknownValueError]]] = {}

    def names(self, trail: PolicyResource) -> tuple[frozenset[str], Optional[UnknownValueError]]:
        """The known names, and the first unknown met while reading them (None when all are known); read once
        per trail, however many exclusions ask."""
        if trail.urn not in self._by_trail:
            buckets = {bucket.urn: bucket for bucket in resources_of(self._args, BUCKET_TOKENS)}
            destinations = [buckets[urn] for urn in joined(trail, "s3BucketName") if urn in buckets]
            readers = [partial(trail.props.get, "s3BucketName"),
                       *(partial(b.props.get, "bucket") for b in destinations)]
            names, unknown = _read_names(readers)
            sink_names, sink_unknown = self._sinks()
            self._by_trail[trail.urn] = names | sink_names, unknown or sink_unknown
        return self._by_trail[trail.urn]

    def _sinks(self) -> tuple[frozenset[str], Optional[UnknownValueError]]:
        if self._sink_names is None:
            try:
                sinks = log_sinks(self._args)
            except UnknownValueError as e:  # a load balancer's accessLogs: which buckets are sinks is unknown
                self._sink_names = frozenset(), e
            else:
                self._sink_names = _read_names([partial(bucket.props.get, "bucket")
                                                for bucket in resources_of(self._args, BUCKET_TOKENS)
                                                if sinks.kind(bucket)])
        return self._sink_names


def _read_names(readers: list[Any]) -> tuple[frozenset[str], Optional[UnknownValueError]]:
    values, unknown = read_known(readers)
    return frozenset(name for name in values if isinstance(name, str) and name), unknown


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    delivery = LogDeliveryBuckets(args)
    problems: dict[str, str] = {}
    undecided: Optional[UnknownValueError] = None
    for trail in resources_of(args, TRAIL_TOKEN):
        try:
            problems[trail.urn] = _problem(trail, delivery)
        except UnknownValueError as e:
            undecided = undecided or e
    if undecided is not None and all(problems.values()):
        # No trail passes on known values and one may pass once its unknowns resolve.
        raise undecided
    required = f"required an enabled trail with {REQUIRED}"
    report_unless_a_trail_passes(args, report_violation, lambda trail: problems.get(trail.urn, ""),
                                 records="S3 object-level reads and writes", if_none=required, if_all_fail=required)


def _problem(trail: PolicyResource, delivery: LogDeliveryBuckets) -> str:
    """Why this trail does not record S3 object reads and writes in every bucket, or "" when it does."""
    found = []
    enabled = trail.props.get("enableLogging")
    if as_bool(enabled) is False:
        found.append(f"enableLogging is {shown(enabled)}")
    selectors = _selector_problem(trail, delivery)
    if selectors:
        found.append(selectors)
    return f"trail '{trail.name}': {', '.join(found)}" if found else ""


def _selector_problem(trail: PolicyResource, delivery: LogDeliveryBuckets) -> str:
    """"" when one selector records every S3 object read and write, else what each S3 object selector lacks.
    Raises UnknownValueError when no selector passes on known values but one may once unknowns resolve."""
    shortfalls = []
    undecided: Optional[UnknownValueError] = None
    for selector in advanced_selectors(trail.props):
        if all(value in field_equals(selector, field) for field, value in SELECTING.items()):
            try:
                found = _advanced_shortfalls(selector, trail, delivery)
            except UnknownValueError as e:
                undecided = undecided or e
                continue
            if not found:
                return ""
            shortfalls.append(f"advancedEventSelectors {_selector_name(selector)} {' and '.join(found)}")
    for selector in basic_selectors(trail.props):
        s3_resources = [r for r in as_list(selector.get("dataResources"))
                        if isinstance(r, Mapping) and r.get("type") == S3_OBJECT]
        if s3_resources:
            found = _basic_shortfalls(selector, s3_resources)
            if not found:
                return ""
            shortfalls.append(f"eventSelectors entry for {S3_OBJECT} {' and '.join(found)}")
    if undecided is not None:
        raise undecided
    return ", ".join(shortfalls) if shortfalls else "no selector records S3 object data events"


def _advanced_shortfalls(selector: Mapping[str, Any], trail: PolicyResource,
                         delivery: LogDeliveryBuckets) -> list[str]:
    """What keeps the selector from recording every object; raises UnknownValueError when that is nothing
    on known values but an excluded bucket may or may not be a log-delivery bucket."""
    found = []
    undecided: Optional[UnknownValueError] = None
    for field, operator, values in field_conditions(selector):
        if field in SELECTING and operator == "equals":
            continue
        if field == EXCLUDABLE_FIELD and operator in EXCLUDING_OPERATORS:
            for value in (v for v in values if isinstance(v, str)):
                try:
                    wide = _too_wide(operator, value, trail, delivery)
                except UnknownValueError as e:
                    undecided = undecided or e
                    continue
                if wide:
                    found.append(wide)
            continue
        found.append(f"narrows {field} with {operator} {shown(values)}")
    if not found and undecided is not None:
        raise undecided
    return found


def _too_wide(operator: str, value: str, trail: PolicyResource, delivery: LogDeliveryBuckets) -> str:
    """Why a resources.ARN exclusion leaves out more than the stack's log-delivery buckets, or "" when it
    does not."""
    where = f"with {EXCLUDABLE_FIELD} {operator} {shown(value)}"
    if operator == "notEndsWiths":
        return f"excludes objects ending {shown(value)} in every bucket {where}"
    if operator == "notStartsWiths" and _prefixes_an_s3_root(value):
        return f"excludes every bucket {where}"
    match = S3_ARN.fullmatch(value)
    if match is None:
        return ""  # no S3 object ARN starts with or equals it: it leaves nothing out
    bucket, slash, _ = match["path"].partition("/")
    if not slash and operator == "notStartsWiths":
        return f"excludes every bucket whose name starts with {shown(bucket)} {where}"
    if not slash:
        return ""  # a bucket ARN: notEquals it matches no object ARN
    names, unknown = delivery.names(trail)
    if bucket in names:
        return ""
    if unknown is not None:
        raise unknown
    allowed = ", ".join(shown(name) for name in sorted(names)) or "none"
    what = "objects of bucket" if operator == "notStartsWiths" else "an object of bucket"
    return (f"excludes {what} {shown(bucket)}, not a log-delivery bucket of the stack (the trail's destination "
            f"or a log sink: {allowed}), {where}")


def _prefixes_an_s3_root(value: str) -> bool:
    """value is a prefix of "arn:<partition>:s3:::" for some partition, so every S3 object ARN of that
    partition (or of all of them) starts with it."""
    if not value.startswith("arn:"):
        return "arn:".startswith(value)
    partition, colon, rest = value[len("arn:"):].partition(":")
    # "arn:aws" may still go on to "arn:aws-iso:s3:::"; an empty partition names no ARN.
    return not colon or (bool(partition) and S3_ROOT_AFTER_PARTITION.startswith(rest))


def _basic_shortfalls(selector: Mapping[str, Any], s3_resources: list[Mapping[str, Any]]) -> list[str]:
    found = []
    read_write = selector.get("readWriteType")
    if read_write not in (None, "All"):
        found.append(f"has readWriteType {shown(read_write)}")
    values = [value for resource in s3_resources for value in as_list(resource.get("values"))]
    if not any(isinstance(v, str) and EVERY_BUCKET_VALUE.fullmatch(v) for v in values):
        found.append(f"covers only values {shown(values)}, not every bucket (basic selectors cannot exclude)")
    return found


def _selector_name(selector: Mapping[str, Any]) -> str:
    name = selector.get("name")
    return repr(name) if isinstance(name, str) and name else "entry"


POLICY = stack_policy(CONTROL, validate)
