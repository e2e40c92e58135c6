"""quome.analyzer: the real subprocess + gRPC path, the in-process twin, and that they agree."""
from __future__ import annotations

import os
import textwrap
import threading
import time
from pathlib import Path

import pytest
from google.protobuf import json_format
from pulumi.runtime import proto

from quome.analyzer import (
    AnalyzerError,
    AnalyzerSession,
    InProcessAnalyzer,
    PlanError,
    PreparedPack,
    ResolvedPolicyConfig,
    StackContext,
    build_requests,
    configure_request,
    evaluate,
    load_pack_servicer,
    pack_info_from_proto,
    read_pack_version,
    run_pack,
    split_urn,
    time_backends,
)
from quome.policy_config import resolve_policy_config
from quome.report import build_result
from tests.quome.fixtures.plans import MINI_PACK, fixture_plan, resource, synthetic_plan, urn

CONTEXT = StackContext(project="quome-platform", stack="fixture",
                       config={"aws:region": "eu-central-1", "quome:environment": "test"},
                       tags={"quome:environment": "test"})


def defaults(pack):
    return resolve_policy_config(None, pack)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _as_dicts(evaluation):
    return ([json_format.MessageToDict(r) for r in evaluation.analyze_responses],
            json_format.MessageToDict(evaluation.stack_response))


def write_pack(tmp_path: Path, main: str, package: str = "") -> Path:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.9.0\n")
    (pack / "__main__.py").write_text(textwrap.dedent(main))
    if package:
        (pack / "tmp_policies.py").write_text(textwrap.dedent(package))
    return pack


# ---------------------------------------------------------------------------------------------
# Requests


def test_requests_carry_what_the_engine_sends():
    reqs = build_requests(fixture_plan(), CONTEXT)
    root = urn("fixture", "pulumi:pulumi:Stack", "quome-platform-fixture")
    # The root stack is synthesised from the URN the resources are parented to, and analyzed first.
    assert reqs.stack_urn == root
    assert [r.type for r in reqs.resources][:2] == ["pulumi:pulumi:Stack", "pulumi:providers:aws"]
    assert len(reqs.analyze) == 11

    by_name = {r.name: r for r in reqs.analyze}
    logs = by_name["audit-logs"]
    assert logs.type == "aws:cloudwatch/logGroup:LogGroup"
    assert json_format.MessageToDict(logs.properties) == {"retentionInDays": 30.0, "kmsKeyId": "[secret]"}
    assert logs.options.parent == urn("fixture", "quome:audit:AuditTrail", "audit")
    assert logs.options.HasField("customTimeouts")
    assert logs.provider.type == "pulumi:providers:aws"
    assert logs.provider.name == "eu"
    assert logs.provider.urn == urn("fixture", "pulumi:providers:aws", "eu")
    assert json_format.MessageToDict(logs.provider.properties) == {
        "region": "eu-central-1", "allowedAccountIds": '["111111111111"]'}
    assert by_name["data-key"].options.protect is True
    assert by_name["default-bucket"].HasField("provider") is False
    assert by_name["default-bucket"].options.parent == root

    stack = reqs.stack_request()
    assert len(stack.resources) == 11
    res = {r.name: r for r in stack.resources}
    key_urn = urn("fixture", "aws:kms/key:Key", "data-key")
    assert list(res["audit-logs"].dependencies) == [key_urn]
    assert list(res["audit-logs"].propertyDependencies["kmsKeyId"].urns) == [key_urn]
    assert res["audit-logs"].parent == urn("fixture", "quome:audit:AuditTrail", "audit")
    assert res["stray-bucket"].provider.name == "us"
    assert res["quome-platform-fixture"].parent == ""


