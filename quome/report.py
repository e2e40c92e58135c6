"""The result of `quome check` and its renderers: text, json (the contract), SARIF 2.1.0, JUnit XML.

Everything here comes from the analyzer's answers (GetAnalyzerInfo for citations and severity,
Analyze/AnalyzeStack for findings), so the report never imports the policy pack.
"""
from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from pulumi.runtime import proto

from quome.analyzer import (
    AppliedRemediation,
    Evaluation,
    PolicyInfo,
    split_urn,
    urn_type_chain,
)

# 45 CFR Part 164 Subpart C sections, in the order a reader expects them.
HIPAA_SECTIONS = {
    "164.308": "Administrative safeguards",
    "164.310": "Physical safeguards",
    "164.312": "Technical safeguards",
    "164.314": "Organizational requirements",
    "164.316": "Policies, procedures and documentation",
}
_SECTION_RE = re.compile(r"^(164\.3\d\d)")
# GitHub code scanning maps security-severity to critical (>= 9.0), high (7.0-8.9),
# medium (4.0-6.9) and low (0.1-3.9).
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "": "5.0"}
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "": 4}
# A policy tag that is a Pulumi type token says which resources the policy applies to.
_TYPE_TOKEN_RE = re.compile(r"^[\w-]+:[\w./-]+:\w+$")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str  # "mandatory" | "advisory"
    severity: str
    citations: tuple[str, ...]
    urn: str
    type: str
    name: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "enforcement": self.enforcement, "severity": self.severity,
                "citations": list(self.citations), "urn": self.urn, "type": self.type, "name": self.name,
                "message": self.message}


@dataclass(frozen=True)
class NotApplicable:
    policy: str
    urn: str
    type: str
    name: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "urn": self.urn, "type": self.type, "name": self.name,
                "reason": self.reason}


@dataclass
class CheckResult:
    stack: str
    project: str
    pack_name: str
    pack_version: str
    policies: Mapping[str, PolicyInfo]
    levels: Mapping[str, str]  # effective enforcement level per policy, after the policy config
    resources: Mapping[str, tuple[str, str]]  # every analyzed resource: urn -> (type, name)
    stack_urn: str
    violations: list[Violation] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)
    remediations: list[AppliedRemediation] = field(default_factory=list)
    source_root: Optional[Path] = None  # repository root, to map URNs to component files (SARIF)

    @property
    def summary(self) -> dict[str, int]:
        return {"mandatory": sum(v.enforcement == "mandatory" for v in self.violations),
                "advisory": sum(v.enforcement == "advisory" for v in self.violations)}

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["mandatory"] else 0

    def to_dict(self) -> dict[str, Any]:
        """Exactly the `quome check --format json` contract."""
        return {
            "stack": self.stack,
            "pack": {"name": self.pack_name, "version": self.pack_version},
            "resources": len(self.resources),
            "policies": len(self.policies),
            "violations": [v.to_dict() for v in self.violations],
            "not_applicable": [n.to_dict() for n in self.not_applicable],
            "summary": self.summary,
        }


def _enforcement(level: int) -> str:
    name = proto.EnforcementLevel.Name(level).lower()
    # The engine reports a remediate-level violation that survived remediation as mandatory.
    return "mandatory" if name == "remediate" else name


