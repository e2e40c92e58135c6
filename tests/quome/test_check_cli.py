"""`quome check`: argument handling, outputs and the 0/1/2 exit-code contract."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import quome.plan
from quome import check
from tests.quome.fixtures.plans import MINI_PACK, PROJECT, fixture_plan, urn
from tests.quome.test_report import real_pack_plan

REPO = Path(__file__).resolve().parents[2]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="quome")
    check.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["check", *argv])


def run(*argv: str) -> int:
    return check.run(parse(*argv, "--root", str(PROJECT), "--pack", str(MINI_PACK)))


def write_plan(tmp_path: Path, doc) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def test_register_defines_the_contracted_options():
    ns = parse("--stack", "dev")
    assert (ns.stack, ns.plan, ns.format, ns.output, ns.pack, ns.in_process) == ("dev", None, "text", None, None, False)
    assert ns.func is check.run
    with pytest.raises(SystemExit):
        parse("--stack", "dev", "--plan", "x.json")  # exactly one source
    with pytest.raises(SystemExit):
        parse("--stack", "dev", "--format", "html")


def test_plan_with_mandatory_violations_exits_1_and_prints_json(tmp_path, capsys):
    code = run("--plan", str(write_plan(tmp_path, fixture_plan())), "--format", "json")
    out = capsys.readouterr()
    assert code == 1
    doc = json.loads(out.out)
    assert doc["summary"] == {"mandatory": 2, "advisory": 1}
    assert [v["name"] for v in doc["violations"]] == ["data-key", "audit-logs", "stray-bucket"]
    assert out.err == ""


def test_policy_config_of_the_plans_stack_is_applied_and_exits_0(tmp_path, capsys):
    # stacks/policy.fixture-relaxed.json: all advisory, 14-day retention, two regions.
    code = run("--plan", str(write_plan(tmp_path, fixture_plan("fixture-relaxed"))), "--format", "json")
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["summary"] == {"mandatory": 0, "advisory": 1}
    assert [(v["policy"], v["enforcement"]) for v in doc["violations"]] == [("mini-kms-rotation", "advisory")]


def test_stack_option_plans_through_quome_plan(monkeypatch, capsys):
    calls = []

    def fake_plan_stack(stack, project_root):
        calls.append((stack, project_root))
        return fixture_plan(stack)

    monkeypatch.setattr(quome.plan, "plan_stack", fake_plan_stack)
    code = run("--stack", "fixture", "--format", "text", "--in-process")
    assert calls == [("fixture", PROJECT)]
    assert code == 1
    assert capsys.readouterr().out.startswith("quome check: stack fixture, pack mini-hipaa 1.2.3, 11 resources")


@pytest.fixture()
def fake_stack_is_valid(monkeypatch):
    """The fixture project's stack files hold what the mini pack reads, not a whole platform config."""
    monkeypatch.setattr(quome.plan, "validate_stack", lambda stack, project_root: None)


def test_invalid_stack_config_exits_2_before_the_pack_starts(monkeypatch, capsys):
    started = []
    monkeypatch.setattr(check.PreparedPack, "__enter__", lambda pack: started.append(pack) or pack)
    assert run("--stack", "fixture") == 2
    err = capsys.readouterr().err
    assert err.startswith("quome check: invalid input:\n")
    assert 'quome:environment = "test": Input should be' in err
    assert started == []


def test_stack_option_checks_over_grpc_with_the_pack_started_beside_the_program(monkeypatch, tmp_path, capsys,
                                                                                 fake_stack_is_valid):
    started_before_planning = []

    def fake_plan_stack(stack, project_root):
        # The pack's process is already on its way while the program runs.
        started_before_planning.append(any(t.name.startswith("quome-start") for t in threading.enumerate()))
        return fixture_plan(stack)

    monkeypatch.setattr(quome.plan, "plan_stack", fake_plan_stack)
    code = run("--stack", "fixture", "--format", "json")
    from_stack = json.loads(capsys.readouterr().out)
    assert code == 1 and started_before_planning == [True]
    assert run("--plan", str(write_plan(tmp_path, fixture_plan())), "--format", "json") == 1
    assert json.loads(capsys.readouterr().out) == from_stack


