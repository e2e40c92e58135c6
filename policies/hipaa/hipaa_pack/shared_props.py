"""One read-only view of a resource's properties and options, shared by every policy that looks at it.

pulumi-policy 1.x's analyzer rebuilds a resource's view for each policy separately: protobuf Struct ->
dict (json_format.MessageToDict), deserialization of secrets and assets, the unknown-checking proxy,
the resource options and the provider (its properties converted the same way). With 80 policies that
is 80 rebuilds per resource, and AnalyzeStack repeats it for every resource once per stack policy. On
the dev stack grown to 40 organizations (1,900 resources) those rebuilds were 95% of the check
(33 s of 35 s in-process); the policies themselves took under a second.

Every step is a pure function of the message it starts from, so this module memoizes each one:

* by the identity of its argument: the request (or its property message) is the same Python object
  for every policy of one call, because upb keeps one wrapper per live sub-message and the memo keeps
  it alive. The first policy builds the view and the others reuse it. Entries hold a strong reference
  to their argument, so an id can never be reused for a different object while it is cached;
* MessageToDict also by content: AnalyzeStack carries every resource's properties again, in new
  messages, after Analyze already converted them one by one. Equal bytes (deterministic
  serialization, which orders map keys) give the same dict, so the later views are hits too.

What makes sharing safe: the pack's checks only read properties, options and config (nothing in the
pack assigns into `args.props`, `args.opts` or a config value; the SDK's shallow copy of a policy's
config is all that separates policies whose config is equal), and a request is never changed after
it was analyzed (a driver sends a new one; quome's remediation path copies the request). The pack's
tests compare whole analyzer responses with and without this module on every platform stack.

Views live for one configured run: Configure, which a driver calls once before it analyzes a stack,
empties every memo, so a long-lived servicer (the in-process twin, a test run) holds one stack's
views at a time.

It changes how often the SDK's functions run, never what they return. If a future pulumi-policy
renames them, `install()` leaves the SDK untouched and the pack runs at the SDK's own speed.
"""
from __future__ import annotations

import threading
from types import ModuleType
from typing import Any, Callable

from google.protobuf import json_format as _json_format
from pulumi_policy import policy as _policy

# Large enough for AnalyzeStack's pass over every resource of a big stack (it walks all resources
# once per stack policy); each entry is a view the request already implies, so memory stays modest.
CACHE_ENTRIES = 50_000
# The servicer's per-request helpers: each reads only its `request` argument (never the servicer's
# state), so one result serves every policy and every servicer.
REQUEST_HELPERS = ("_get_resource_options", "_get_provider_resource")
# The gRPC method that starts a run (see the module docstring).
RUN_START = "Configure"
_MISSING = object()


