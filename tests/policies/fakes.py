"""Build real pulumi-policy argument objects and run one policy the way the analyzer does.

    outcome = run(POLICY, resource_args("aws:kms/key:Key", {"enableKeyRotation": True}, name="audit"))
    assert outcome.violations == []

Properties go through the same path the servicer uses (protobuf Struct -> MessageToDict ->
deserialize_properties -> unknown_checking_proxy), so checks see what they see under the CLI:
camelCase keys, numbers as floats (365 arrives as 365.0), proxies instead of dict/list, and
UnknownValueError when they touch an unknown (put pulumi_policy.proxy.UNKNOWN_STRING_VALUE etc. in a
fixture to simulate preview).

Config: pass `config=resolved_config(POLICY, {...overrides})`, which fills schema defaults and
validates exactly like the CLI (pulumi/pulumi pkg/resource/analyzer/config.go,
ReconcilePolicyPackConfig). Omitting config sends {} (what a driver that skips reconciliation sends).
"""
from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import Any, Mapping, Optional, Sequence, Union

import jsonschema
from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from hipaa_pack import exemptions

STACK = "test"
PROJECT = "quome-platform"


def urn_for(resource_type: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{resource_type}::{name}"


def engine_props(props: Optional[Mapping[str, Any]]) -> Mapping[str, Any]:
    """`props` as a validator receives them from the analyzer (see the module docstring)."""
    struct = struct_pb2.Struct()
    struct.update(copy.deepcopy(dict(props or {})))
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def resource_options(protect: bool = False, parent: Optional[str] = None,
                     ignore_changes: Sequence[str] = (), aliases: Sequence[str] = (),
                     delete_before_replace: Optional[bool] = None,
                     additional_secret_outputs: Sequence[str] = ()) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, list(ignore_changes), delete_before_replace, list(aliases),
                                 PolicyCustomTimeouts(0, 0, 0), list(additional_secret_outputs), parent)


def resource_args(resource_type: str, props: Optional[Mapping[str, Any]] = None, name: str = "res",
                  urn: Optional[str] = None, opts: Optional[Mapping[str, Any]] = None,
                  provider_props: Optional[Mapping[str, Any]] = None,
                  config: Optional[Mapping[str, Any]] = None,
                  stack_tags: Optional[Mapping[str, str]] = None) -> ResourceValidationArgs:
    """A ResourceValidationArgs for one resource; `opts` holds resource_options() keywords
    (e.g. {"protect": True}); `provider_props` adds an aws provider with those properties."""
    provider = None
    if provider_props is not None:
        provider = PolicyProviderResource("pulumi:providers:aws", engine_props(provider_props),
                                          urn_for("pulumi:providers:aws", "default"), "default")
    return ResourceValidationArgs(resource_type, engine_props(props), urn or urn_for(resource_type, name), name,
                                  resource_options(**dict(opts or {})), provider, dict(config or {}),
                                  dict(stack_tags or {}))


Ref = Union[str, Sequence[str]]


@dataclass
class FakeResource:
    """One resource of a fake stack. parent, dependencies and property_dependencies refer to other
    fakes by name (or URN); props are the resource's outputs, in engine camelCase."""

    type: str
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)
    parent: Optional[str] = None
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Ref] = field(default_factory=dict)
    urn: Optional[str] = None
    protect: bool = False

    @property
    def resolved_urn(self) -> str:
        return self.urn or urn_for(self.type, self.name)


def stack_args(resources: Sequence[FakeResource], config: Optional[Mapping[str, Any]] = None,
               stack_tags: Optional[Mapping[str, str]] = None) -> StackValidationArgs:
    """StackValidationArgs whose PolicyResources are linked exactly as AnalyzeStack links them."""
    by_ref: dict[str, FakeResource] = {}
    for fake in resources:
        for ref in (fake.name, fake.resolved_urn):
            if ref in by_ref and by_ref[ref] is not fake:
                raise ValueError(f"two fake resources answer to {ref!r}; give them distinct names")
            by_ref[ref] = fake

    built: dict[int, PolicyResource] = {}
    for fake in resources:
        parent_urn = by_ref[fake.parent].resolved_urn if fake.parent else None
        built[id(fake)] = PolicyResource(fake.type, engine_props(fake.props), fake.resolved_urn, fake.name,
                                         resource_options(protect=fake.protect, parent=parent_urn),
                                         None, None, [], {})

    def lookup(owner: FakeResource, ref: str) -> PolicyResource:
        if ref not in by_ref:
            raise ValueError(f"fake {owner.name!r} refers to {ref!r}, which is not in the stack")
        return built[id(by_ref[ref])]

    for fake in resources:
        resource = built[id(fake)]
        if fake.parent:
            resource.parent = lookup(fake, fake.parent)
        resource.dependencies = [lookup(fake, ref) for ref in fake.dependencies]
        for prop, refs in fake.property_dependencies.items():
            refs = [refs] if isinstance(refs, str) else list(refs)
            resource.property_dependencies[prop] = [lookup(fake, ref) for ref in refs]
            # The engine also lists every property dependency among the plain dependencies.
            for dependency in resource.property_dependencies[prop]:
                if dependency not in resource.dependencies:
                    resource.dependencies.append(dependency)
    return StackValidationArgs([built[id(fake)] for fake in resources], dict(config or {}), dict(stack_tags or {}))


