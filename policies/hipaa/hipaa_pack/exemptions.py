"""Exemptions: a documented, expiring waiver of one policy for the resources a pattern names.

Exemptions live in the policy-pack config, under the policy they waive (the config file each stack
passes to the pack, e.g. stacks/policy.<stack>.json):

    {"enc-s3-sse-kms": {"exemptions": [
        {"resource": "legacy-import-*", "reason": "imported bucket, re-created in ticket SEC-42",
         "expires": "2026-03-31"}]}}

Fields (EXEMPTIONS_SCHEMA is the JSON schema the factory adds to every policy):
  resource  fnmatch glob, matched case-sensitively against the resource's name OR its full URN.
  reason    why the waiver is acceptable; at least 10 characters, shown wherever the waiver applies.
  expires   ISO date YYYY-MM-DD; the exemption holds through that day and lapses the day after.
  control   optional; when given it must equal the policy the entry sits under (a guard against
            pasting an entry under the wrong policy).

What an exemption does (wired in by factory.py, so no check module handles exemptions itself):
  * Resource policy, matching and unexpired: the policy reports not-applicable with
    "exempted until <expires>: <reason>". It is never a silent pass.
  * Resource policy, matching but expired: a violation "exemption for <name> expired on <date>:
    <reason>", and the check then runs normally, so the real findings show up as well. When an
    unexpired entry also matches, it wins and the expired one is ignored.
  * Stack policy: pulumi-policy cannot mark one resource of a stack policy as not applicable, and
    report_violation has no per-call enforcement level. So the factory drops each violation whose
    URN belongs to an exempted resource, and after the check finishes reports ONE not-applicable
    entry for the policy that lists every waived finding with its exemption. A stack policy can
    therefore show real violations and a not-applicable entry side by side; the latter only ever
    documents what was waived. Expired exemptions produce the same "expired" violation as above,
    for resources of the control's types. Violations reported without a URN (stack-wide) cannot be
    exempted.

Today's date comes from `today()`, which tests pin with `fixed_today(date)`.
"""
from __future__ import annotations

import contextlib
import fnmatch
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

MIN_REASON_CHARS = 10
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_FIELDS = ("control", "resource", "reason", "expires")
_REQUIRED = ("resource", "reason", "expires")


class ExemptionError(ValueError):
    """An exemption entry is malformed; the message names the policy, the entry, the field and the value."""


@dataclass(frozen=True)
class Exemption:
    resource: str
    reason: str
    expires: date
    control: Optional[str] = None

    def matches(self, name: str, urn: str) -> bool:
        return fnmatch.fnmatchcase(name, self.resource) or fnmatch.fnmatchcase(urn, self.resource)

    def is_active(self, on: date) -> bool:
        return on <= self.expires

    def not_applicable_reason(self) -> str:
        return f"exempted until {self.expires.isoformat()}: {self.reason}"

    def expired_message(self, resource_name: str) -> str:
        return f"exemption for {resource_name} expired on {self.expires.isoformat()}: {self.reason}"


@dataclass(frozen=True)
class ExemptionMatch:
    """The exemptions that match one resource: the first unexpired one (if any) and the expired ones."""

    active: Optional[Exemption]
    expired: tuple[Exemption, ...]


def exemptions_schema(policy_name: str) -> dict[str, Any]:
    """The JSON schema of the `exemptions` config property of one policy."""
    return {
        "type": "array",
        "description": "Documented, expiring waivers of this policy for the resources a glob names.",
        "default": [],
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": list(_REQUIRED),
            "properties": {
                "control": {"type": "string", "const": policy_name,
                            "description": "Optional; must be this policy's name."},
                "resource": {"type": "string", "minLength": 1,
                             "description": "fnmatch glob over the resource name or its URN."},
                "reason": {"type": "string", "minLength": MIN_REASON_CHARS,
                           "description": "Why the waiver is acceptable."},
                "expires": {"type": "string", "pattern": _DATE_RE.pattern,
                            "description": "Last day the exemption holds (YYYY-MM-DD)."},
            },
        },
    }


def parse_exemptions(raw: Any, policy_name: str) -> tuple[Exemption, ...]:
    """Validate the `exemptions` config value of `policy_name` and turn it into Exemption objects.

    The CLI validates config against the JSON schema already; this repeats the checks because the
    pack may also be driven without the CLI, and a malformed waiver must fail loudly, not waive.
    """
    if raw is None:
        return ()
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise ExemptionError(f"policy '{policy_name}': exemptions = {raw!r}: expected a list of objects")
    return tuple(_parse_one(entry, index, policy_name) for index, entry in enumerate(raw))


def _parse_one(entry: Any, index: int, policy_name: str) -> Exemption:
    where = f"policy '{policy_name}': exemptions[{index}]"
    if not isinstance(entry, Mapping):
        raise ExemptionError(f"{where} = {entry!r}: expected an object with resource, reason and expires")
    for key in entry:
        if key not in _FIELDS:
            raise ExemptionError(f"{where}.{key} = {entry[key]!r}: unknown field; "
                                 f"allowed fields are {', '.join(_FIELDS)}")
    for key in _REQUIRED:
        if key not in entry:
            raise ExemptionError(f"{where}: missing field {key!r}; required fields are {', '.join(_REQUIRED)}")

    control = entry.get("control")
    if control is not None and control != policy_name:
        raise ExemptionError(f"{where}.control = {control!r}: must be {policy_name!r}, "
                             f"the policy this exemption is configured under")
    resource = entry["resource"]
    if not isinstance(resource, str) or not resource:
        raise ExemptionError(f"{where}.resource = {resource!r}: expected a non-empty glob over resource name or URN")
    reason = entry["reason"]
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_CHARS:
        raise ExemptionError(f"{where}.reason = {reason!r}: expected a reason of at least "
                             f"{MIN_REASON_CHARS} characters")
    expires_text = entry["expires"]
    expires = None
    if isinstance(expires_text, str) and _DATE_RE.match(expires_text):
        try:
            expires = date.fromisoformat(expires_text)
        except ValueError:
            expires = None
    if expires is None:
        raise ExemptionError(f"{where}.expires = {expires_text!r}: expected a calendar date YYYY-MM-DD")
    return Exemption(resource=resource, reason=reason.strip(), expires=expires, control=control)


def match_exemptions(exemptions: Sequence[Exemption], name: str, urn: str, on: date) -> ExemptionMatch:
    """Which exemptions apply to the resource `name`/`urn` on day `on`; config order decides ties."""
    matching = [e for e in exemptions if e.matches(name, urn)]
    active = next((e for e in matching if e.is_active(on)), None)
    expired = tuple(e for e in matching if not e.is_active(on))
    return ExemptionMatch(active=active, expired=expired)


_today_provider: Callable[[], date] = date.today


def today() -> date:
    """The date exemptions are judged against: the real date unless a test pinned it."""
    return _today_provider()


@contextlib.contextmanager
def fixed_today(day: date) -> Iterator[None]:
    """Pin today() to `day` for the duration of the block (tests only)."""
    global _today_provider
    previous = _today_provider

    def pinned() -> date:
        return day

    _today_provider = pinned
    try:
        yield
    finally:
        _today_provider = previous
