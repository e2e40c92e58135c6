"""One read-only view of a resource's properties, shared by every policy that looks at it.

pulumi-policy 1.x's analyzer rebuilds a resource's properties for each policy separately: protobuf
Struct -> dict (json_format.MessageToDict), deserialization of secrets and assets, then the
unknown-checking proxy, and the same again for the resource's provider. With 80 policies that is
80 rebuilds per resource, and AnalyzeStack repeats it for every resource once per stack policy. On
the dev stack grown to 40 organizations (1,900 resources) those rebuilds were 95% of the check
(33 s of 35 s in-process); the policies themselves took under a second.

The three steps are pure functions of the message they start from, so this module memoizes each by
the identity of its argument: the request's property message is the same Python object for every
policy of one call (upb keeps one wrapper per sub-message), so the first policy builds the view
and the others reuse it. Entries keep a strong reference to their argument, so an id can never be
reused for a different object while it is cached. The pack's checks only read properties (nothing
in the pack assigns into `args.props`), which is what makes sharing the view safe; the pack's
tests compare whole analyzer responses with and without this module.

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
        cached = self._cache.get(id(argument))
        if cached is not None and cached[0] is argument:
            return cached[1]
        value = self.function(argument)
        with self._lock:
            self.misses += 1
            if len(self._cache) >= self.entries:
                self._cache = {}
            self._cache[id(argument)] = (argument, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._cache = {}


class _JsonFormatWithSharedDicts(ModuleType):
    """Stands in for `json_format` inside pulumi_policy.policy; only MessageToDict is memoized."""

    def __init__(self, message_to_dict: IdentityMemo):
        super().__init__("json_format")
        self.MessageToDict = message_to_dict

    def __getattr__(self, name: str) -> Any:
        return getattr(_json_format, name)


_ORIGINALS: dict[str, Any] = {}
MEMOS: dict[str, IdentityMemo] = {}


def install() -> bool:
    """Share property views inside pulumi_policy's analyzer; True when installed (idempotent)."""
    if MEMOS:
        return True
    names = ("json_format", "deserialize_properties", "unknown_checking_proxy")
    if not all(hasattr(_policy, name) for name in names):
        return False
    _ORIGINALS.update({name: getattr(_policy, name) for name in names})
    MEMOS["MessageToDict"] = IdentityMemo(_json_format.MessageToDict)
    MEMOS["deserialize_properties"] = IdentityMemo(_ORIGINALS["deserialize_properties"])
    MEMOS["unknown_checking_proxy"] = IdentityMemo(_ORIGINALS["unknown_checking_proxy"])
    _policy.json_format = _JsonFormatWithSharedDicts(MEMOS["MessageToDict"])
    _policy.deserialize_properties = MEMOS["deserialize_properties"]
    _policy.unknown_checking_proxy = MEMOS["unknown_checking_proxy"]
    return True


def uninstall() -> None:
    """Restore the SDK's own functions (tests compare results both ways)."""
    for name, original in _ORIGINALS.items():
        setattr(_policy, name, original)
    _ORIGINALS.clear()
    MEMOS.clear()