def test_stack_context_is_what_the_cli_sends():
    ctx = StackContext(project="p", stack="s", config={"aws:region": "eu-central-1"},
                       secret_keys=("quome:dbPassword",), tags={"quome:environment": "prod"})
    assert ctx.env() == {"PULUMI_ORGANIZATION": "organization", "PULUMI_PROJECT": "p", "PULUMI_STACK": "s",
                         "PULUMI_DRY_RUN": "true", "PULUMI_CONFIG": '{"aws:region": "eu-central-1"}'}
    req = ctx.configure_stack_request()
    assert (req.project, req.stack, req.organization, req.dry_run) == ("p", "s", "organization", True)
    assert dict(req.config) == {"aws:region": "eu-central-1"}
    assert list(req.config_secret_keys) == ["quome:dbPassword"]
    assert dict(req.tags) == {"quome:environment": "prod"}


@pytest.mark.parametrize("mutate, message", [
    (lambda p: p["resources"][0].pop("urn"), 'resources[0]: "urn" must be a non-empty string'),
    (lambda p: p["resources"][3].update(inputs=[1]),
     'resources[3] (urn:pulumi:fixture::quome-platform::aws:kms/key:Key::data-key): '
     '"inputs" must be an object, got list'),
    (lambda p: p["resources"][3].update(provider="urn:pulumi:fixture::quome-platform::pulumi:providers:aws::gone::x"),
     "resource urn:pulumi:fixture::quome-platform::aws:kms/key:Key::data-key: its provider "
     "urn:pulumi:fixture::quome-platform::pulumi:providers:aws::gone is not in the plan"),
    (lambda p: p["resources"][3].update(provider="eu"),
     'resources[3] (urn:pulumi:fixture::quome-platform::aws:kms/key:Key::data-key): '
     '"provider" must be "<provider urn>::<provider id>", got \'eu\''),
    (lambda p: p["resources"].append(dict(p["resources"][0])),
     "resource urn:pulumi:fixture::quome-platform::pulumi:providers:aws::eu: appears twice in the plan"),
    (lambda p: p.pop("project"), 'plan: "project" must be a non-empty string'),
    (lambda p: p["resources"][2].update(dependencies="x"),
     'resources[2] (urn:pulumi:fixture::quome-platform::quome:audit:AuditTrail::audit): '
     '"dependencies" must be a list of URNs'),
])
def test_malformed_plans_are_rejected_with_the_path(mutate, message):
    plan = fixture_plan()
    mutate(plan)
    with pytest.raises(PlanError) as err:
        build_requests(plan, CONTEXT)
    assert str(err.value) == message


def test_split_urn():
    assert split_urn("urn:pulumi:s::p::quome:audit:AuditTrail$aws:s3/bucket:Bucket::a::b") == (
        "aws:s3/bucket:Bucket", "a::b")
    assert split_urn("not-a-urn") == ("", "not-a-urn")


# ---------------------------------------------------------------------------------------------
# The subprocess, over gRPC


def test_session_starts_the_pack_like_the_cli_and_stops_it():
    with AnalyzerSession(MINI_PACK, CONTEXT) as session:
        pid = session.pid
        assert isinstance(session.port, int) and session.port > 0
        session.configure_stack(CONTEXT.configure_stack_request())
        info = pack_info_from_proto(session.get_analyzer_info(), read_pack_version(MINI_PACK))
        assert _alive(pid)
    assert not _alive(pid)
    assert info.name == "mini-hipaa"
    assert info.version == "1.2.3"  # from PulumiPolicy.yaml, not the SDK's 0.0.1
    assert list(info.policies) == ["mini-kms-rotation", "mini-log-retention", "mini-residency"]
    log = info.policies["mini-log-retention"]
    assert (log.kind, log.enforcement, log.severity) == ("resource", "mandatory", "high")
    assert log.citations == ("164.312(b)", "164.308(a)(1)(ii)(D)")
    assert log.config_schema == {"properties": {"minimumRetentionDays": {
        "type": "integer", "minimum": 1, "default": 365}}}
    assert info.policies["mini-kms-rotation"].enforcement == "advisory"
    assert info.policies["mini-kms-rotation"].url == (
        "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"
    )
    residency = info.policies["mini-residency"]
    assert (residency.kind, residency.severity) == ("stack", "critical")
    assert residency.config_schema["required"] == ["allowedRegions"]