def test_output_file_gets_the_report_and_stderr_a_summary(tmp_path, capsys):
    out = tmp_path / "reports" / "fixture.sarif"
    code = run("--plan", str(write_plan(tmp_path, fixture_plan())), "--format", "sarif", "--output", str(out))
    streams = capsys.readouterr()
    assert code == 1
    assert streams.out == ""
    assert streams.err == f"quome check: stack fixture: FAIL (2 mandatory, 1 advisory); sarif report in {out}\n"
    assert json.loads(out.read_text())["runs"][0]["automationDetails"]["id"] == "quome-check/fixture/"


def test_junit_output(tmp_path, capsys):
    out = tmp_path / "junit.xml"
    assert run("--plan", str(write_plan(tmp_path, fixture_plan())), "--format", "junit", "--output", str(out)) == 1
    root = ET.parse(out).getroot()
    # The mini pack tags no types: a case per resource each policy reported on.
    assert {k: root.get(k) for k in ("tests", "failures", "skipped", "errors")} == {
        "tests": "4", "failures": "3", "skipped": "1", "errors": "0"}


def test_junit_with_the_real_pack_over_grpc_has_a_case_per_resource_of_each_policys_types(tmp_path, capsys):
    out = tmp_path / "junit.xml"
    code = check.run(parse("--plan", str(write_plan(tmp_path, real_pack_plan())), "--root", str(REPO),
                           "--format", "junit", "--output", str(out)))
    assert code == 1
    suites = {s.get("name"): s for s in ET.parse(out).getroot().findall("testsuite")}
    assert len(suites) == 80
    # The type tags travel from the pack's subprocess through GetAnalyzerInfo.
    rotation = suites["key-rotation-enabled"]
    assert [(c.get("name"), list(c)) for c in rotation.findall("testcase")] == [
        (urn("dev", "aws:kms/key:Key", "data-key"), []), (urn("dev", "aws:kms/key:Key", "logs-key"), [])]
    assert [c.get("name").rsplit("::", 1)[1] for c in suites["enc-s3-sse-kms"].findall("testcase")] == [
        "phi-bucket", "phi-sse", "bare-bucket"]


def test_in_process_and_subprocess_print_the_same_report(tmp_path, capsys):
    plan = str(write_plan(tmp_path, fixture_plan()))
    outputs = []
    for extra in ((), ("--in-process",)):
        for fmt in ("json", "text", "sarif", "junit"):
            assert run("--plan", plan, "--format", fmt, *extra) == 1
            outputs.append(capsys.readouterr().out)
    assert outputs[:4] == outputs[4:]


@pytest.mark.parametrize("content, message", [
    ("{not json", "invalid JSON at line 1 column 2: Expecting property name enclosed in double quotes"),
    ("[1, 2]", "expected a JSON object (the output of `quome plan --json`)"),
    (json.dumps({"resources": []}), 'not a quome plan document (needs "project", "stack" and "resources")'),
])
def test_unreadable_plan_exits_2_naming_the_file(tmp_path, capsys, content, message):
    path = write_plan(tmp_path, content)
    assert run("--plan", str(path)) == 2
    err = capsys.readouterr().err
    assert err == f"quome check: invalid input:\n{path}: {message}\n"


def test_missing_plan_file_exits_2(tmp_path, capsys):
    assert run("--plan", str(tmp_path / "nope.json")) == 2
    assert capsys.readouterr().err == f"quome check: invalid input:\n{tmp_path / 'nope.json'}: no such plan file\n"