def build_result(evaluation: Evaluation, source_root: Optional[Path] = None) -> CheckResult:
    reqs = evaluation.requests
    pack = evaluation.pack
    resources = {r.urn: (r.type, r.name) for r in reqs.resources}

    def where(urn: str) -> tuple[str, str]:
        return resources.get(urn) or split_urn(urn)

    def violation(diag: proto.AnalyzeDiagnostic, urn: str) -> Violation:
        info = pack.policies.get(diag.policyName)
        severity = info.severity if info and info.severity else (
            "" if diag.severity == 0 else proto.PolicySeverity.Name(diag.severity).split("_")[-1].lower())
        rtype, name = where(urn)
        return Violation(policy=diag.policyName, enforcement=_enforcement(diag.enforcementLevel),
                         severity=severity, citations=info.citations if info else (), urn=urn, type=rtype,
                         name=name, message=diag.message)

    violations: list[Violation] = []
    not_applicable: list[NotApplicable] = []
    # strict: a response missing for a request would otherwise drop that resource's findings unseen.
    for req, resp in zip(evaluation.analyze_requests, evaluation.analyze_responses, strict=True):
        # As the engine does: an Analyze finding always belongs to the analyzed resource.
        violations.extend(violation(d, req.urn) for d in resp.diagnostics)
        rtype, name = where(req.urn)
        not_applicable.extend(NotApplicable(n.policy_name, req.urn, rtype, name, n.reason)
                              for n in resp.not_applicable)
    # A stack policy names the offending resource; without one, the finding is the stack's.
    violations.extend(violation(d, d.urn or reqs.stack_urn) for d in evaluation.stack_response.diagnostics)
    for n in evaluation.stack_response.not_applicable:
        not_applicable.extend(NotApplicable(n.policy_name, urn, *where(urn), reason)
                              for urn, reason in split_stack_notes(n.reason, resources, reqs.stack_urn))

    violations.sort(key=lambda v: (v.policy, v.urn, v.message))
    not_applicable.sort(key=lambda n: (n.policy, n.urn, n.reason))
    return CheckResult(
        stack=reqs.context.stack, project=reqs.context.project, pack_name=pack.name,
        pack_version=pack.version, policies=pack.policies,
        levels={name: cfg.enforcement for name, cfg in evaluation.policy_config.items()},
        resources=resources, stack_urn=reqs.stack_urn, violations=violations,
        not_applicable=not_applicable, remediations=list(evaluation.remediations), source_root=source_root)


def split_stack_notes(reason: str, resources: Mapping[str, Any], stack_urn: str) -> list[tuple[str, str]]:
    """A stack policy's not-applicable entry as (urn, reason) pairs, one per resource it names.

    pulumi-policy lets a stack policy report only one not-applicable entry; the quome pack writes one
    line per resource into it, `<urn>: <reason>`. A line that names no analyzed resource, and an entry
    that names none at all (another pack's, or a whole-stack reason), stays the stack's.
    """
    pairs: list[tuple[str, str]] = []
    rest: list[str] = []
    for line in reason.split("\n"):
        found = _resource_note(line, resources)
        if found is not None:
            pairs.append(found)
        elif line.strip():
            rest.append(line)
    if not pairs:
        return [(stack_urn, reason)]
    if rest:
        pairs.append((stack_urn, "\n".join(rest)))
    return pairs


