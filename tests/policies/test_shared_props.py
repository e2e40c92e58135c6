"""Sharing one property view among policies changes how often the SDK rebuilds it, never the result."""

from __future__ import annotations

import threading

import pytest
from pulumi_policy import policy as sdk_policy

from hipaa_pack import shared_props
from google.protobuf import struct_pb2

from hipaa_pack.shared_props import IdentityMemo, MessageContentMemo, share_per_request
from quome.analyzer import build_requests
from quome.check import check_plan, stack_context
from quome.plan import PROJECT_ROOT, plan_stack, stack_names

PACK = PROJECT_ROOT / "policies" / "hipaa"


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


def _struct(**fields):
    message = struct_pb2.Struct()
    message.update(fields)
    return message


def test_content_memo_gives_equal_messages_the_same_result_and_others_their_own():
    calls = []
    memo = MessageContentMemo(lambda message: calls.append(message) or dict(message))
    first = _struct(b=2, a=1)
    equal = _struct(a=1, b=2)  # same content, keys set in another order
    other = _struct(a=1, b=3)
    assert memo(first) is memo(equal), "deterministic serialization orders map keys"
    assert memo(other) == {"a": 1, "b": 3} and memo(other) is not memo(first)
    assert calls == [first, other]
    assert memo.content_hits == 1 and memo.misses == 3


def test_content_memo_tells_message_types_apart():
    memo = MessageContentMemo(lambda message: type(message).__name__)
    assert memo(struct_pb2.Struct()) == "Struct"
    assert memo(struct_pb2.ListValue()) == "ListValue", "both serialize to no bytes"


def test_content_memo_memoizes_other_objects_by_identity_only():
    memo = MessageContentMemo(lambda value: [value["a"]])
    first, second = {"a": 1}, {"a": 1}
    assert memo(first) is memo(first)
    assert memo(second) is not memo(first)
    assert memo.content_hits == 0


def test_a_shared_method_runs_once_per_request_object():
    calls = []

    class Servicer:
        def helper(self, request):
            calls.append(request)
            return [request]

    memo = IdentityMemo(None)
    Servicer.helper = share_per_request(Servicer.__dict__["helper"], memo)
    request, twin = object(), object()
    first, second = Servicer(), Servicer()
    assert first.helper(request) is second.helper(request)
    assert first.helper(twin) == [twin]
    assert calls == [request, twin]


def test_installed_when_the_pack_is_imported():
    assert shared_props.MEMOS, "hipaa_pack installs the shared views on import"
    assert sdk_policy.deserialize_properties is shared_props.MEMOS["deserialize_properties"]
    assert sdk_policy.json_format.MessageToDict is shared_props.MEMOS["MessageToDict"]
    assert sdk_policy.json_format.Parse is not None, "the rest of json_format is still reachable"
    for name in (*shared_props.REQUEST_HELPERS, shared_props.RUN_START):
        helper = getattr(sdk_policy._PolicyAnalyzerServicer, name)
        assert helper.__wrapped__ is shared_props._ORIGINALS[name]


def test_configure_starts_a_run_with_no_views_kept_from_the_last_one():
    from pulumi.runtime import proto

    from quome.analyzer import load_pack_servicer

    memo = shared_props.MEMOS["MessageToDict"]
    kept = _struct(a=1)
    view = memo(kept)
    assert memo(kept) is view
    servicer = load_pack_servicer(PACK)
    servicer.Configure(proto.ConfigureAnalyzerRequest(), None)
    hits = memo.content_hits
    assert memo(kept) is not view and memo(kept) == view
    assert memo.content_hits == hits, "the content cache was emptied too"


@pytest.fixture()
def sdk_speed():
    """Run a block with the SDK's own functions, then put the shared views back."""
    shared_props.uninstall()
    try:
        yield
    finally:
        shared_props.install()


@pytest.mark.parametrize("stack", stack_names())
def test_whole_pack_results_are_identical_with_and_without_shared_views(sdk_speed, stack):
    plan = plan_stack(stack)
    original = sdk_policy.deserialize_properties
    without = check_plan(plan, in_process=True).to_dict()
    assert sdk_policy.deserialize_properties is original, "the run without shared views really used the SDK's own"
    assert not hasattr(sdk_policy._PolicyAnalyzerServicer._get_resource_options, "__wrapped__")
    shared_props.install()
    with_shared = check_plan(plan, in_process=True).to_dict()
    assert with_shared == without
    assert len(build_requests(plan, stack_context(plan)).analyze) == without["resources"]
    assert shared_props.MEMOS["deserialize_properties"].misses > 0
    # AnalyzeStack's copies of the properties were recognised by content, not converted again.
    assert shared_props.MEMOS["MessageToDict"].content_hits >= without["resources"] - 1