def test_malformed_resource_exits_2_with_its_path(tmp_path, capsys):
    plan = fixture_plan()
    plan["resources"][4]["propertyDependencies"] = {"kmsKeyId": "x"}
    path = write_plan(tmp_path, plan)
    assert run("--plan", str(path)) == 2
    assert capsys.readouterr().err == (
        f"quome check: invalid input:\n{path}: resources[4] "
        "(urn:pulumi:fixture::quome-platform::aws:kms/key:Key::signing-key): "
        '"propertyDependencies" must map property names to lists of URNs\n')


def test_bad_policy_config_exits_2_naming_file_policy_and_key(tmp_path, capsys):
    assert run("--plan", str(write_plan(tmp_path, fixture_plan("fixture-badcfg")))) == 2
    assert capsys.readouterr().err == (
        "quome check: invalid input:\n"
        'stacks/policy.fixture-badcfg.json: policy "mini-log-retention": key "minimumRetentionDays": 0 is less '
        "than the minimum of 1; allowed: integer >= 1\n"
        'stacks/policy.fixture-badcfg.json: policy "mini-residency": key "allowedRegions": [] should be '
        "non-empty; allowed: array of (string matching ^[a-z]{2}-[a-z]+-[0-9]$), at least 1 item(s)\n")


def test_unknown_stack_file_exits_2(tmp_path, capsys):
    assert run("--plan", str(write_plan(tmp_path, fixture_plan("nosuch")))) == 2
    err = capsys.readouterr().err
    assert err.startswith("quome check: invalid input:\nstacks/Pulumi.nosuch.yaml: no such stack file; "
                          "stacks available: fixture, fixture-badcfg, fixture-relaxed, fixture-untagged")


def test_missing_pack_exits_2(tmp_path, capsys):
    ns = parse("--plan", str(write_plan(tmp_path, fixture_plan())), "--root", str(PROJECT),
               "--pack", str(tmp_path / "nopack"))
    assert check.run(ns) == 2
    assert capsys.readouterr().err == (f"quome check: the policy pack could not be run: "
                                       f"{tmp_path / 'nopack'}/PulumiPolicy.yaml: not found; "
                                       f"is {tmp_path / 'nopack'} a policy pack?\n")


def test_program_failure_exits_2_without_traceback(monkeypatch, capsys, fake_stack_is_valid):
    def failing(stack, project_root):
        raise quome.plan.PlanError(f"stack '{stack}': the program failed: KeyError: 'x'")

    monkeypatch.setattr(quome.plan, "plan_stack", failing)
    assert run("--stack", "fixture") == 2
    assert capsys.readouterr().err == "quome check: stack 'fixture': the program failed: KeyError: 'x'\n"


def test_unexpected_errors_are_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    def broken(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(check, "check_plan", broken)
    monkeypatch.delenv("QUOME_DEBUG", raising=False)
    assert run("--plan", str(write_plan(tmp_path, fixture_plan()))) == 2
    assert capsys.readouterr().err == ("quome check: internal error: ZeroDivisionError: division by zero "
                                       "(set QUOME_DEBUG=1 for a traceback)\n")


def test_the_real_command_line(tmp_path):
    """End to end through `python -m quome`: the console entry point CI calls."""
    plan = write_plan(tmp_path, fixture_plan())
    base = [sys.executable, "-m", "quome", "check", "--root", str(PROJECT), "--pack", str(MINI_PACK)]
    proc = subprocess.run([*base, "--plan", str(plan), "--format", "json"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["summary"] == {"mandatory": 2, "advisory": 1}
    proc = subprocess.run([*base, "--plan", str(write_plan(tmp_path, fixture_plan("fixture-relaxed")))],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1] == "PASS: 0 mandatory, 1 advisory violation"
    bad = write_plan(tmp_path, "{")
    proc = subprocess.run([*base, "--plan", str(bad)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.endswith(f"{bad}: invalid JSON at line 1 column 2: "
                                "Expecting property name enclosed in double quotes\n")