def test_session_is_killed_when_the_caller_fails():
    with pytest.raises(RuntimeError, match="boom"):
        with AnalyzerSession(MINI_PACK, CONTEXT) as session:
            pid = session.pid
            raise RuntimeError("boom")
    assert not _alive(pid)


def test_evaluate_over_grpc_finds_the_fixture_violations():
    reqs = build_requests(fixture_plan(), CONTEXT)
    with AnalyzerSession(MINI_PACK, CONTEXT) as session:
        ev = evaluate(session, reqs, defaults, read_pack_version(MINI_PACK))
    found = sorted((reqs.resources[i].name, d.policyName, proto.EnforcementLevel.Name(d.enforcementLevel))
                   for i, r in enumerate(ev.analyze_responses) for d in r.diagnostics)
    assert found == [("audit-logs", "mini-log-retention", "MANDATORY"),
                     ("data-key", "mini-kms-rotation", "ADVISORY")]
    na = [(reqs.resources[i].name, n.policy_name, n.reason)
          for i, r in enumerate(ev.analyze_responses) for n in r.not_applicable]
    assert na == [("signing-key", "mini-kms-rotation", "asymmetric signing keys cannot be rotated automatically")]
    stack = [(d.policyName, d.urn, d.message) for d in ev.stack_response.diagnostics]
    assert stack == [("mini-residency",
                      urn("fixture", "quome:audit:AuditTrail$aws:s3/bucket:Bucket", "stray-bucket"),
                      "Resources stay in the stack's residency zone.\n"
                      "stray-bucket (in audit) deploys to us-east-1; allowed: eu-central-1")]
    assert ev.policy_config["mini-log-retention"] == ResolvedPolicyConfig("mandatory", {"minimumRetentionDays": 365})


def test_subprocess_and_in_process_agree_on_the_fixture():
    reqs = build_requests(fixture_plan(), CONTEXT)
    with AnalyzerSession(MINI_PACK, CONTEXT) as session:
        over_grpc = evaluate(session, reqs, defaults, "1.2.3")
    with InProcessAnalyzer(MINI_PACK, CONTEXT) as local:
        in_process = evaluate(local, reqs, defaults, "1.2.3")
    assert _as_dicts(over_grpc) == _as_dicts(in_process)
    assert over_grpc.pack == in_process.pack
    assert build_result(over_grpc).to_dict() == build_result(in_process).to_dict()


def test_a_prepared_pack_starts_and_configures_itself_while_the_caller_works():
    reqs = build_requests(fixture_plan(), CONTEXT)
    resolved = []

    def resolve(pack):
        resolved.append(pack.name)
        return defaults(pack)

    with PreparedPack(MINI_PACK, CONTEXT, resolve) as pack:
        # The pack answers GetAnalyzerInfo and is configured with nobody waiting for it.
        configured = threading.Event()
        _wait_for(lambda: resolved, configured)
        assert resolved == ["mini-hipaa"]
        evaluation = pack.evaluate(reqs)
        pid = pack.session.pid
        assert _alive(pid)
    assert not _alive(pid)
    assert resolved == ["mini-hipaa"]
    with AnalyzerSession(MINI_PACK, CONTEXT) as session:
        sequential = evaluate(session, reqs, defaults, read_pack_version(MINI_PACK))
    assert _as_dicts(evaluation) == _as_dicts(sequential)
    assert build_result(evaluation).to_dict() == build_result(sequential).to_dict()


