"""quome.report: the result model and every renderer (text, json contract, SARIF, JUnit)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

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
    split_stack_notes,
)
from tests.quome.fixtures.plans import MINI_PACK, PROJECT, fixture_plan, urn
from tests.quome.fixtures.plans import resource as plan_resource

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
    assert rules["mini-kms-rotation"]["helpUri"] == \
        "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"
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


# JUnit: one testcase per policy x resource of its types, plus whatever the policy reported on.

KEY_TYPE = "aws:kms/key:Key"
LOG_GROUP_TYPE = "aws:cloudwatch/logGroup:LogGroup"
BUCKET_TYPE = "aws:s3/bucket:Bucket"
ROTATED_URN = urn("fixture", KEY_TYPE, "rotated-key")
APP_LOGS_URN = urn("fixture", LOG_GROUP_TYPE, "app-logs")
DEFAULT_BUCKET_URN = urn("fixture", BUCKET_TYPE, "default-bucket")
REPO = Path(__file__).resolve().parents[2]


def with_type_tags(res: CheckResult) -> CheckResult:
    """The fixture result as if the mini pack tagged its policies with their types, as the real pack does."""
    types = {"mini-kms-rotation": (KEY_TYPE,), "mini-log-retention": (LOG_GROUP_TYPE,),
             "mini-residency": (BUCKET_TYPE,)}
    return replace(res, policies={name: replace(info, tags=info.tags + types[name])
                                  for name, info in res.policies.items()})


def junit(res: CheckResult) -> ET.Element:
    return ET.fromstring(render_junit(res))


def suites_of(root: ET.Element) -> dict[str, ET.Element]:
    return {s.get("name"): s for s in root.findall("testsuite")}


def cases(suite: ET.Element) -> dict[str, tuple]:
    out = {}
    for case in suite.findall("testcase"):
        failure, skipped = case.find("failure"), case.find("skipped")
        out[case.get("name")] = ("failure", failure.get("type"), failure.get("message")) if failure is not None \
            else ("skipped", skipped.get("message")) if skipped is not None else ("passed",)
    return out


def counts(element: ET.Element) -> dict[str, str]:
    return {k: element.get(k) for k in ("tests", "failures", "skipped", "errors")}


def assert_totals_add_up(root: ET.Element) -> None:
    suites = root.findall("testsuite")
    for key, tag in (("tests", "testcase"), ("failures", "failure"), ("skipped", "skipped")):
        for suite in suites:
            assert int(suite.get(key)) == len(suite.findall(f"testcase/{tag}" if tag != "testcase" else tag))
        assert int(root.get(key)) == sum(int(s.get(key)) for s in suites) == len(root.findall(f".//{tag}"))


def assert_nothing_dropped(res: CheckResult, root: ET.Element) -> None:
    """Every (policy, urn) violation is a failure of that case; every not-applicable reason is in its case."""
    pairs = {(v.policy, v.urn) for v in res.violations}
    assert len(root.findall(".//failure")) >= len(pairs)
    by_case = {(s.get("name"), c.get("name")): c for s in root.findall("testsuite") for c in s.findall("testcase")}
    for policy, urn_ in pairs:
        failure = by_case[(policy, urn_)].find("failure")
        assert failure is not None, (policy, urn_)
        for v in res.violations:
            if (v.policy, v.urn) == (policy, urn_):
                assert v.message in failure.text
    for n in res.not_applicable:
        case = by_case[(n.policy, n.urn)]
        outcome = case.find("failure") if case.find("failure") is not None else case.find("skipped")
        assert f"not applicable: {n.reason}" in ((outcome.text or "") + outcome.get("message")), (n.policy, n.urn)


def test_junit_has_one_case_per_policy_and_resource_of_its_types(result):
    res = with_type_tags(result)
    root = junit(res)
    assert root.tag == "testsuites"
    assert counts(root) == {"tests": "7", "failures": "3", "skipped": "1", "errors": "0"}
    suites = suites_of(root)
    assert list(suites) == ["mini-kms-rotation", "mini-log-retention", "mini-residency"]
    # Analysis order: data-key, signing-key, rotated-key.
    assert list(cases(suites["mini-kms-rotation"]).items()) == [
        (KEY_URN, ("failure", "advisory", "enableKeyRotation is not true")),
        (SIGNING_URN, ("skipped", "not applicable: asymmetric signing keys cannot be rotated automatically")),
        (ROTATED_URN, ("passed",)),
    ]
    assert cases(suites["mini-log-retention"]) == {
        LOGS_URN: ("failure", "mandatory", "retentionInDays is 30; at least 365 days required"),
        APP_LOGS_URN: ("passed",),
    }
    # A stack policy: one violating and one clean bucket.
    assert cases(suites["mini-residency"]) == {
        BUCKET_URN: ("failure", "mandatory", "stray-bucket (in audit) deploys to us-east-1; allowed: eu-central-1"),
        DEFAULT_BUCKET_URN: ("passed",),
    }
    suite = suites["mini-log-retention"]
    assert counts(suite) == {"tests": "2", "failures": "1", "skipped": "0", "errors": "0"}
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props == {"kind": "resource", "enforcement": "mandatory", "severity": "high",
                     "citations": "164.312(b), 164.308(a)(1)(ii)(D)"}
    assert suite.find("testcase").get("classname") == "mini-hipaa.mini-log-retention"
    failure = suites["mini-log-retention"].find("testcase/failure")
    assert failure.text == (f'[mandatory] {LOG_GROUP_TYPE} "audit-logs"\n'
                            "Log groups keep audit records long enough.\n"
                            "retentionInDays is 30; at least 365 days required")
    assert_totals_add_up(root)
    assert_nothing_dropped(res, root)


def test_junit_clean_policies_pass_once_per_resource_of_their_types(result):
    res = replace(with_type_tags(result), violations=[], not_applicable=[])
    root = junit(res)
    assert counts(root) == {"tests": "7", "failures": "0", "skipped": "0", "errors": "0"}
    assert cases(suites_of(root)["mini-kms-rotation"]) == {
        KEY_URN: ("passed",), SIGNING_URN: ("passed",), ROTATED_URN: ("passed",)}


def test_junit_without_type_tags_covers_what_the_policy_reported_on(result):
    # The mini pack itself carries no type tags: only reported resources get a case, a clean policy
    # gets one for the stack.
    res = replace(result, violations=[v for v in result.violations if v.policy != "mini-log-retention"])
    root = junit(res)
    assert counts(root) == {"tests": "4", "failures": "2", "skipped": "1", "errors": "0"}
    suites = suites_of(root)
    assert list(cases(suites["mini-kms-rotation"])) == [KEY_URN, SIGNING_URN]
    assert cases(suites["mini-log-retention"]) == {ROOT_URN: ("passed",)}
    assert list(cases(suites["mini-residency"])) == [BUCKET_URN]
    assert_totals_add_up(root)
    assert_nothing_dropped(res, root)


def test_junit_disabled_policy_skips_each_resource_of_its_types(result):
    # A disabled policy does not run, so it reports nothing.
    res = replace(with_type_tags(result), levels={**result.levels, "mini-kms-rotation": "disabled"},
                  violations=[v for v in result.violations if v.policy != "mini-kms-rotation"],
                  not_applicable=[n for n in result.not_applicable if n.policy != "mini-kms-rotation"])
    root = junit(res)
    suite = suites_of(root)["mini-kms-rotation"]
    skipped = ("skipped", "disabled by the stack's policy config")
    assert cases(suite) == {KEY_URN: skipped, SIGNING_URN: skipped, ROTATED_URN: skipped}
    assert counts(suite) == {"tests": "3", "failures": "0", "skipped": "3", "errors": "0"}
    assert {p.get("name"): p.get("value") for p in suite.find("properties")}["enforcement"] == "disabled"
    assert counts(root) == {"tests": "7", "failures": "2", "skipped": "3", "errors": "0"}
    assert_totals_add_up(root)


def test_junit_stack_level_findings_go_on_the_stack_case():
    res = with_type_tags(check_plan(fixture_plan("fixture-untagged"), root=PROJECT, pack_dir=MINI_PACK,
                                    in_process=True))
    stack_urn = urn("fixture-untagged", "pulumi:pulumi:Stack", "quome-platform-fixture-untagged")
    root = junit(res)
    assert cases(suites_of(root)["mini-residency"]) == {
        stack_urn: ("failure", "mandatory", "stack has no quome:environment tag"),
        urn("fixture-untagged", "quome:audit:AuditTrail$aws:s3/bucket:Bucket", "stray-bucket"):
            ("failure", "mandatory", "stray-bucket (in audit) deploys to us-east-1; allowed: eu-central-1"),
        urn("fixture-untagged", BUCKET_TYPE, "default-bucket"): ("passed",),
    }
    assert_totals_add_up(root)
    assert_nothing_dropped(res, root)


def test_junit_keeps_findings_outside_the_policys_types_and_the_analyzed_resources(result):
    elsewhere = urn("fixture", "aws:ec2/vpc:Vpc", "not-analyzed")
    extra = [
        # A stack policy may name any resource, even one of a type it does not list or one not analyzed.
        Violation("mini-residency", "mandatory", "critical", (), APP_LOGS_URN, LOG_GROUP_TYPE, "app-logs",
                  "app-logs deploys to us-east-1"),
        Violation("mini-residency", "advisory", "critical", (), elsewhere, "aws:ec2/vpc:Vpc", "not-analyzed",
                  "not-analyzed deploys to us-east-1"),
    ]
    na = [NotApplicable("mini-kms-rotation", KEY_URN, KEY_TYPE, "data-key", "exempt until 2030-01-01"),
          NotApplicable("mini-log-retention", ROOT_URN, "pulumi:pulumi:Stack", "quome-platform-fixture", "")]
    res = replace(with_type_tags(result), violations=result.violations + extra,
                  not_applicable=result.not_applicable + na)
    root = junit(res)
    suites = suites_of(root)
    assert list(cases(suites["mini-residency"]).items()) == [
        (APP_LOGS_URN, ("failure", "mandatory", "app-logs deploys to us-east-1")),
        (BUCKET_URN, ("failure", "mandatory", "stray-bucket (in audit) deploys to us-east-1; allowed: eu-central-1")),
        (DEFAULT_BUCKET_URN, ("passed",)),
        (elsewhere, ("failure", "advisory", "not-analyzed deploys to us-east-1")),
    ]
    # A case holds one outcome: a not-applicable note on a failing case is kept in the failure's text.
    assert suites["mini-kms-rotation"].find("testcase/failure").text.endswith(
        "\n\nnot applicable: exempt until 2030-01-01")
    assert cases(suites["mini-log-retention"])[ROOT_URN] == ("skipped", "not applicable: no reason given")
    assert_totals_add_up(root)
    assert_nothing_dropped(res, root)


def real_pack_plan() -> dict:
    """dev, with two rotating keys and two buckets, one of them without default encryption."""
    stack = "dev"
    root = urn(stack, "pulumi:pulumi:Stack", f"quome-platform-{stack}")
    provider = plan_resource(stack, "pulumi:providers:aws", "us",
                             {"region": "us-east-1", "allowedAccountIds": '["111111111111"]'}, parent=root)
    ref = f"{provider['urn']}::11111111-us"
    key_arn = "arn:aws:kms:us-east-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    key_inputs = {"enableKeyRotation": True, "rotationPeriodInDays": 365, "description": "data"}
    phi = plan_resource(stack, BUCKET_TYPE, "phi-bucket", {"bucket": "phi"}, parent=root, provider=ref)
    sse = plan_resource(
        stack, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "phi-sse",
        {"bucket": "phi", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                                            "kmsMasterKeyId": key_arn},
                                     "bucketKeyEnabled": True}]},
        parent=root, provider=ref, dependencies=[phi["urn"]], property_dependencies={"bucket": [phi["urn"]]})
    return {"project": "quome-platform", "stack": stack, "outputs": {}, "resources": [
        provider,
        plan_resource(stack, KEY_TYPE, "data-key", key_inputs, parent=root, provider=ref),
        plan_resource(stack, KEY_TYPE, "logs-key", key_inputs, parent=root, provider=ref),
        phi, sse,
        plan_resource(stack, BUCKET_TYPE, "bare-bucket", {"bucket": "bare"}, parent=root, provider=ref),
    ]}


def test_junit_with_the_real_pack_lists_every_resource_of_each_policys_types():
    res = check_plan(real_pack_plan(), root=REPO, in_process=True)
    # The pack's type tags reach quome through GetAnalyzerInfo.
    assert res.policies["key-rotation-enabled"].tags == ("hipaa:164.312(a)(2)(iv)", "key-management", KEY_TYPE)
    root = junit(res)
    suites = suites_of(root)
    assert len(suites) == 80
    # A clean resource policy: one passing case per key.
    assert cases(suites["key-rotation-enabled"]) == {
        urn("dev", KEY_TYPE, "data-key"): ("passed",), urn("dev", KEY_TYPE, "logs-key"): ("passed",)}
    # A stack policy: the encrypted bucket and its configuration pass, the bare bucket fails.
    assert list(cases(suites["enc-s3-sse-kms"]).items()) == [
        (urn("dev", BUCKET_TYPE, "phi-bucket"), ("passed",)),
        (urn("dev", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
             "phi-sse"), ("passed",)),
        (urn("dev", BUCKET_TYPE, "bare-bucket"),
         ("failure", "mandatory", "bucket 'bare-bucket' has no BucketServerSideEncryptionConfiguration; "
                                  "required one with sseAlgorithm aws:kms or aws:kms:dsse")),
    ]
    # No resource of its types and a stack-level not-applicable reason: one skipped stack case.
    (backup,) = [n for n in res.not_applicable if n.policy == "avl-backup-plan"]
    assert backup.reason.startswith("the stack has no EFS file system")
    assert cases(suites["avl-backup-plan"]) == {res.stack_urn: ("skipped", f"not applicable: {backup.reason}")}
    assert res.stack_urn == urn("dev", "pulumi:pulumi:Stack", "quome-platform-dev")
    # Every policy: the resources of its types plus what it reported on, else the stack alone.
    for name, suite in suites.items():
        types = {t for t in res.policies[name].tags if t.count(":") == 2 and not t.startswith("hipaa:")}
        expected = {u for u, (rtype, _) in res.resources.items() if rtype in types}
        expected |= {v.urn for v in res.violations if v.policy == name}
        expected |= {n.urn for n in res.not_applicable if n.policy == name}
        found = [c.get("name") for c in suite.findall("testcase")]
        assert len(found) == len(set(found)), name
        assert set(found) == (expected or {res.stack_urn}), name
    assert_totals_add_up(root)
    assert_nothing_dropped(res, root)


def test_helpers():
    assert sections_of(("164.312(b)", "164.308(a)(1)", "164.312(c)(1)", "other")) == ["164.308", "164.312"]
    assert detail("Desc.\nspecific", "Desc.") == "specific"
    assert detail("unrelated", "Desc.") == "unrelated"
    chain = urn("s", "quome:audit:AuditTrail$quome:missing:Thing$aws:s3/bucket:Bucket", "b")
    assert source_file(chain, "s", PROJECT) == "components/audit.py"
    assert source_file(urn("s", "aws:s3/bucket:Bucket", "b"), "s", PROJECT) == "stacks/Pulumi.s.yaml"
    assert source_file(chain, "s", None) == "stacks/Pulumi.s.yaml"


def test_a_stack_policys_notes_split_into_one_entry_per_resource():
    odd = urn("s", "aws:s3/bucket:Bucket", "name: with a colon")
    known = {KEY_URN: 0, BUCKET_URN: 0, odd: 0}
    reason = f"{KEY_URN}: rotated by runbook; see SEC-1\n{odd}: imported\n{BUCKET_URN}: a log sink"
    assert split_stack_notes(reason, known, ROOT_URN) == [
        (KEY_URN, "rotated by runbook; see SEC-1"), (odd, "imported"), (BUCKET_URN, "a log sink")]


def test_a_note_belongs_to_the_longest_urn_it_starts_with():
    short = urn("s", "aws:s3/bucket:Bucket", "a")
    longer = urn("s", "aws:s3/bucket:Bucket", "a: b")
    known = {short: 0, longer: 0}
    assert split_stack_notes(f"{longer}: imported: see SEC-2\n{short}: a sink", known, ROOT_URN) == [
        (longer, "imported: see SEC-2"), (short, "a sink")]


def test_stack_notes_that_name_no_analyzed_resource_stay_the_stacks():
    known = {KEY_URN: 0}
    # A whole-stack reason, or another pack's wording, is kept as it is.
    assert split_stack_notes("the stack has no EFS file system", known, ROOT_URN) == [
        (ROOT_URN, "the stack has no EFS file system")]
    assert split_stack_notes(f"{SIGNING_URN}: not in this plan", known, ROOT_URN) == [
        (ROOT_URN, f"{SIGNING_URN}: not in this plan")]
    # Lines about analyzed resources go to them, the rest to the stack.
    assert split_stack_notes(f"{KEY_URN}: out of scope\nplus a general remark", known, ROOT_URN) == [
        (KEY_URN, "out of scope"), (ROOT_URN, "plus a general remark")]


def test_model_serialises_plain_lists():
    v = Violation("p", "advisory", "", ("164.312(b)",), "u", "t", "n", "m")
    assert v.to_dict()["citations"] == ["164.312(b)"]
    assert NotApplicable("p", "u", "t", "n", "r").to_dict() == {"policy": "p", "urn": "u", "type": "t",
                                                               "name": "n", "reason": "r"}