class IdentityMemo:
    """Memoize a one-argument function by the identity of its argument (thread-safe, bounded).

    The hit path takes no lock: a dict lookup is atomic, and an entry is only ever replaced whole.
    When the bound is reached the cache starts over, which costs a rebuild, never a wrong answer.
    """

    def __init__(self, function: Callable[[Any], Any], entries: int = CACHE_ENTRIES):
        self.function = function
        self.entries = entries
        self.misses = 0
        self._cache: dict[int, tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != 1:
            return self.function(*args, **kwargs)
        argument = args[0]
        value = self.cached(argument)
        if value is _MISSING:
            value = self.store(argument, self.build(argument))
        return value

    def cached(self, argument: Any) -> Any:
        """The value kept for this very object, else _MISSING."""
        cached = self._cache.get(id(argument))
        if cached is not None and cached[0] is argument:
            return cached[1]
        return _MISSING

    def store(self, argument: Any, value: Any) -> Any:
        with self._lock:
            self.misses += 1
            if len(self._cache) >= self.entries:
                self._cache = {}
            self._cache[id(argument)] = (argument, value)
        return value

    def build(self, argument: Any) -> Any:
        return self.function(argument)

    def clear(self) -> None:
        with self._lock:
            self._cache = {}


class MessageContentMemo(IdentityMemo):
    """IdentityMemo for a pure function of a protobuf message, that also shares results by content.

    Two messages with the same type and the same deterministic serialization get the same result
    object. Arguments that are not messages are memoized by identity only.
    """

    def __init__(self, function: Callable[[Any], Any], entries: int = CACHE_ENTRIES):
        super().__init__(function, entries)
        self.content_hits = 0
        self._by_content: dict[tuple[str, bytes], Any] = {}

    def build(self, argument: Any) -> Any:
        descriptor = getattr(argument, "DESCRIPTOR", None)
        serialize = getattr(argument, "SerializeToString", None)
        if descriptor is None or serialize is None:
            return self.function(argument)
        key = (descriptor.full_name, serialize(deterministic=True))
        value = self._by_content.get(key, _MISSING)
        if value is not _MISSING:
            self.content_hits += 1
            return value
        value = self.function(argument)
        with self._lock:
            if len(self._by_content) >= self.entries:
                self._by_content = {}
            self._by_content[key] = value
        return value

    def clear(self) -> None:
        super().clear()
        with self._lock:
            self._by_content = {}


def share_per_request(method: Callable[[Any, Any], Any], memo: IdentityMemo) -> Callable[[Any, Any], Any]:
    """A servicer method `method(self, request)` whose result is kept per request object."""

    def shared(servicer: Any, request: Any) -> Any:
        value = memo.cached(request)
        if value is _MISSING:
            value = memo.store(request, method(servicer, request))
        return value

    shared.__name__ = getattr(method, "__name__", "shared")
    shared.__wrapped__ = method  # type: ignore[attr-defined]
    return shared


def forget_views_first(method: Callable[..., Any]) -> Callable[..., Any]:
    """A servicer method that empties every memo before it runs."""

    def starting_a_run(servicer: Any, *args: Any, **kwargs: Any) -> Any:
        for memo in list(MEMOS.values()):
            memo.clear()
        return method(servicer, *args, **kwargs)

    starting_a_run.__name__ = getattr(method, "__name__", "starting_a_run")
    starting_a_run.__wrapped__ = method  # type: ignore[attr-defined]
    return starting_a_run


class _JsonFormatWithSharedDicts(ModuleType):
    """Stands in for `json_format` inside pulumi_policy.policy; only MessageToDict is memoized."""

    def __init__(self, message_to_dict: IdentityMemo):
        super().__init__("json_format")
        self.MessageToDict = message_to_dict

    def __getattr__(self, name: str) -> Any:
        return getattr(_json_format, name)


_FUNCTIONS = ("json_format", "deserialize_properties", "unknown_checking_proxy")
_ORIGINALS: dict[str, Any] = {}
MEMOS: dict[str, IdentityMemo] = {}


def install() -> bool:
    """Share views inside pulumi_policy's analyzer; True when installed (idempotent)."""
    if MEMOS:
        return True
    servicer = getattr(_policy, "_PolicyAnalyzerServicer", None)
    if not all(hasattr(_policy, name) for name in _FUNCTIONS) or servicer is None or not all(
            callable(servicer.__dict__.get(name)) for name in (*REQUEST_HELPERS, RUN_START)):
        return False
    _ORIGINALS.update({name: getattr(_policy, name) for name in _FUNCTIONS})
    _ORIGINALS.update({name: servicer.__dict__[name] for name in (*REQUEST_HELPERS, RUN_START)})
    MEMOS["MessageToDict"] = MessageContentMemo(_json_format.MessageToDict)
    MEMOS["deserialize_properties"] = IdentityMemo(_ORIGINALS["deserialize_properties"])
    MEMOS["unknown_checking_proxy"] = IdentityMemo(_ORIGINALS["unknown_checking_proxy"])
    _policy.json_format = _JsonFormatWithSharedDicts(MEMOS["MessageToDict"])
    _policy.deserialize_properties = MEMOS["deserialize_properties"]
    _policy.unknown_checking_proxy = MEMOS["unknown_checking_proxy"]
    for name in REQUEST_HELPERS:
        MEMOS[name] = IdentityMemo(_ORIGINALS[name])
        setattr(servicer, name, share_per_request(_ORIGINALS[name], MEMOS[name]))
    setattr(servicer, RUN_START, forget_views_first(_ORIGINALS[RUN_START]))
    return True


def uninstall() -> None:
    """Restore the SDK's own functions (tests compare results both ways)."""
    servicer = _policy._PolicyAnalyzerServicer  # pylint: disable=protected-access
    for name, original in _ORIGINALS.items():
        setattr(_policy if name in _FUNCTIONS else servicer, name, original)
    _ORIGINALS.clear()
    MEMOS.clear()