def _resource_note(line: str, resources: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    if not line.startswith("urn:pulumi:"):
        return None
    # A URN holds ": " only where its name does. The longest analyzed URN the line starts with is the
    # resource: with both "a" and "a: b" in the stack, "<urn of a: b>: why" is about "a: b" (and a
    # note on "a" whose reason starts with "b: " reads the same way; names like that are the limit).
    at = line.rfind(": ")
    while at != -1:
        if line[:at] in resources:
            return line[:at], line[at + 2:]
        at = line.rfind(": ", 0, at)
    return None


# --------------------------------------------------------------------------------------------
# Helpers shared by the renderers.


def sections_of(citations: tuple[str, ...]) -> list[str]:
    """The HIPAA sections (164.3xx) a policy cites, in catalog order."""
    found = {m.group(1) for c in citations if (m := _SECTION_RE.match(c))}
    return [s for s in HIPAA_SECTIONS if s in found] + sorted(found - set(HIPAA_SECTIONS))


def detail(message: str, description: str) -> str:
    """The servicer sends "<description>\\n<message>"; the specific part is what a reader needs."""
    if description and message.startswith(description + "\n"):
        return message[len(description) + 1:]
    return message


def source_file(urn: str, stack: str, root: Optional[Path]) -> str:
    """Repository-relative file that declares the resource: its nearest quome component, else the stack file.

    A component type token `quome:<module>:<Name>` lives in `components/<module>.py`.
    """
    if root is not None:
        for token in reversed(urn_type_chain(urn)):
            parts = token.split(":")
            if len(parts) == 3 and parts[0] == "quome" and re.fullmatch(r"\w+", parts[1]):
                candidate = f"components/{parts[1]}.py"
                if (Path(root) / candidate).is_file():
                    return candidate
    return f"stacks/Pulumi.{stack}.yaml"


def _policy_order(result: CheckResult, name: str) -> tuple:
    info = result.policies.get(name)
    level = result.levels.get(name, info.enforcement if info else "advisory")
    severity = info.severity if info else ""
    return (0 if level in ("mandatory", "remediate") else 1, _SEVERITY_ORDER.get(severity, 4), name)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# --------------------------------------------------------------------------------------------
# Text: what fails, where in HIPAA, and why, at a glance.


def render_text(result: CheckResult) -> str:
    s = result.summary
    disabled = sum(1 for lvl in result.levels.values() if lvl == "disabled")
    lines = [
        f"quome check: stack {result.stack}, pack {result.pack_name} {result.pack_version}, "
        f"{_plural(len(result.resources), 'resource')}, {len(result.policies)} "
        + ("policy" if len(result.policies) == 1 else "policies")
        + (f" ({disabled} disabled)" if disabled else ""),
        ("FAIL" if s["mandatory"] else "PASS") + f": {s['mandatory']} mandatory, {s['advisory']} advisory "
        + ("violation" if s["mandatory"] + s["advisory"] == 1 else "violations"),
        "",
    ]

    by_policy: dict[str, list[Violation]] = {}
    for v in result.violations:
        by_policy.setdefault(v.policy, []).append(v)

    rows = []
    for section, title in HIPAA_SECTIONS.items():
        failing = [p for p in by_policy if section in sections_of(result.policies[p].citations
                                                                  if p in result.policies else ())]
        count = sum(len(by_policy[p]) for p in failing)
        rows.append((f"{section} {title}", len(failing), count))
    uncited = [p for p in by_policy
               if not sections_of(result.policies[p].citations if p in result.policies else ())]
    if uncited:
        rows.append(("(no HIPAA citation)", len(uncited), sum(len(by_policy[p]) for p in uncited)))
    width = max(len(r[0]) for r in rows)
    lines.append(f"{'HIPAA section'.ljust(width)}  failing policies  violations")
    lines.extend(f"{label.ljust(width)}  {str(n).rjust(16)}  {str(c).rjust(10)}" for label, n, c in rows)

    if by_policy:
        lines += ["", "Failing policies"]
    for name in sorted(by_policy, key=lambda p: _policy_order(result, p)):
        found = by_policy[name]
        info = result.policies.get(name)
        description = info.description if info else ""
        levels = sorted({v.enforcement for v in found})
        head = f"  [{'/'.join(level.upper() for level in levels)}] {name}"
        if info and info.severity:
            head += f" (severity {info.severity})"
        lines.append("")
        lines.append(head + (f": {description}" if description else ""))
        if info and result.levels.get(name, info.enforcement) != info.enforcement:
            # A level that differs from the pack's is a decision of this stack's policy config: say so.
            lines.append(f"    {result.levels[name]} in this stack: set by its policy config "
                         f"(stacks/policy.{result.stack}.json); the pack's level is {info.enforcement}")
        if info and info.citations:
            lines.append(f"    HIPAA {', '.join(info.citations)}")
        for v in found:
            lines.append(f"    - {v.type} \"{v.name}\"")
            lines.extend(f"        {line}" for line in detail(v.message, description).splitlines() or [""])
        if info and info.remediation_steps:
            lines.append(f"    fix: {info.remediation_steps}")

    if result.not_applicable:
        lines += ["", "Not applicable"]
        for n in result.not_applicable:
            lines.append(f"  {n.policy}: {n.type} \"{n.name}\": {n.reason or 'no reason given'}")
    if result.remediations:
        lines += ["", "Remediated before analysis (the pack rewrites these inputs on `pulumi up`)"]
        for r in result.remediations:
            rtype, name = result.resources.get(r.urn, split_urn(r.urn))
            lines.append(f"  {r.policy}: {rtype} \"{name}\"")
    return "\n".join(lines) + "\n"


def render_json(result: CheckResult) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"


# --------------------------------------------------------------------------------------------
# SARIF 2.1.0, as GitHub code scanning ingests it.


def _help_uri(info: PolicyInfo) -> str:
    if info.url:
        return info.url
    # The pack lists its primary citation first; link that section of 45 CFR.
    primary = next((m.group(1) for c in info.citations if (m := _SECTION_RE.match(c))), None)
    if primary:
        return f"https://www.ecfr.gov/current/title-45/section-{primary}"
    return "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-C"


def _rule(info: PolicyInfo, level: str) -> dict[str, Any]:
    cites = ", ".join(info.citations)
    text = [info.description or info.name]
    md = [info.description or info.name]
    if info.remediation_steps:
        text.append(f"Remediation: {info.remediation_steps}")
        md.append(f"**Remediation:** {info.remediation_steps}")
    if cites:
        text.append(f"HIPAA: {cites}")
        md.append(f"**HIPAA:** {cites}")
    return {
        "id": info.name,
        "name": info.name,
        "shortDescription": {"text": info.display_name or info.name},
        "fullDescription": {"text": info.description or info.name},
        "helpUri": _help_uri(info),
        "help": {"text": "\n\n".join(text), "markdown": "\n\n".join(md)},
        "defaultConfiguration": {"level": _sarif_level(level), "enabled": level != "disabled"},
        "properties": {
            "tags": ["security", "hipaa", *info.citations, *_extra_tags(info)],
            "security-severity": _SECURITY_SEVERITY.get(info.severity, "5.0"),
            "precision": "high",
            "problem.severity": "error" if level in ("mandatory", "remediate") else "warning",
        },
    }


def _extra_tags(info: PolicyInfo) -> list[str]:
    """The pack's own tags, minus citations already listed and type tokens (JUnit scoping only)."""
    cited = set(info.citations) | {f"hipaa:{c}" for c in info.citations}
    return [t for t in info.tags if t not in cited and not _TYPE_TOKEN_RE.match(t)]


def _sarif_level(enforcement: str) -> str:
    return {"mandatory": "error", "remediate": "error", "advisory": "warning"}.get(enforcement, "none")


def render_sarif(result: CheckResult) -> str:
    names = sorted(result.policies)
    index = {name: i for i, name in enumerate(names)}
    rules = [_rule(result.policies[n], result.levels.get(n, result.policies[n].enforcement)) for n in names]
    results = []
    for v in result.violations:
        # Stable across runs: the resource's URN and policy verbatim, plus the message's digest so
        # two distinct findings of one policy on one resource stay two alerts.
        fingerprint = f"{v.urn}|{v.policy}|{hashlib.sha256(v.message.encode()).hexdigest()[:16]}"
        entry: dict[str, Any] = {
            "ruleId": v.policy,
            "level": _sarif_level(v.enforcement),
            "message": {"text": f"{v.type} \"{v.name}\": {v.message}"},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": source_file(v.urn, result.stack, result.source_root),
                                         "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [{"name": v.name, "fullyQualifiedName": v.urn, "kind": "resource"}],
            }],
            "partialFingerprints": {"quomeResource/v1": fingerprint},
            "properties": {"urn": v.urn, "resourceType": v.type, "enforcement": v.enforcement,
                           "severity": v.severity, "citations": list(v.citations), "stack": result.stack},
        }
        if v.policy in index:
            entry["ruleIndex"] = index[v.policy]
        results.append(entry)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "quome-check",
                "version": result.pack_version,
                "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                "rules": rules,
                "properties": {"pack": result.pack_name},
            }},
            # One category per stack, so each stack's upload replaces only its own alerts.
            "automationDetails": {"id": f"quome-check/{result.stack}/"},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"stack": result.stack, "summary": result.summary,
                           "notApplicable": len(result.not_applicable)},
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


