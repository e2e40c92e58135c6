"""`quome plan`: run the real `__main__.py` under Pulumi mocks with a stack's own config.

The program is the one `pulumi up` runs; only the engine is replaced. Every registration is
recorded as the engine would see it (inputs with camelCase names, parent, protect, provider,
dependencies and property dependencies), which is what the policy pack is later fed.
"""

from __future__ import annotations

import asyncio
import json
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pulumi
import yaml
from google.protobuf import json_format
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockMonitor, set_mocks

from components.config import ConfigError, LoadedSpec, check_stacks_together, parse_spec
from quome.mocks import AwsLikeMocks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The project name of Pulumi.yaml: what the engine puts in every URN and tells the policy pack.
PROJECT = "quome-platform"
SECRET = "[secret]"
_SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")
_RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e"


class PlanError(Exception):
    """The program failed for a reason other than invalid configuration."""


@dataclass(frozen=True)
class StackFile:
    stack: str
    path: Path
    config: dict[str, Any]
    secret_keys: tuple[str, ...]

    @property
    def source(self) -> str:
        try:
            return str(self.path.relative_to(PROJECT_ROOT))
        except ValueError:
            return str(self.path)


def stack_file_path(stack: str, project_root: Path = PROJECT_ROOT) -> Path:
    return project_root / "stacks" / f"Pulumi.{stack}.yaml"