def test_a_prepared_pack_is_stopped_when_planning_fails(monkeypatch):
    closed = []
    close = AnalyzerSession.close

    def recording_close(session):
        closed.append(session.pid)
        close(session)

    monkeypatch.setattr(AnalyzerSession, "close", recording_close)
    with pytest.raises(RuntimeError, match="program failed"):
        with PreparedPack(MINI_PACK, CONTEXT, defaults):
            raise RuntimeError("program failed")
    # Closing waited for the start that was still under way, then stopped the process it started.
    (pid,) = closed
    assert pid is not None and not _alive(pid)


def test_a_prepared_pack_still_starting_when_planning_fails_is_stopped_not_waited_for(tmp_path, monkeypatch):
    pack_dir = write_pack(tmp_path, "import sys, time\nprint('starting', file=sys.stderr, flush=True)\n"
                                    "time.sleep(120)\n")
    printed = threading.Event()
    start = AnalyzerSession.start

    def start_then_signal(session):
        # Planning fails only once the pack is really under way (its first stderr line is in).
        threading.Thread(target=lambda: _wait_for(lambda: session.stderr_text(), printed), daemon=True).start()
        start(session)

    monkeypatch.setattr(AnalyzerSession, "start", start_then_signal)
    with pytest.raises(RuntimeError, match="program failed"):
        with PreparedPack(pack_dir, CONTEXT, defaults) as prepared:
            assert printed.wait(30)
            raise RuntimeError("program failed")
    # The start was cut short (the process was stopped), not left to its 60-second port timeout.
    with pytest.raises(AnalyzerError, match=r"exited with status -15 before reporting its gRPC port"):
        prepared._ready.result(timeout=0)
    assert prepared.session.pid is None


