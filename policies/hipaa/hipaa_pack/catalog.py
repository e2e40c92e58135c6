"""The control catalog: catalog.toml loaded into frozen dataclasses and validated on import.

Validation is eager and strict because everything downstream (policy metadata, the README, the
`quome check` report, the check modules) trusts these values. A bad catalog raises CatalogError
naming where the problem is, the value found and what is allowed, e.g.

    catalog.toml: controls.key-rotation-enabled.severity = 'urgent': not allowed; expected one of
    low, medium, high, critical

Only the standard library is used: the pack's own virtualenv holds nothing but pulumi and
pulumi-policy.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

CATALOG_PATH = Path(__file__).with_name("catalog.toml")

CONTROL_ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
CITATION_RE = re.compile(r"^164\.(308|310|312|314|316)(\([A-Za-z0-9]+\))+$")
# <package>:<module>:<Name>, e.g. aws:s3/bucket:Bucket, kubernetes:rbac.authorization.k8s.io/v1:Role,
# pulumi:providers:aws.
TYPE_TOKEN_RE = re.compile(r"^[a-z][a-z0-9-]*:[A-Za-z0-9._/-]+:[A-Za-z][A-Za-z0-9]*$")
# <Root>.<segment>... where a segment is .identifier or ["map key"].
PROPERTY_PATH_RE = re.compile(r'^([A-Za-z][A-Za-z0-9]*)((\.[A-Za-z][A-Za-z0-9]*)|(\["[^"\]]+"\]))+$')

SEVERITIES = ("low", "medium", "high", "critical")
ENFORCEMENTS = ("mandatory", "advisory")
KINDS = ("resource", "stack")
# The order is the README's grouping order.
DOMAINS = (
    "Encryption at rest",
    "Key management",
    "Transmission security",
    "Audit controls",
    "Integrity",
    "Access control",
    "Availability / backup",
    "K8s workload isolation",
    "Data residency",
)
MAX_REMEDIATION_CHARS = 600
# Property roots that are not resource types (see the catalog header).
PSEUDO_ROOTS = {
    "podSpec": "the pod spec of a Kubernetes workload (props.pod_spec)",
    "opts": "the Pulumi resource options (ResourceValidationArgs.opts)",
}

REQUIREMENT_FIELDS = ("title", "section", "text")
CONTROL_FIELDS = ("title", "domain", "kind", "severity", "enforcement", "citations", "resource_types",
                  "properties", "pass_condition", "remediation", "url")


class CatalogError(ValueError):
    """catalog.toml is malformed; the message names the entry, the field, the value and what is allowed."""


@dataclass(frozen=True)
class Requirement:
    """One HIPAA Security Rule paragraph (45 CFR 164.3xx) that at least one control cites."""

    citation: str
    title: str
    section: str
    text: str


@dataclass(frozen=True)
class Control:
    """One catalog entry; the policy named `id` implements it."""

    id: str
    title: str
    domain: str
    kind: str
    severity: str
    enforcement: str
    citations: tuple[str, ...]
    resource_types: tuple[str, ...]
    properties: tuple[str, ...]
    pass_condition: str
    remediation: str
    url: str

    @property
    def module_name(self) -> str:
        return module_name(self.id)

    @property
    def domain_slug(self) -> str:
        return slug(self.domain)


class Catalog(NamedTuple):
    requirements: Mapping[str, Requirement]
    controls: Mapping[str, Control]


def module_name(control_id: str) -> str:
    """The check module's name for a control id: kebab-case becomes snake_case."""
    return control_id.replace("-", "_")


def slug(text: str) -> str:
    """'Availability / backup' -> 'availability-backup' (used as a policy tag)."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def short_type_name(token: str) -> str:
    """The name a property path uses for a type token: its last part, or 'Provider' for providers."""
    if token.startswith("pulumi:providers:"):
        return "Provider"
    return token.rsplit(":", 1)[-1]


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Parse and validate a catalog file; raises CatalogError on the first problem found."""
    source = Path(path).name
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        # tomllib also rejects a control declared twice ("Cannot declare ... twice").
        raise CatalogError(f"{source}: not valid TOML: {e}") from None
    return _Validator(source).catalog(data)