class PolicyConfigError(ValueError):
    """Config the Pulumi CLI would reject."""


def resolved_config(policy: Policy, overrides: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """The config the CLI would send for `policy`: schema defaults, overlaid with `overrides`
    (top-level keys replace, as in the CLI), validated against the policy's schema."""
    schema = policy.config_schema
    properties = schema.properties if schema is not None else {}
    config = {key: copy.deepcopy(prop["default"]) for key, prop in properties.items() if "default" in prop}
    config.update(copy.deepcopy(dict(overrides or {})))
    document_schema: dict[str, Any] = {"type": "object", "properties": properties}
    if schema is not None and schema.required:
        document_schema["required"] = schema.required
    errors = sorted(jsonschema.Draft7Validator(document_schema).iter_errors(config), key=lambda e: list(e.path))
    if errors:
        raise PolicyConfigError("; ".join(
            f"{policy.name}: {'.'.join(str(p) for p in e.path) or '(root)'}: {e.message}" for e in errors))
    return config


@dataclass
class Outcome:
    """What one policy run produced. violations hold the check's own messages (the analyzer prefixes
    the policy description, which tests do not need to repeat) and the URN each was reported on;
    for resource policies it is the analyzed resource's URN, which is where the engine files their
    diagnostics whatever URN the check passes."""

    violations: list[tuple[str, Optional[str]]] = field(default_factory=list)
    not_applicable: Optional[str] = None
    unknown: Optional[str] = None  # the "can't run during preview" reason, if an unknown was read

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.violations]

    @property
    def not_applicable_to(self) -> dict[str, str]:
        """A stack policy's per-resource notes by resource name: the factory writes one line per
        resource, `<urn>: <reason>` (test_factory pins that format)."""
        notes: dict[str, str] = {}
        for line in (self.not_applicable or "").split("\n"):
            urn, sep, reason = line.partition(": ")  # fake names hold no ": "
            if not urn.startswith("urn:pulumi:") or not sep:
                raise AssertionError(f"not a per-resource note: {line!r}")
            name = urn.rsplit("::", 1)[1]
            if name in notes:
                raise AssertionError(f"two notes for resources named {name!r}: {notes[name]!r} and {reason!r}")
            notes[name] = reason
        return notes


def run(policy: Policy, args: Union[ResourceValidationArgs, StackValidationArgs],
        today: Optional[datetime.date] = None) -> Outcome:
    """Call policy.validate like _PolicyAnalyzerServicer does: collect report_violation calls, turn
    args.not_applicable() into Outcome.not_applicable and an unknown value into Outcome.unknown.
    `today` pins the date exemptions are judged against."""
    outcome = Outcome()
    is_resource = isinstance(policy, ResourceValidationPolicy)
    if is_resource != isinstance(args, ResourceValidationArgs):
        raise TypeError(f"{policy.name} is a {type(policy).__name__}; it takes "
                        f"{'ResourceValidationArgs' if is_resource else 'StackValidationArgs'}")
    if not is_resource and not isinstance(policy, StackValidationPolicy):
        raise TypeError(f"unsupported policy type {type(policy).__name__}")

    def report_violation(message: str, urn: Optional[str] = None) -> None:
        if message and not isinstance(message, str):
            raise TypeError("Expected message to be a string")
        outcome.violations.append((message, args.urn if is_resource else urn))

    pin = exemptions.fixed_today(today) if today is not None else contextlib.nullcontext()
    with pin:
        try:
            result = policy.validate(args, report_violation)
            if isawaitable(result):
                asyncio.run(_await(result))
        except UnknownValueError as e:
            outcome.unknown = e.message
        except _NotApplicableError as e:
            outcome.not_applicable = e.reason or ""
    return outcome


async def _await(awaitable: Any) -> None:
    await awaitable