def _wait_for(probe, event, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not probe():
        time.sleep(0.01)
    event.set()


def test_a_prepared_pack_reports_what_configuring_it_raised():
    def refuse(pack):
        raise ValueError("stacks/policy.fixture.json: mini-residency: allowedRegions: required")

    with PreparedPack(MINI_PACK, CONTEXT, refuse) as pack:
        with pytest.raises(ValueError, match="allowedRegions: required"):
            pack.evaluate(build_requests(fixture_plan(), CONTEXT))


def test_a_prepared_pack_refuses_another_stacks_requests():
    other = StackContext(project="quome-platform", stack="other", config=dict(CONTEXT.config))
    with PreparedPack(MINI_PACK, CONTEXT, defaults) as pack:
        with pytest.raises(AnalyzerError, match="configured for stack 'fixture'.*plan's stack 'other'"):
            pack.evaluate(build_requests(fixture_plan("other"), other))


def test_subprocess_and_in_process_agree_at_300_resources():
    plan = synthetic_plan(300)
    reqs = build_requests(plan, CONTEXT)
    results = {mode: build_result(run_pack(MINI_PACK, reqs, defaults, in_process=mode)).to_dict()
               for mode in (False, True)}
    assert results[False] == results[True]
    orgs = {r["name"] for r in plan["resources"] if r["type"] == "quome:audit:AuditTrail"}
    assert results[True]["resources"] == 301  # plus the root stack
    # Expected outcomes straight from synthetic_plan's construction rules.
    logs = [r for r in plan["resources"] if r["type"] == "aws:cloudwatch/logGroup:LogGroup"]
    keys = [r for r in plan["resources"] if r["type"] == "aws:kms/key:Key"]
    short = sum(1 for r in logs if r["inputs"]["retentionInDays"] == 30)
    signing = sum(1 for r in keys if r["inputs"].get("keyUsage") == "SIGN_VERIFY")
    unrotated = sum(1 for r in keys if r["inputs"].get("enableKeyRotation") is False)
    assert results[True]["summary"] == {"mandatory": short, "advisory": unrotated}
    assert len(results[True]["not_applicable"]) == signing
    assert (len(orgs), short, signing, unrotated) == (75, 8, 11, 13)


def test_in_process_twin_leaves_the_process_as_it_found_it():
    import pulumi.runtime.config as runtime_config
    import contextvars

    before = {k: os.environ.get(k) for k in ("PULUMI_CONFIG", "PULUMI_STACK", "PULUMI_PROJECT", "PULUMI_DRY_RUN")}
    reqs = build_requests(fixture_plan(), CONTEXT)
    with InProcessAnalyzer(MINI_PACK, CONTEXT) as local:
        assert os.environ["PULUMI_STACK"] == "fixture"
        ev = evaluate(local, reqs, defaults)
    # The residency policy judged default-bucket against aws:region from PULUMI_CONFIG.
    assert not any("default-bucket" in d.message for d in ev.stack_response.diagnostics)
    assert {k: os.environ.get(k) for k in before} == before
    assert "aws:region" not in contextvars.Context().run(runtime_config.CONFIG.get)


def test_config_reaches_the_pack_over_grpc():
    reqs = build_requests(fixture_plan(), CONTEXT)

    def strict(pack):
        return resolve_policy_config({"mini-log-retention": {"minimumRetentionDays": 500},
                                      "mini-residency": {"allowedRegions": ["eu-central-1", "us-east-1"]},
                                      "mini-kms-rotation": "disabled"}, pack)

    with AnalyzerSession(MINI_PACK, CONTEXT) as session:
        ev = evaluate(session, reqs, strict, "1.2.3")
    msgs = sorted(d.message.splitlines()[-1] for r in ev.analyze_responses for d in r.diagnostics)
    assert msgs == ["retentionInDays is 30; at least 500 days required",
                    "retentionInDays is 400; at least 500 days required"]
    assert list(ev.stack_response.diagnostics) == []
    # A disabled policy is not run, so it reports nothing, not even not-applicable.
    assert [n for r in ev.analyze_responses for n in r.not_applicable] == []


def test_stack_tags_reach_the_pack():
    reqs = build_requests(fixture_plan(), StackContext(project="quome-platform", stack="fixture",
                                                       config={"aws:region": "eu-central-1"}))
    with AnalyzerSession(MINI_PACK, reqs.context) as session:
        ev = evaluate(session, reqs, defaults)
    assert [(d.urn, d.message.splitlines()[-1]) for d in ev.stack_response.diagnostics][-1] == (
        "", "stack has no quome:environment tag")


# ---------------------------------------------------------------------------------------------
# Failure modes: each one a clear AnalyzerError, never a hang or a stray process.


def test_pack_that_crashes_at_import_reports_its_stderr(tmp_path):
    pack = write_pack(tmp_path, "import tmp_policies_missing\n")
    with pytest.raises(AnalyzerError) as err:
        with AnalyzerSession(pack, CONTEXT, startup_timeout=30):
            pass
    text = str(err.value)
    assert text.startswith(f"policy pack {pack} exited with status 1 before reporting its gRPC port")
    assert "--- policy pack stderr (last lines) ---" in text
    assert "No module named 'tmp_policies_missing'" in text


def test_pack_that_prints_before_its_port_is_named(tmp_path):
    pack = write_pack(tmp_path, """
        print("hello from the pack")
        import tmp_policies
        from pulumi_policy import PolicyPack
        PolicyPack("tmp", tmp_policies.POLICIES)
    """, package="""
        from pulumi_policy import ResourceValidationPolicy
        POLICIES = [ResourceValidationPolicy("p", "d", validate=lambda a, r: None)]
    """)
    with pytest.raises(AnalyzerError) as err:
        with AnalyzerSession(pack, CONTEXT):
            pass
    assert str(err.value).startswith(f"policy pack {pack} printed 'hello from the pack' instead of its gRPC port")


def test_pack_that_never_reports_a_port_times_out_and_is_killed(tmp_path):
    pack = write_pack(tmp_path, "import sys, time\nprint('starting', file=sys.stderr, flush=True)\ntime.sleep(60)\n")
    session = AnalyzerSession(pack, CONTEXT, startup_timeout=1.5)
    with pytest.raises(AnalyzerError) as err:
        with session:
            pass
    assert str(err.value).startswith(f"policy pack {pack} did not report its gRPC port within 1.5s")
    assert "starting" in str(err.value)
    assert session.pid is None  # closed: the process was terminated and reaped


def test_not_a_pack_directory(tmp_path):
    with pytest.raises(AnalyzerError, match="no PulumiPolicy.yaml; not a policy pack directory"):
        with AnalyzerSession(tmp_path, CONTEXT):
            pass
    with pytest.raises(AnalyzerError, match=r"PulumiPolicy.yaml: not found; is .* a policy pack\?"):
        read_pack_version(tmp_path)


RAISING_PACK = ("""
    import tmp_policies
    from pulumi_policy import PolicyPack
    PolicyPack("raising", tmp_policies.POLICIES)
""", """
    from pulumi_policy import ResourceValidationPolicy

    def validate(args, report):
        if args.resource_type == "aws:kms/key:Key":
            raise KeyError("enableKeyRotation")

    POLICIES = [ResourceValidationPolicy("raises", "A policy with a bug.", validate=validate)]
""")


@pytest.mark.parametrize("in_process", [False, True])
def test_a_policy_that_raises_names_the_resource(tmp_path, in_process):
    pack = write_pack(tmp_path, *RAISING_PACK)
    plan = {"project": "quome-platform", "stack": "s", "resources": [
        resource("s", "aws:kms/key:Key", "k", {})]}
    reqs = build_requests(plan, StackContext(project="quome-platform", stack="s"))
    with pytest.raises(AnalyzerError) as err:
        run_pack(pack, reqs, defaults, in_process=in_process)
    text = str(err.value)
    assert text.startswith("policy pack Analyze for urn:pulumi:s::quome-platform::aws:kms/key:Key::k failed: ")
    assert "enableKeyRotation" in text


REMEDIATING_PACK = ("""
    import tmp_policies
    from pulumi_policy import PolicyPack, EnforcementLevel
    PolicyPack("remediating", tmp_policies.POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
""", """
    from pulumi_policy import ResourceValidationPolicy

    def fix(args, report):
        if args.resource_type == "aws:kms/key:Key" and not args.props.get("enableKeyRotation"):
            report("rotation off")
            return {**args.props, "enableKeyRotation": True}

    def needs(args, report):
        if args.resource_type == "aws:kms/key:Key" and args.props.get("enableKeyRotation") is not True:
            report("still not rotating")

    POLICIES = [ResourceValidationPolicy("fix-rotation", "Turn rotation on.", validate_remediate=fix),
                ResourceValidationPolicy("needs-rotation", "Keys rotate.", validate=needs)]
""")


@pytest.mark.parametrize("in_process", [False, True])
def test_remediate_level_rewrites_inputs_before_analysis(tmp_path, in_process):
    pack = write_pack(tmp_path, *REMEDIATING_PACK)
    plan = {"project": "quome-platform", "stack": "s", "resources": [
        resource("s", "aws:kms/key:Key", "k", {"description": "x"}),
        resource("s", "aws:kms/key:Key", "ok", {"enableKeyRotation": True})]}
    reqs = build_requests(plan, StackContext(project="quome-platform", stack="s"))

    ev = run_pack(pack, reqs, lambda p: resolve_policy_config({"fix-rotation": "remediate"}, p),
                  in_process=in_process)
    assert [(r.policy, r.urn, dict(r.properties)) for r in ev.remediations] == [
        (
            "fix-rotation",
            "urn:pulumi:s::quome-platform::aws:kms/key:Key::k",
            {"description": "x", "enableKeyRotation": True},
        )
    ]
    assert [list(r.diagnostics) for r in ev.analyze_responses] == [[], [], []]
    stack_props = {
        r.name: json_format.MessageToDict(r.properties)
        for r in reqs.stack_request(ev.analyze_requests).resources
    }
    assert stack_props["k"] == {"description": "x", "enableKeyRotation": True}

    # Without the remediate level nothing is rewritten and both policies report the key.
    ev = run_pack(pack, reqs, lambda p: resolve_policy_config(None, p), in_process=in_process)
    assert ev.remediations == ()
    assert sorted(d.policyName for r in ev.analyze_responses for d in r.diagnostics) == [
        "fix-rotation", "needs-rotation"]


def test_load_pack_servicer_needs_a_policy_pack(tmp_path):
    pack = write_pack(tmp_path, "x = 1\n")
    with pytest.raises(AnalyzerError, match="__main__.py did not construct a PolicyPack"):
        load_pack_servicer(pack)


def test_configure_request_carries_levels_and_properties():
    req = configure_request({"a": ResolvedPolicyConfig("remediate", {"n": 3, "l": ["x"]}),
                             "b": ResolvedPolicyConfig("disabled", {})})
    assert req.policyConfig["a"].enforcementLevel == proto.REMEDIATE
    assert json_format.MessageToDict(req.policyConfig["a"].properties) == {"n": 3.0, "l": ["x"]}
    assert req.policyConfig["b"].enforcementLevel == proto.DISABLED


@pytest.mark.parametrize("in_process", [False, True])
def test_only_the_stacks_config_reaches_the_pack(monkeypatch, in_process):
    # A PULUMI_CONFIG in quome's own environment must not leak into the pack's view of the stack.
    monkeypatch.setenv("PULUMI_CONFIG", '{"aws:region": "us-east-1"}')
    context = StackContext(project="quome-platform", stack="fixture", tags={"quome:environment": "t"})
    ev = run_pack(MINI_PACK, build_requests(fixture_plan(), context), defaults, in_process=in_process)
    messages = [d.message.splitlines()[-1] for d in ev.stack_response.diagnostics]
    assert "default-bucket deploys to None; allowed: eu-central-1" in messages
    assert os.environ["PULUMI_CONFIG"] == '{"aws:region": "us-east-1"}'


def test_time_backends_reports_both_paths():
    reqs = build_requests(synthetic_plan(40), CONTEXT)
    timing = time_backends(MINI_PACK, reqs, defaults, repeat=1)
    assert timing["resources"] == 41
    for label in ("subprocess", "in_process"):
        assert set(timing[label]) == {"start_s", "evaluate_s", "total_s"}
        assert 0 <= timing[label]["start_s"] <= timing[label]["total_s"]
    # The subprocess pays for a Python start and gRPC; in-process does not.
    assert timing["subprocess"]["start_s"] > timing["in_process"]["start_s"]


def test_a_chatty_pack_cannot_block_on_a_full_pipe(tmp_path):
    # 20 resources x 100 KB of stdout each is far past a pipe's 64 KB buffer.
    pack = write_pack(tmp_path, """
        import tmp_policies
        from pulumi_policy import PolicyPack
        PolicyPack("chatty", tmp_policies.POLICIES)
    """, package="""
        import sys
        from pulumi_policy import ResourceValidationPolicy

        def validate(args, report):
            print("x" * 100_000)
            sys.stderr.write("y" * 100_000 + "\\n")

        POLICIES = [ResourceValidationPolicy("chatty", "Prints a lot.", validate=validate)]
    """)
    plan = {"project": "quome-platform", "stack": "s",
            "resources": [resource("s", "aws:s3/bucket:Bucket", f"b{i}", {}) for i in range(20)]}
    reqs = build_requests(plan, StackContext(project="quome-platform", stack="s"))
    with AnalyzerSession(pack, reqs.context, rpc_timeout=30) as session:
        ev = evaluate(session, reqs, defaults)
    assert len(ev.analyze_responses) == 21
    assert all(list(r.diagnostics) == [] for r in ev.analyze_responses)
