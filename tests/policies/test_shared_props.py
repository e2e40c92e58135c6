"""Sharing one property view among policies changes how often the SDK rebuilds it, never the result."""

from __future__ import annotations

import threading

import pytest
from pulumi_policy import policy as sdk_policy

from hipaa_pack import shared_props
from hipaa_pack.shared_props import IdentityMemo
from quome.analyzer import build_requests
from quome.check import check_plan, stack_context
from quome.plan import plan_stack


def test_memo_returns_the_first_result_for_the_same_object_and_recomputes_for_another():
    calls = []
    memo = IdentityMemo(lambda value: calls.append(value) or [value["a"]])
    first, second = {"a": 1}, {"a": 1}
    assert memo(first) is memo(first)
    assert memo(second) == [1] and memo(second) is not memo(first)
    assert calls == [first, second]
    assert memo.misses == 2


def test_memo_passes_other_call_shapes_through_unmemoized():
    memo = IdentityMemo(lambda *args, **kwargs: (args, kwargs))
    assert memo(1, 2) == ((1, 2), {})
    assert memo(1, flag=True) == ((1,), {"flag": True})
    assert memo.misses == 0


def test_memo_starts_over_at_its_bound_instead_of_growing():
    memo = IdentityMemo(lambda value: object(), entries=3)
    kept = [object() for _ in range(4)]
    for value in kept:
        memo(value)
    assert len(memo._cache) == 1  # the fourth entry started a new cache
    assert memo(kept[0]) is not None and memo.misses == 5


def test_memo_is_safe_under_concurrent_calls():
    memo = IdentityMemo(lambda value: ("view", id(value)))
    values = [object() for _ in range(200)]
    results: list[list] = [[] for _ in range(4)]

    def worker(out):
        out.extend(memo(v) for v in values)

    threads = [threading.Thread(target=worker, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [("view", id(v)) for v in values]
    assert all(out == expected for out in results)


def test_installed_when_the_pack_is_imported():
    assert shared_props.MEMOS, "hipaa_pack installs the shared views on import"
    assert sdk_policy.deserialize_properties is shared_props.MEMOS["deserialize_properties"]
    assert sdk_policy.json_format.MessageToDict is shared_props.MEMOS["MessageToDict"]
    assert sdk_policy.json_format.Parse is not None, "the rest of json_format is still reachable"


@pytest.fixture()
def sdk_speed():
    """Run a block with the SDK's own functions, then put the shared views back."""
    shared_props.uninstall()
    try:
        yield
    finally:
        shared_props.install()


def test_whole_pack_results_are_identical_with_and_without_shared_views(sdk_speed):
    plan = plan_stack("dev")
    original = sdk_policy.deserialize_properties
    without = check_plan(plan, in_process=True).to_dict()
    assert sdk_policy.deserialize_properties is original, "the run without shared views really used the SDK's own"
    shared_props.install()
    with_shared = check_plan(plan, in_process=True).to_dict()
    assert with_shared == without
    assert len(build_requests(plan, stack_context(plan)).analyze) == without["resources"]
    assert shared_props.MEMOS["deserialize_properties"].misses > 0
