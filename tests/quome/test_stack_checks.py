"""The platform's own stacks through the real pack: zero mandatory violations, explained advisories,
and the CLI's path (subprocess + gRPC) agreeing with an in-process run of the same policies."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from quome.check import check_plan, check_stack
from quome.plan import plan_stack, stack_names
from quome.report import render_junit, render_text

STACKS = stack_names()


def test_the_three_platform_stacks_are_checked():
    assert STACKS == ["dev", "eu-prod", "us-prod"]


@pytest.fixture(scope="module", params=STACKS)
def checked(request):
    plan = plan_stack(request.param)
    return plan, check_plan(plan), check_plan(plan, in_process=True)


def test_subprocess_and_in_process_runs_agree(checked):
    _, over_grpc, in_process = checked
    assert over_grpc.to_dict() == in_process.to_dict()


def test_checking_the_stack_while_planning_it_gives_the_saved_plans_result(checked):
    """`quome check --stack` (pack started beside the program) and `quome check --plan` agree, although
    the program registers its resources in a different order each run."""
    _, from_plan, _ = checked
    assert check_stack(from_plan.stack).to_dict() == from_plan.to_dict()


def test_a_stack_policys_notes_reach_the_resources_they_name(checked):
    _, result, _ = checked
    stack_policies = {name for name, info in result.policies.items() if info.kind == "stack"}
    notes = [n for n in result.not_applicable if n.policy in stack_policies and n.urn != result.stack_urn]
    # Every stack has EKS add-ons other than the VPC CNI, which k8s-netpol-enforcement leaves out.
    assert any(n.policy == "k8s-netpol-enforcement" and n.type == "aws:eks/addon:Addon" for n in notes)
    assert all(n.urn in result.resources and "urn:pulumi:" not in n.reason for n in notes)
    suites = {s.get("name"): s for s in ET.fromstring(render_junit(result)).findall("testsuite")}
    for note in notes:
        (case,) = [c for c in suites[note.policy].findall("testcase") if c.get("name") == note.urn]
        failed = any(v.policy == note.policy and v.urn == note.urn for v in result.violations)
        # A case has one outcome: skipped, unless the policy also failed the resource (the note rides along).
        outcome = case.find("failure" if failed else "skipped")
        assert f"not applicable: {note.reason}" in (outcome.text or "") + outcome.get("message")


def test_every_policy_ran_on_every_resource(checked):
    plan, result, _ = checked
    report = result.to_dict()
    assert report["policies"] == 80
    # The analyzed resources are the plan's plus the root stack, which the engine also sends.
    assert report["resources"] == len(plan["resources"]) + 1


def test_no_mandatory_violation(checked):
    _, result, _ = checked
    mandatory = [(v.policy, v.name, v.message) for v in result.violations if v.enforcement == "mandatory"]
    assert mandatory == []
    assert result.exit_code == 0


def test_every_advisory_violation_is_explained_by_the_stacks_policy_config(checked):
    _, result, _ = checked
    text = render_text(result)
    for violation in (v for v in result.violations if v.enforcement == "advisory"):
        pack_level = result.policies[violation.policy].enforcement
        assert pack_level == "mandatory", f"{violation.policy} is advisory in the pack itself"
        assert result.levels[violation.policy] == "advisory"
        assert (f"advisory in this stack: set by its policy config (stacks/policy.{result.stack}.json); "
                f"the pack's level is mandatory") in text
        assert violation.message.splitlines()[-1] in text


def test_prod_stacks_have_no_advisory_violation_either(checked):
    _, result, _ = checked
    if result.stack.endswith("prod"):
        assert result.violations == []
