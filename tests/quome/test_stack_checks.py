"""The platform's own stacks through the real pack: zero mandatory violations, explained advisories,
and the CLI's path (subprocess + gRPC) agreeing with an in-process run of the same policies."""

from __future__ import annotations

import pytest

from quome.check import check_plan
from quome.plan import plan_stack, stack_names
from quome.report import render_text

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