def read_stack_file(stack: str, project_root: Path = PROJECT_ROOT) -> StackFile:
    """Read `stacks/Pulumi.<stack>.yaml`; secure values cannot be decrypted offline and plan as "[secret]"."""
    path = stack_file_path(stack, project_root)
    source = f"stacks/Pulumi.{stack}.yaml"
    if not path.is_file():
        available = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in path.parent.glob("Pulumi.*.yaml"))
        raise ConfigError(source, [f"no such stack file; stacks available: {', '.join(available) or 'none'}"])
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(source, [f"not valid YAML: {error}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise ConfigError(source, ["must be a mapping with a 'config' mapping"])
    config: dict[str, Any] = {}
    secret_keys = []
    for key, value in (document.get("config") or {}).items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[key] = SECRET
            secret_keys.append(key)
        else:
            config[key] = value
    return StackFile(stack, path, config, tuple(secret_keys))


def load_spec(stack: str, project_root: Path = PROJECT_ROOT) -> LoadedSpec:
    stack_file = read_stack_file(stack, project_root)
    return LoadedSpec(stack, stack_file.source, parse_spec(stack_file.config, stack_file.source))


def stack_names(project_root: Path = PROJECT_ROOT) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (project_root / "stacks").glob("Pulumi.*.yaml"))


def load_all_specs(project_root: Path = PROJECT_ROOT) -> list[LoadedSpec]:
    """Every stack file, validated alone and then together (baseline owners, zone accounts)."""
    loaded, problems = [], []
    for stack in stack_names(project_root):
        try:
            loaded.append(load_spec(stack, project_root))
        except ConfigError as error:
            problems.extend(str(error).splitlines())
    if problems:
        raise ConfigError("stacks", problems)
    check_stacks_together(loaded)
    return loaded


def _engine_config(config: Mapping[str, Any]) -> dict[str, str]:
    """Config as the engine hands it to programs: strings, structured values as JSON."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    protect: bool
    provider: str | None
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    retain_on_delete: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "provider": self.provider,
            "inputs": self.inputs,
            "dependencies": self.dependencies,
            "propertyDependencies": self.property_dependencies,
        }


def _plain(value: Any) -> Any:
    """Struct JSON -> plain values: secrets become "[secret]", integral floats become ints."""
    if isinstance(value, dict):
        if value.get(_SECRET_SIG[0]) == _SECRET_SIG[1]:
            return SECRET
        if value.get(_SECRET_SIG[0]) == _RESOURCE_REF_SIG:
            return value.get("urn")
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class RecordingMonitor(MockMonitor):
    """A MockMonitor that keeps what the engine would see of every registration."""

    def __init__(self, mocks: AwsLikeMocks):
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine qualifies a child's type with its parent's whole type chain, but never with the
        # root stack's type; MockMonitor keeps only the last parent type and includes the stack's.
        if parent:
            qualified = parent.split("::")[2]
            if qualified != "pulumi:pulumi:Stack":
                type_ = f"{qualified}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), type_, name])

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = _plain(json_format.MessageToDict(request.object, preserving_proto_field_name=True))
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    parent=request.parent or None,
                    protect=bool(request.protect),
                    provider=request.provider or None,
                    inputs=inputs,
                    dependencies=sorted(set(request.dependencies)),
                    property_dependencies={
                        prop: sorted(set(deps.urns))
                        for prop, deps in sorted(request.propertyDependencies.items())
                        if deps.urns
                    },
                    retain_on_delete=bool(request.retainOnDelete),
                )
            )
        return response


@dataclass
class Plan:
    project: str
    stack: str
    registrations: list[Registration]
    outputs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in self.registrations],
            "outputs": self.outputs,
        }


async def _resolve_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    resolved = {}
    for name, value in outputs.items():
        output = pulumi.Output.from_input(value)
        is_secret = await output.is_secret()
        resolved[name] = SECRET if is_secret else _plain(await output.future())
    return resolved


def _skip_source_positions() -> None:
    """Registrations carry the creating code's stack trace, for the engine's diagnostics only.

    The SDK walks and URI-encodes every frame for every resource (a third of the plan's time); the
    mocked engine discards it, so the plan sends an empty trace instead. Nothing else changes.
    """
    from pulumi.runtime import resource as runtime_resource
    from pulumi.runtime.proto import source_pb2

    runtime_resource._get_stack_trace = source_pb2.StackTrace  # type: ignore[attr-defined]


def _fresh_event_loop() -> None:
    """Give each run its own event loop: a previous `asyncio.run` (in the same process) leaves the main
    thread with none, and the SDK's synchronous helpers then fail with "There is no current event loop"."""
    try:
        previous = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        previous = None
    asyncio.set_event_loop(asyncio.new_event_loop())
    if previous is not None and not previous.is_running() and not previous.is_closed():
        previous.close()


def run_under_mocks(
    body: Callable[[], None],
    stack: str,
    account_id: str,
    region: str,
    config: Mapping[str, Any] | None = None,
    secret_keys: Sequence[str] = (),
    project: str = PROJECT,
) -> Plan:
    """Run `body` (which registers resources) under mocks; return every registration and the stack outputs.

    Tests use this to build one component in isolation with the same recording the plan uses.
    """
    mocks = AwsLikeMocks(account_id=account_id, region=region)
    monitor = RecordingMonitor(mocks)
    _skip_source_positions()
    _fresh_event_loop()
    pulumi_settings.ROOT.set(None)
    set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    set_all_config(_engine_config(config or {}), list(secret_keys))
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test
    def program():
        body()
        root = pulumi_settings.get_root_resource()
        future = asyncio.ensure_future(_resolve_outputs(dict(root.outputs)))
        future.add_done_callback(lambda f: outputs.update(f.result()))
        return future

    program()
    return Plan(project, stack, list(monitor.registrations), outputs)


def run_program(
    stack_file: StackFile,
    account_id: str,
    region: str,
    project_root: Path = PROJECT_ROOT,
) -> Plan:
    """Run `<project_root>/__main__.py` under mocks and return what it registered."""

    def body() -> None:
        if str(project_root) not in sys.path:
            sys.path.insert(0, str(project_root))
        runpy.run_path(str(project_root / "__main__.py"), run_name="__main__")

    return run_under_mocks(body, stack_file.stack, account_id, region, stack_file.config, stack_file.secret_keys)


def validate_stack(stack: str, project_root: Path = PROJECT_ROOT) -> tuple[StackFile, Any]:
    """The stack file and its parsed config, checked alone and beside its siblings; raises ConfigError."""
    stack_file = read_stack_file(stack, project_root)
    spec = parse_spec(stack_file.config, stack_file.source)
    # A stack is only valid beside its siblings: one baseline owner per account/region, one zone per account.
    load_all_specs(project_root)
    return stack_file, spec


def plan_stack(stack: str, project_root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Validate the stack's config, run the program under mocks, return the plan JSON document.

    Raises ConfigError for invalid configuration and PlanError for any other program failure.
    """
    stack_file, spec = validate_stack(stack, project_root)
    try:
        plan = run_program(stack_file, spec.account_id, spec.region, project_root)
    except ConfigError:
        raise
    except Exception as error:  # the program's own failure, reported without a traceback
        cause = _root_cause(error)
        if isinstance(cause, ConfigError):
            raise cause from None
        raise PlanError(f"stack '{stack}': the program failed: {type(cause).__name__}: {cause}") from error
    return plan.to_json()


def _root_cause(error: BaseException) -> BaseException:
    seen = set()
    while error.__cause__ is not None or error.__context__ is not None:
        if id(error) in seen:
            break
        seen.add(id(error))
        if isinstance(error, ConfigError):
            return error
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return error


def render_tree(document: Mapping[str, Any]) -> str:
    """A readable resource tree: components and their children, flags shown beside each leaf."""
    resources = document["resources"]
    children: dict[str | None, list[Mapping[str, Any]]] = {}
    for resource in resources:
        children.setdefault(resource["parent"], []).append(resource)
    known = {r["urn"] for r in resources}
    lines = [f"{document['project']} / {document['stack']}: {len(resources)} resources"]

    def walk(parent: str | None, depth: int) -> None:
        for resource in children.get(parent, []):
            options = (("protect", resource["protect"]), ("retain", resource.get("retainOnDelete")))
            flags = [flag for flag, on in options if on]
            marker = f"  [{', '.join(flags)}]" if flags else ""
            kind = "+" if resource["custom"] else "*"
            lines.append(f"{'  ' * depth}{kind} {resource['type']}  {resource['name']}{marker}")
            walk(resource["urn"], depth + 1)

    roots = [p for p in children if p is None or p not in known]
    for root in roots:
        walk(root, 1)
    if document.get("outputs"):
        lines.append("outputs:")
        lines.extend(f"  {key}: {json.dumps(value)}" for key, value in sorted(document["outputs"].items()))
    return "\n".join(lines)


def register(subparsers) -> None:
    parser = subparsers.add_parser("plan", help="run the program offline under mocks and print what it registers")
    parser.add_argument("--stack", required=True, help="stack name: stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a tree")
    parser.set_defaults(func=run)


def run(ns) -> int:
    document = plan_stack(ns.stack)
    if ns.json:
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=False) + "\n")
    else:
        sys.stdout.write(render_tree(document) + "\n")
    return 0
