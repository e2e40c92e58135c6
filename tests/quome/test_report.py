"""quome.report: the result model and every renderer (text, json contract, SARIF, JUnit)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from quome.check import check_plan
from quome.report import (
    CheckResult,
    NotApplicable,
    Violation,
    detail,
    render_json,
    render_junit,
    render_sarif,
    render_text,
    sections_of,
    source_file,
)
from tests.quome.fixtures.plans import MINI_PACK, PROJECT, fixture_plan, urn

LOGS_URN = urn("fixture", "quome:audit:AuditTrail$aws:cloudwatch/logGroup:LogGroup", "audit-logs")
KEY_URN = urn("fixture", "aws:kms/key:Key", "data-key")
SIGNING_URN = urn("fixture", "aws:kms/key:Key", "signing-key")
BUCKET_URN = urn("fixture", "quome:audit:AuditTrail$aws:s3/bucket:Bucket", "stray-bucket")
ROOT_URN = urn("fixture", "pulumi:pulumi:Stack", "quome-platform-fixture")

EXPECTED_JSON = {
    "stack": "fixture",
    "pack": {"name": "mini-hipaa", "version": "1.2.3"},
    "resources": 11,
    "policies": 3,
    "violations": [
        {"policy": "mini-kms-rotation", "enforcement": "advisory", "severity": "medium",
         "citations": ["164.312(a)(2)(iv)", "164.316(b)(2)(i)"], "urn": KEY_URN, "type": "aws:kms/key:Key",
         "name": "data-key", "message": "Symmetric KMS keys rotate automatically.\nenableKeyRotation is not true"},
        {"policy": "mini-log-retention", "enforcement": "mandatory", "severity": "high",
         "citations": ["164.312(b)", "164.308(a)(1)(ii)(D)"], "urn": LOGS_URN,
         "type": "aws:cloudwatch/logGroup:LogGroup", "name": "audit-logs",
         "message": "Log groups keep audit records long enough.\nretentionInDays is 30; at least 365 days required"},
        {"policy": "mini-residency", "enforcement": "mandatory", "severity": "critical",
         "citations": ["164.308(a)(1)(ii)(B)", "164.314(a)(2)(i)"], "urn": BUCKET_URN,
         "type": "aws:s3/bucket:Bucket", "name": "stray-bucket",
         "message": "Resources stay in the stack's residency zone.\n"
                    "stray-bucket (in audit) deploys to us-east-1; allowed: eu-central-1"},
    ],
    "not_applicable": [
        {"policy": "mini-kms-rotation", "urn": SIGNING_URN, "type": "aws:kms/key:Key", "name": "signing-key",
         "reason": "asymmetric signing keys cannot be rotated automatically"},
    ],
    "summary": {"mandatory": 2, "advisory": 1},
}


@pytest.fixture(scope="module")
def result() -> CheckResult:
    return check_plan(fixture_plan(), root=PROJECT, pack_dir=MINI_PACK, in_process=True)


def test_json_is_exactly_the_contract(result):
    doc = json.loads(render_json(result))
    assert doc == EXPECTED_JSON
    assert list(doc) == ["stack", "pack", "resources", "policies", "violations", "not_applicable", "summary"]
    assert result.exit_code == 1


def test_a_stack_level_finding_belongs_to_the_root_stack():
    res = check_plan(fixture_plan("fixture-untagged"), root=PROJECT, pack_dir=MINI_PACK, in_process=True)
    stack_level = [v for v in res.violations if v.type == "pulumi:pulumi:Stack"]
    assert [v.to_dict() for v in stack_level] == [{
        "policy": "mini-residency", "enforcement": "mandatory", "severity": "critical",
        "citations": ["164.308(a)(1)(ii)(B)", "164.314(a)(2)(i)"],
        "urn": urn("fixture-untagged", "pulumi:pulumi:Stack", "quome-platform-fixture-untagged"),
        "type": "pulumi:pulumi:Stack", "name": "quome-platform-fixture-untagged",
        "message": "Resources stay in the stack's residency zone.\nstack has no quome:environment tag"}]


def test_text_shows_sections_then_failing_policies_then_reasons(result):
    text = render_text(result)
    lines = text.splitlines()
    assert lines[0] == "quome check: stack fixture, pack mini-hipaa 1.2.3, 11 resources, 3 policies"
    assert lines[1] == "FAIL: 2 mandatory, 1 advisory violations"
    assert lines[3:9] == [
        "HIPAA section                                   failing policies  violations",
        "164.308 Administrative safeguards                              2           2",
        "164.310 Physical safeguards                                    0           0",
        "164.312 Technical safeguards                                   2           2",
        "164.314 Organizational requirements                            1           1",
        "164.316 Policies, procedures and documentation                 1           1",
    ]
    failing = text[text.index("Failing policies"):text.index("Not applicable")]
    # Mandatory first, then by severity: critical residency, high retention, advisory rotation.
    assert failing.index("[MANDATORY] mini-residency") < failing.index("[MANDATORY] mini-log-retention") \
        < failing.index("[ADVISORY] mini-kms-rotation")
    assert ("  [MANDATORY] mini-log-retention (severity high): Log groups keep audit records long enough.\n"
            "    HIPAA 164.312(b), 164.308(a)(1)(ii)(D)\n"
            "    - aws:cloudwatch/logGroup:LogGroup \"audit-logs\"\n"
            "        retentionInDays is 30; at least 365 days required\n"
            "    fix: Set retention_in_days on the LogGroup to at least the configured minimum.\n") in failing
    assert lines[-2:] == ["Not applicable",
                          '  mini-kms-rotation: aws:kms/key:Key "signing-key": '
                          'asymmetric signing keys cannot be rotated automatically']


def test_text_for_a_clean_stack(result):
    clean = replace(result, violations=[], not_applicable=[])
    text = render_text(clean)
    assert text.splitlines()[1] == "PASS: 0 mandatory, 0 advisory violations"
    assert "Failing policies" not in text and "Not applicable" not in text
    assert clean.exit_code == 0


def test_sarif_is_structurally_what_code_scanning_accepts(result):
    doc = json.loads(render_sarif(result))
    assert doc["version"] == "2.1.0"
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("quome-check", "1.2.3")
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == ["mini-kms-rotation", "mini-log-retention", "mini-residency"]
    for rule in driver["rules"]:
        for key in ("id", "shortDescription", "fullDescription", "helpUri", "help", "properties"):
            assert key in rule, (rule["id"], key)
        assert rule["helpUri"].startswith("https://")
        assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["mini-log-retention"]["helpUri"] == "https://www.ecfr.gov/current/title-45/section-164.312"
    assert rules["mini-kms-rotation"]["helpUri"] == "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"
    assert rules["mini-residency"]["properties"]["security-severity"] == "9.5"
    assert rules["mini-residency"]["properties"]["tags"] == [
        "security", "hipaa", "164.308(a)(1)(ii)(B)", "164.314(a)(2)(i)"]
    assert rules["mini-log-retention"]["help"]["text"] == (
        "Log groups keep audit records long enough.\n\n"
        "Remediation: Set retention_in_days on the LogGroup to at least the configured minimum.\n\n"
        "HIPAA: 164.312(b), 164.308(a)(1)(ii)(D)")
    assert rules["mini-log-retention"]["defaultConfiguration"] == {"level": "error", "enabled": True}
    assert rules["mini-kms-rotation"]["defaultConfiguration"] == {"level": "warning", "enabled": True}

    results = run["results"]
    assert len(results) == 3
    for r in results:
        assert r["ruleId"] in rule_ids
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri and not uri.startswith("urn:")
        assert loc["region"] == {"startLine": 1}
        assert r["message"]["text"]
        assert r["partialFingerprints"]["quomeResource/v1"].startswith(f"{r['properties']['urn']}|{r['ruleId']}|")
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["mini-log-retention"]["level"] == "error"
    assert by_rule["mini-kms-rotation"]["level"] == "warning"
    # A resource inside a quome component maps to the component's file, others to the stack file.
    assert by_rule["mini-log-retention"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "components/audit.py"
    assert by_rule["mini-kms-rotation"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "stacks/Pulumi.fixture.yaml"
    assert by_rule["mini-log-retention"]["properties"]["urn"] == LOGS_URN
    assert by_rule["mini-log-retention"]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == LOGS_URN
    assert run["automationDetails"] == {"id": "quome-check/fixture/"}
    # Fingerprints are stable run to run, so code scanning tracks one alert per finding.
    assert json.loads(render_sarif(result))["runs"][0]["results"] == results


def test_sarif_tags_skip_repeated_citations_and_type_tokens(result):
    info = replace(result.policies["mini-residency"],
                   tags=("hipaa:164.314(a)(2)(i)", "residency", "aws:s3/bucket:Bucket"))
    res = replace(result, policies={**result.policies, "mini-residency": info})
    rules = {r["id"]: r for r in json.loads(render_sarif(res))["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["mini-residency"]["properties"]["tags"] == [
        "security", "hipaa", "164.308(a)(1)(ii)(B)", "164.314(a)(2)(i)", "residency"]


def test_junit_has_one_case_per_policy_and_applicable_resource(result):
    root = ET.fromstring(render_junit(result))
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "skipped", "errors")} == {
        "tests": "6", "failures": "3", "skipped": "1", "errors": "0"}
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["mini-kms-rotation", "mini-log-retention", "mini-residency"]

    def cases(name):
        out = {}
        for case in suites[name].findall("testcase"):
            failure, skipped = case.find("failure"), case.find("skipped")
            out[case.get("name")] = ("failure", failure.get("type"), failure.get("message")) if failure is not None \
                else ("skipped", skipped.get("message")) if skipped is not None else ("passed",)
        return out

    assert cases("mini-kms-rotation") == {
        KEY_URN: ("failure", "advisory", "enableKeyRotation is not true"),
        SIGNING_URN: ("skipped", "not applicable: asymmetric signing keys cannot be rotated automatically"),
        urn("fixture", "aws:kms/key:Key", "rotated-key"): ("passed",),
    }
    assert cases("mini-log-retention") == {
        LOGS_URN: ("failure", "mandatory", "retentionInDays is 30; at least 365 days required"),
        urn("fixture", "aws:cloudwatch/logGroup:LogGroup", "app-logs"): ("passed",),
    }
    assert cases("mini-residency") == {
        BUCKET_URN: ("failure", "mandatory", "stray-bucket (in audit) deploys to us-east-1; allowed: eu-central-1")}
    suite = suites["mini-log-retention"]
    assert {k: suite.get(k) for k in ("tests", "failures", "skipped", "errors")} == {
        "tests": "2", "failures": "1", "skipped": "0", "errors": "0"}
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props == {"kind": "resource", "enforcement": "mandatory", "severity": "high",
                     "citations": "164.312(b), 164.308(a)(1)(ii)(D)"}
    assert suite.find("testcase").get("classname") == "mini-hipaa.mini-log-retention"


def test_junit_disabled_clean_and_type_tagged_policies(result):
    tagged = replace(result.policies["mini-log-retention"], tags=("aws:s3/bucket:Bucket",))
    res = replace(result, violations=[v for v in result.violations if v.policy != "mini-log-retention"],
                  levels={**result.levels, "mini-kms-rotation": "disabled"},
                  policies={**result.policies, "mini-log-retention": tagged})
    root = ET.fromstring(render_junit(res))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    (disabled,) = suites["mini-kms-rotation"].findall("testcase")
    assert disabled.get("name") == ROOT_URN
    assert disabled.find("skipped").get("message") == "disabled by the stack's policy config"
    # Type-token tags name what the policy applies to: both buckets pass.
    assert [c.get("name") for c in suites["mini-log-retention"].findall("testcase")] == [
        BUCKET_URN, urn("fixture", "aws:s3/bucket:Bucket", "default-bucket")]
    assert all(list(c) == [] for c in suites["mini-log-retention"].findall("testcase"))


def test_helpers():
    assert sections_of(("164.312(b)", "164.308(a)(1)", "164.312(c)(1)", "other")) == ["164.308", "164.312"]
    assert detail("Desc.\nspecific", "Desc.") == "specific"
    assert detail("unrelated", "Desc.") == "unrelated"
    chain = urn("s", "quome:audit:AuditTrail$quome:missing:Thing$aws:s3/bucket:Bucket", "b")
    assert source_file(chain, "s", PROJECT) == "components/audit.py"
    assert source_file(urn("s", "aws:s3/bucket:Bucket", "b"), "s", PROJECT) == "stacks/Pulumi.s.yaml"
    assert source_file(chain, "s", None) == "stacks/Pulumi.s.yaml"


def test_model_serialises_plain_lists():
    v = Violation("p", "advisory", "", ("164.312(b)",), "u", "t", "n", "m")
    assert v.to_dict()["citations"] == ["164.312(b)"]
    assert NotApplicable("p", "u", "t", "n", "r").to_dict() == {"policy": "p", "urn": "u", "type": "t",
                                                               "name": "n", "reason": "r"}