# --------------------------------------------------------------------------------------------
# JUnit XML: one testcase per policy x resource it applies to.


def policy_types(info: PolicyInfo) -> frozenset[str]:
    """The resource types a policy targets: the type tokens among its tags.

    The analyzer protocol has no field for a policy's target types; the pack (hipaa_pack/factory.py)
    lists its catalog entry's resource_types as tags for exactly this purpose.
    """
    return frozenset(t for t in info.tags if _TYPE_TOKEN_RE.match(t))


def case_urns(result: CheckResult, name: str) -> list[str]:
    """The URNs a policy gets one JUnit testcase each for.

    Every resource of the policy's types plus every other URN the policy reported on (violation or
    not-applicable), in analysis order; URNs the run did not analyze come last, sorted. A policy
    with none of those gets a single case for the stack itself, so each policy appears in the report.
    """
    types = policy_types(result.policies[name])
    reported = {v.urn for v in result.violations if v.policy == name}
    reported |= {n.urn for n in result.not_applicable if n.policy == name}
    urns = [urn for urn, (rtype, _) in result.resources.items() if rtype in types or urn in reported]
    urns += sorted(reported - set(result.resources))
    return urns or [result.stack_urn]


def render_junit(result: CheckResult) -> str:
    root = ET.Element("testsuites", name=f"quome check {result.stack}")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    viol: dict[tuple[str, str], list[Violation]] = {}
    for v in result.violations:
        viol.setdefault((v.policy, v.urn), []).append(v)
    na: dict[tuple[str, str], list[str]] = {}
    for n in result.not_applicable:
        na.setdefault((n.policy, n.urn), []).append(n.reason or "no reason given")

    for name in sorted(result.policies):
        info = result.policies[name]
        level = result.levels.get(name, info.enforcement)
        suite = ET.SubElement(root, "testsuite", name=name)
        props = ET.SubElement(suite, "properties")
        for key, value in (("kind", info.kind), ("enforcement", level), ("severity", info.severity),
                           ("citations", ", ".join(info.citations))):
            ET.SubElement(props, "property", name=key, value=value)
        classname = f"{result.pack_name}.{name}"
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for urn in case_urns(result, name):
            rtype, rname = result.resources.get(urn, split_urn(urn))
            case = ET.SubElement(suite, "testcase", classname=classname, name=urn)
            counts["tests"] += 1
            reasons = na.get((name, urn), [])
            if (name, urn) in viol:
                found = viol[(name, urn)]
                worst = "mandatory" if any(v.enforcement == "mandatory" for v in found) else "advisory"
                first = detail(found[0].message, info.description).splitlines()
                fail = ET.SubElement(case, "failure", type=worst,
                                     message=first[0] if first else info.description)
                # A testcase holds one outcome; a not-applicable note on a failing case rides along.
                fail.text = "\n\n".join([f"[{v.enforcement}] {rtype} \"{rname}\"\n{v.message}" for v in found]
                                         + [f"not applicable: {reason}" for reason in reasons])
                counts["failures"] += 1
            elif reasons:
                ET.SubElement(case, "skipped", message=f"not applicable: {'; '.join(reasons)}")
                counts["skipped"] += 1
            elif level == "disabled":
                ET.SubElement(case, "skipped", message="disabled by the stack's policy config")
                counts["skipped"] += 1
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        for k in totals:
            totals[k] += counts[k]
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


RENDERERS: dict[str, Callable[[CheckResult], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
}


def render(result: CheckResult, fmt: str) -> str:
    return RENDERERS[fmt](result)