class _Validator:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, value: Any, problem: str) -> CatalogError:
        return CatalogError(f"{self.source}: {where} = {value!r}: {problem}")

    def catalog(self, data: Mapping[str, Any]) -> Catalog:
        unknown = sorted(set(data) - {"requirements", "controls"})
        if unknown:
            raise CatalogError(f"{self.source}: unknown top-level table(s) {', '.join(unknown)}; "
                               f"expected only [requirements] and [controls]")
        raw_requirements = data.get("requirements")
        raw_controls = data.get("controls")
        if not isinstance(raw_requirements, dict) or not raw_requirements:
            raise CatalogError(f"{self.source}: missing [requirements.\"<citation>\"] tables")
        if not isinstance(raw_controls, dict) or not raw_controls:
            raise CatalogError(f"{self.source}: missing [controls.<id>] tables")

        requirements = {cit: self.requirement(cit, body) for cit, body in raw_requirements.items()}
        controls = {cid: self.control(cid, body, requirements) for cid, body in raw_controls.items()}

        cited = {c for control in controls.values() for c in control.citations}
        for citation in requirements:
            if citation not in cited:
                raise self.fail(f'requirements."{citation}"', citation,
                                "not cited by any control; remove it or cite it")
        return Catalog(MappingProxyType(requirements), MappingProxyType(controls))

    def requirement(self, citation: str, body: Any) -> Requirement:
        where = f'requirements."{citation}"'
        if not CITATION_RE.match(citation):
            raise self.fail(where, citation, f"not a citation; expected to match {CITATION_RE.pattern}")
        if not isinstance(body, dict):
            raise self.fail(where, body, "expected a table")
        self.exact_fields(where, body, REQUIREMENT_FIELDS)
        values = {name: self.text(f"{where}.{name}", body[name]) for name in REQUIREMENT_FIELDS}
        return Requirement(citation=citation, **values)

    def control(self, control_id: str, body: Any, requirements: Mapping[str, Requirement]) -> Control:
        where = f"controls.{control_id}"
        if not CONTROL_ID_RE.match(control_id):
            raise self.fail(where, control_id, "control ids are kebab-case, e.g. enc-s3-sse-kms")
        if not isinstance(body, dict):
            raise self.fail(where, body, "expected a table")
        self.exact_fields(where, body, CONTROL_FIELDS)

        title = self.text(f"{where}.title", body["title"])
        if title.split()[0].lower() == "ensure":
            raise self.fail(f"{where}.title", title, 'state the compliant condition; do not start with "Ensure"')
        domain = self.choice(f"{where}.domain", body["domain"], DOMAINS)
        kind = self.choice(f"{where}.kind", body["kind"], KINDS)
        severity = self.choice(f"{where}.severity", body["severity"], SEVERITIES)
        enforcement = self.choice(f"{where}.enforcement", body["enforcement"], ENFORCEMENTS)

        citations = self.string_list(f"{where}.citations", body["citations"])
        for citation in citations:
            if not CITATION_RE.match(citation):
                raise self.fail(f"{where}.citations", citation,
                                f"not a citation; expected to match {CITATION_RE.pattern}")
            if citation not in requirements:
                raise self.fail(f"{where}.citations", citation,
                                f'unknown citation; add a [requirements."{citation}"] table')

        resource_types = self.string_list(f"{where}.resource_types", body["resource_types"])
        for token in resource_types:
            if not TYPE_TOKEN_RE.match(token):
                raise self.fail(f"{where}.resource_types", token,
                                "not a type token; expected <package>:<module>:<Type>, e.g. aws:s3/bucket:Bucket")

        properties = self.string_list(f"{where}.properties", body["properties"])
        roots = {short_type_name(t) for t in resource_types} | set(PSEUDO_ROOTS)
        for prop in properties:
            match = PROPERTY_PATH_RE.match(prop)
            if not match:
                raise self.fail(f"{where}.properties", prop,
                                'not a property path; expected <Type>.<camelCase path>, map keys as ["key"]')
            if match.group(1) not in roots:
                raise self.fail(f"{where}.properties", prop,
                                f"root {match.group(1)!r} is neither a type of this control nor a pseudo-root; "
                                f"expected one of {', '.join(sorted(roots))}")

        pass_condition = self.text(f"{where}.pass_condition", body["pass_condition"])
        remediation = self.text(f"{where}.remediation", body["remediation"])
        if len(remediation) > MAX_REMEDIATION_CHARS:
            raise self.fail(f"{where}.remediation", remediation[:40] + "...",
                            f"{len(remediation)} characters; at most {MAX_REMEDIATION_CHARS} allowed")
        url = self.text(f"{where}.url", body["url"])
        if not url.startswith("https://"):
            raise self.fail(f"{where}.url", url, "expected an https:// URL")

        return Control(id=control_id, title=title, domain=domain, kind=kind, severity=severity,
                       enforcement=enforcement, citations=citations, resource_types=resource_types,
                       properties=properties, pass_condition=pass_condition, remediation=remediation,
                       url=url)

    # -- field helpers

    def exact_fields(self, where: str, body: Mapping[str, Any], expected: tuple[str, ...]) -> None:
        for name in expected:
            if name not in body:
                raise CatalogError(f"{self.source}: {where}: missing field {name!r}; "
                                   f"required fields are {', '.join(expected)}")
        for name in body:
            if name not in expected:
                raise self.fail(f"{where}.{name}", body[name],
                                f"unknown field; allowed fields are {', '.join(expected)}")

    def text(self, where: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, value, "expected a non-empty string")
        return value.strip()

    def choice(self, where: str, value: Any, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(where, value, f"not allowed; expected one of {', '.join(allowed)}")
        return value

    def string_list(self, where: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, value, "expected a non-empty list of strings")
        seen: set[str] = set()
        for item in value:
            if not isinstance(item, str) or not item:
                raise self.fail(where, item, "expected a non-empty string")
            if item in seen:
                raise self.fail(where, item, "listed twice; remove the duplicate")
            seen.add(item)
        return tuple(value)


_LOADED = load_catalog()
REQUIREMENTS: Mapping[str, Requirement] = _LOADED.requirements
"""citation -> Requirement, for every citation any control uses."""
CATALOG: Mapping[str, Control] = _LOADED.controls
"""control id -> Control, in catalog (= pack) order."""
