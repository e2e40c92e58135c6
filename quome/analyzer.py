"""Drive a CrossGuard policy pack the way `pulumi preview --policy-pack DIR` does, without the CLI.

The Pulumi CLI runs a Python pack through the legacy analyzer shim: with cwd = the pack directory
it starts `python -u -m pulumi.policy <engineAddr> .` (env PULUMI_CONFIG/PROJECT/STACK/ORGANIZATION/
DRY_RUN), reads the gRPC port from the first stdout line and then calls, in this order:
Handshake (Python packs answer UNIMPLEMENTED), ConfigureStack, GetAnalyzerInfo, Configure (with the
CLI-reconciled policy config), then per resource Remediate and Analyze, and AnalyzeStack once at the
end (pulumi/pulumi: sdk/go/common/resource/plugin/analyzer_plugin.go, pkg/resource/deploy/
step_generator.go). `AnalyzerSession` does the same against the real subprocess; `InProcessAnalyzer`
feeds the identical request objects to pulumi_policy's servicer in this process. Both take their
requests from `build_requests`, and both are driven by `evaluate`, so the two paths cannot drift.

What preview does that a plan cannot reproduce: engine unknowns (a plan from mocks has none), and
the provider's Check() normalisation of inputs. Everything else (options, providers, parents,
dependencies, stack tags, config) is sent as the engine sends it.
"""
from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import contextvars
import dataclasses
import inspect
import json
import os
import queue
import runpy
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Protocol, Sequence

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

# What the CLI sends as the organization for DIY (non-Pulumi-Cloud) backends.
ORGANIZATION = "organization"
ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
# PolicyPack serves with ThreadPoolExecutor(max_workers=4); more client threads only queue.
ANALYZE_WORKERS = 4
STACK_TYPE = "pulumi:pulumi:Stack"
_MAX_MESSAGE = 1024 * 1024 * 400  # same limit the pack's server sets
_CONNECT_POLL_SECONDS = 0.2
# How long closing a PreparedPack waits for a start it has cut short (the start fails within
# milliseconds once the process is gone; this only bounds a pathological one).
_ABANDONED_START_SECONDS = 10.0
_GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]


class AnalyzerError(RuntimeError):
    """The policy pack could not be started, or one of its RPCs failed."""


class PlanError(ValueError):
    """The plan document does not have the shape `quome plan --json` produces."""


# --------------------------------------------------------------------------------------------
# Pack metadata (what GetAnalyzerInfo returns, in plain Python).


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    display_name: str
    kind: str  # "resource" or "stack"
    enforcement: str  # the policy's own default level (policy level, else the pack's)
    severity: str  # "low" | "medium" | "high" | "critical" | "" (unspecified)
    citations: tuple[str, ...]  # framework.reference split on ", "
    framework: str
    url: str
    remediation_steps: str
    tags: tuple[str, ...]
    config_schema: Mapping[str, Any]  # {"properties": {...}, "required": [...]}


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    policies: Mapping[str, PolicyInfo]  # sorted by name, as the CLI sorts them
    initial_config: Mapping[str, Mapping[str, Any]]  # {policy: {"enforcementLevel": .., prop: ..}}


def _integral(value: Any) -> Any:
    """Struct carries every number as a double; give integral ones back as int (365.0 -> 365)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


def _level_name(value: int) -> str:
    return proto.EnforcementLevel.Name(value).lower()


def _severity_name(value: int) -> str:
    name = proto.PolicySeverity.Name(value)
    return "" if name == "POLICY_SEVERITY_UNSPECIFIED" else name.removeprefix("POLICY_SEVERITY_").lower()


def pack_info_from_proto(info: proto.AnalyzerInfo, version: Optional[str] = None) -> PackInfo:
    """Convert GetAnalyzerInfo's answer. `version` is PulumiPolicy.yaml's, which the CLI prefers."""
    policies: dict[str, PolicyInfo] = {}
    for p in sorted(info.policies, key=lambda p: p.name):
        reference = p.framework.reference if p.HasField("framework") else ""
        schema: dict[str, Any] = {}
        if p.HasField("configSchema"):
            props = _integral(json_format.MessageToDict(p.configSchema.properties))
            if props:
                schema["properties"] = props
            if p.configSchema.required:
                schema["required"] = list(p.configSchema.required)
        policies[p.name] = PolicyInfo(
            name=p.name,
            description=p.description,
            display_name=p.displayName,
            kind="stack" if p.policy_type == proto.PolicyType.POLICY_TYPE_STACK else "resource",
            enforcement=_level_name(p.enforcementLevel),
            severity=_severity_name(p.severity),
            citations=tuple(c.strip() for c in reference.split(", ") if c.strip()),
            framework=p.framework.name if p.HasField("framework") else "",
            url=p.url,
            remediation_steps=p.remediation_steps,
            tags=tuple(p.tags),
            config_schema=schema,
        )
    initial: dict[str, dict[str, Any]] = {}
    for name, cfg in info.initialConfig.items():
        # The CLI reads a missing level as 0 = ADVISORY (convertEnforcementLevel); so do we.
        entry = {"enforcementLevel": _level_name(cfg.enforcementLevel)}
        entry.update(_integral(json_format.MessageToDict(cfg.properties)))
        initial[name] = entry
    return PackInfo(name=info.name, version=version or info.version, policies=policies, initial_config=initial)


def read_pack_version(pack_dir: Path) -> Optional[str]:
    """Python packs take their version only from PulumiPolicy.yaml (the SDK always says 0.0.1)."""
    path = Path(pack_dir) / "PulumiPolicy.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnalyzerError(f"{path}: not found; is {pack_dir} a policy pack?") from None
    except yaml.YAMLError as e:
        raise AnalyzerError(f"{path}: invalid YAML: {e}") from None
    version = doc.get("version") if isinstance(doc, dict) else None
    return str(version) if version is not None else None


# --------------------------------------------------------------------------------------------
# Requests: built once from the plan document, shared by the subprocess and in-process paths.


@dataclass(frozen=True)
class StackContext:
    """What the CLI knows about the stack: sent in ConfigureStack and in the pack's environment."""

    project: str
    stack: str
    config: Mapping[str, str] = field(default_factory=dict)  # flat "ns:key" -> string, as in PULUMI_CONFIG
    secret_keys: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    organization: str = ORGANIZATION

    def env(self) -> dict[str, str]:
        """The variables constructEnv() adds for the policy pack process (dry run = preview)."""
        env = {
            "PULUMI_ORGANIZATION": self.organization,
            "PULUMI_PROJECT": self.project,
            "PULUMI_STACK": self.stack,
            "PULUMI_DRY_RUN": "true",
        }
        if self.config:
            env["PULUMI_CONFIG"] = json.dumps(dict(self.config), sort_keys=True)
        return env

    def configure_stack_request(self) -> proto.AnalyzerStackConfigureRequest:
        return proto.AnalyzerStackConfigureRequest(
            stack=self.stack,
            project=self.project,
            organization=self.organization,
            dry_run=True,
            config=dict(self.config),
            config_secret_keys=list(self.secret_keys),
            tags=dict(self.tags),
        )


@dataclass(frozen=True)
class PlanResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: Optional[str]
    protect: bool
    provider: Optional[str]  # provider URN (the "::<id>" suffix of the reference dropped)
    inputs: Mapping[str, Any]
    dependencies: tuple[str, ...]
    property_dependencies: Mapping[str, tuple[str, ...]]
    options: Mapping[str, Any]  # optional extras: ignoreChanges, aliases, ...


@dataclass(frozen=True)
class RequestSet:
    context: StackContext
    stack_urn: str
    resources: tuple[PlanResource, ...]  # analysis order: the root stack first, then plan order
    analyze: tuple[proto.AnalyzeRequest, ...]  # one per resource, same order

    @property
    def by_urn(self) -> dict[str, PlanResource]:
        return {r.urn: r for r in self.resources}

    def stack_request(self, analyze: Optional[Sequence[proto.AnalyzeRequest]] = None) -> proto.AnalyzeStackRequest:
        """AnalyzeStack over every resource; `analyze` carries remediated properties when any."""
        analyze = self.analyze if analyze is None else analyze
        out = []
        for res, req in zip(self.resources, analyze, strict=True):
            ar = proto.AnalyzerResource(
                type=req.type,
                urn=req.urn,
                name=req.name,
                properties=req.properties,
                options=req.options,
                parent=res.parent or "",
                dependencies=list(res.dependencies),
            )
            if req.HasField("provider"):
                ar.provider.CopyFrom(req.provider)
            for prop, urns in res.property_dependencies.items():
                if urns:  # the engine skips properties without dependencies
                    ar.propertyDependencies[prop].urns.extend(urns)
            out.append(ar)
        return proto.AnalyzeStackRequest(resources=out)


def stack_urn(project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"


def split_urn(urn: str) -> tuple[str, str]:
    """(type, name) of `urn:pulumi:<stack>::<project>::<parent$..$type>::<name>`."""
    parts = urn.removeprefix("urn:pulumi:").split("::", 3)
    if len(parts) != 4:
        return "", urn
    return parts[2].rsplit("$", 1)[-1], parts[3]


def urn_type_chain(urn: str) -> list[str]:
    """Every type token in the URN's qualified type, outermost parent first."""
    parts = urn.removeprefix("urn:pulumi:").split("::", 3)
    return parts[2].split("$") if len(parts) == 4 else []


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


def _expect(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise PlanError(f"{where}: {what}")


def _parse_resource(i: int, raw: Any) -> PlanResource:
    where = f"resources[{i}]"
    _expect(isinstance(raw, dict), where, f"expected an object, got {type(raw).__name__}")
    for key in ("urn", "type", "name"):
        _expect(isinstance(raw.get(key), str) and raw[key] != "", where, f'"{key}" must be a non-empty string')
    urn = raw["urn"]
    where = f"resources[{i}] ({urn})"
    _expect(urn.startswith("urn:pulumi:"), where, '"urn" must start with "urn:pulumi:"')
    inputs = raw.get("inputs", {})
    _expect(isinstance(inputs, dict), where, f'"inputs" must be an object, got {type(inputs).__name__}')
    custom = raw.get("custom", True)
    _expect(isinstance(custom, bool), where, '"custom" must be true or false')
    protect = raw.get("protect", False)
    _expect(isinstance(protect, bool), where, '"protect" must be true or false')
    parent = raw.get("parent")
    _expect(parent is None or isinstance(parent, str), where, '"parent" must be a URN or null')
    provider_ref = raw.get("provider")
    _expect(provider_ref is None or isinstance(provider_ref, str), where, '"provider" must be a reference or null')
    provider = None
    if provider_ref:
        # "<provider urn>::<provider id>": URNs contain "::" themselves, so split on the last one.
        provider, sep, _ = provider_ref.rpartition("::")
        _expect(bool(sep) and provider.startswith("urn:pulumi:"), where,
                f'"provider" must be "<provider urn>::<provider id>", got {provider_ref!r}')
    deps = raw.get("dependencies", [])
    _expect(isinstance(deps, list) and all(isinstance(d, str) for d in deps), where,
            '"dependencies" must be a list of URNs')
    pdeps = raw.get("propertyDependencies", {})
    _expect(isinstance(pdeps, dict) and all(isinstance(v, list) and all(isinstance(u, str) for u in v)
                                            for v in pdeps.values()),
            where, '"propertyDependencies" must map property names to lists of URNs')
    options = {k: raw[k] for k in ("ignoreChanges", "aliases", "additionalSecretOutputs",
                                   "deleteBeforeReplace", "customTimeouts") if raw.get(k) is not None}
    return PlanResource(
        urn=urn, type=raw["type"], name=raw["name"], custom=custom, parent=parent, protect=protect,
        provider=provider, inputs=inputs, dependencies=tuple(deps),
        property_dependencies={k: tuple(v) for k, v in pdeps.items()}, options=options,
    )


def _options(res: PlanResource) -> proto.AnalyzerResourceOptions:
    # The engine always sends customTimeouts (zero when unset) and the parent URN.
    timeouts = res.options.get("customTimeouts") or {}
    opts = proto.AnalyzerResourceOptions(
        protect=res.protect,
        ignoreChanges=list(res.options.get("ignoreChanges", [])),
        aliases=list(res.options.get("aliases", [])),
        additionalSecretOutputs=list(res.options.get("additionalSecretOutputs", [])),
        customTimeouts=proto.AnalyzerResourceOptions.CustomTimeouts(
            create=float(timeouts.get("create", 0)), update=float(timeouts.get("update", 0)),
            delete=float(timeouts.get("delete", 0))),
        parent=res.parent or "",
    )
    if "deleteBeforeReplace" in res.options:
        opts.deleteBeforeReplace = bool(res.options["deleteBeforeReplace"])
        opts.deleteBeforeReplaceDefined = True
    return opts


def build_requests(plan: Mapping[str, Any], context: StackContext) -> RequestSet:
    """Turn a `quome plan --json` document into the engine's analyzer requests.

    As in a preview where every resource is new, a resource's state is its inputs, so Analyze and
    AnalyzeStack both see `inputs`. The engine registers the root `pulumi:pulumi:Stack` and parents
    top-level resources to it; a plan from mocks has no root stack, so one is synthesised.
    """
    _expect(isinstance(plan, dict), "plan", "expected a JSON object")
    for key in ("project", "stack"):
        _expect(isinstance(plan.get(key), str) and plan[key] != "", "plan", f'"{key}" must be a non-empty string')
    _expect(isinstance(plan.get("resources"), list), "plan", '"resources" must be a list')
    resources = [_parse_resource(i, r) for i, r in enumerate(plan["resources"])]
    seen: set[str] = set()
    for r in resources:
        _expect(r.urn not in seen, f"resource {r.urn}", "appears twice in the plan")
        seen.add(r.urn)

    root = next((r.urn for r in resources if r.type == STACK_TYPE), None)
    if root is None:
        # Mocks parent top-level resources to a root stack they never list: use that URN.
        root = next((r.parent for r in resources if r.parent and split_urn(r.parent)[0] == STACK_TYPE),
                    stack_urn(plan["project"], plan["stack"]))
        resources.insert(0, _root_stack_resource(root, f"{plan['project']}-{plan['stack']}"))
    resources = [_with_root_parent(r, root) for r in resources]

    by_urn = {r.urn: r for r in resources}
    requests = []
    for r in resources:
        prov = by_urn.get(r.provider) if r.provider else None
        # No silent empty provider: a residency policy judging an unknown region would lie.
        _expect(not r.provider or prov is not None, f"resource {r.urn}",
                f"its provider {r.provider} is not in the plan")
        requests.append(_analyze_request(r, prov))
    return RequestSet(context=context, stack_urn=root, resources=tuple(resources), analyze=tuple(requests))


def _root_stack_resource(urn: str, name: str) -> PlanResource:
    """The root `pulumi:pulumi:Stack` resource the engine registers first (a plan from mocks omits it)."""
    return PlanResource(urn=urn, type=STACK_TYPE, name=name,
                        custom=False, parent=None, protect=False, provider=None, inputs={}, dependencies=(),
                        property_dependencies={}, options={})


def _with_root_parent(resource: PlanResource, root: str) -> PlanResource:
    """As the engine does: a resource registered without a parent is the root stack's child."""
    if resource.parent or resource.type == STACK_TYPE:
        return resource
    return dataclasses.replace(resource, parent=root)


def _analyze_request(resource: PlanResource, provider: Optional[PlanResource]) -> proto.AnalyzeRequest:
    """The engine's Analyze request for one resource: its inputs, options and provider."""
    req = proto.AnalyzeRequest(type=resource.type, urn=resource.urn, name=resource.name,
                               properties=_struct(resource.inputs), options=_options(resource))
    if provider is not None:
        req.provider.CopyFrom(proto.AnalyzerProviderResource(
            type=provider.type, urn=provider.urn, name=provider.name, properties=_struct(provider.inputs)))
    return req


# --------------------------------------------------------------------------------------------
# Backends: the real subprocess over gRPC, and the in-process servicer.


class _Backend(Protocol):
    def configure_stack(self, request: proto.AnalyzerStackConfigureRequest) -> None: ...
    def get_analyzer_info(self) -> proto.AnalyzerInfo: ...
    def configure(self, request: proto.ConfigureAnalyzerRequest) -> None: ...
    # One resource per call (the protocol has no batch call); callers keep several in flight.
    def remediate(self, request: proto.AnalyzeRequest) -> proto.RemediateResponse: ...
    def analyze(self, request: proto.AnalyzeRequest) -> proto.AnalyzeResponse: ...
    def analyze_stack(self, request: proto.AnalyzeStackRequest) -> proto.AnalyzeResponse: ...


def _tail(lines: Sequence[str], limit: int = 40) -> str:
    text = "".join(list(lines)[-limit:]).rstrip()
    return f"\n--- policy pack stderr (last lines) ---\n{text}" if text else ""


class AnalyzerSession:
    """The pack as a subprocess, started and spoken to exactly as the CLI's analyzer host does.

    Use as a context manager; the process is terminated (killed if it does not stop) on exit,
    also when an error escapes.
    """

    def __init__(self, pack_dir: Path, context: StackContext, *, startup_timeout: float = 60.0,
                 rpc_timeout: float = 300.0) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.context = context
        self.startup_timeout = startup_timeout
        self.rpc_timeout = rpc_timeout
        self.port: Optional[int] = None
        self._proc: Optional[subprocess.Popen] = None
        self._channel: Optional[grpc.Channel] = None
        self._stub: Optional[analyzer_pb2_grpc.AnalyzerStub] = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=400)
        self._stdout: collections.deque[str] = collections.deque(maxlen=100)
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> "AnalyzerSession":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc else None

    def stderr_text(self) -> str:
        return "".join(self._stderr)

    def start(self) -> None:
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise AnalyzerError(f"{self.pack_dir}: no PulumiPolicy.yaml; not a policy pack directory")
        # Only this stack's config: nothing inherited from a PULUMI_CONFIG around us.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG")}
        env.update(self.context.env())
        # runpy.run_path(".") puts the pack dir on sys.path; PYTHONPATH makes that explicit, so the
        # pack's own package (hipaa_pack) resolves from the pack dir and not from anything else.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(self.pack_dir), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        # The CLI passes the engine address and "." with cwd = the pack dir; a Python pack never
        # dials the engine, so a closed port (127.0.0.1:1) is enough. The interpreter is quome's
        # own, where the CLI's shim would use the pack's `virtualenv` option: offline there is one
        # venv, and it has pulumi-policy.
        proc = self._proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
            cwd=self.pack_dir, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        first_line: "queue.Queue[Optional[str]]" = queue.Queue(maxsize=1)

        def read_stdout() -> None:
            # Keep draining after the port line: a pack that prints must never block on a full pipe.
            assert proc.stdout
            first = True
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode("utf-8", "replace")
                if first:
                    first_line.put(line)
                    first = False
                else:
                    self._stdout.append(line)
            if first:
                first_line.put(None)

        def read_stderr() -> None:
            assert proc.stderr
            for raw in iter(proc.stderr.readline, b""):
                self._stderr.append(raw.decode("utf-8", "replace"))

        for target in (read_stdout, read_stderr):
            t = threading.Thread(target=target, name=f"quome-analyzer-{target.__name__}", daemon=True)
            t.start()
            self._threads.append(t)

        try:
            line = first_line.get(timeout=self.startup_timeout)
        except queue.Empty:
            raise AnalyzerError(f"policy pack {self.pack_dir} did not report its gRPC port within "
                                f"{self.startup_timeout:g}s{_tail(self._stderr)}") from None
        if line is None:
            code = proc.wait(timeout=10)
            self._join_readers()
            raise AnalyzerError(f"policy pack {self.pack_dir} exited with status {code} before reporting "
                                f"its gRPC port{_tail(self._stderr)}")
        try:
            self.port = int(line.strip())
        except ValueError:
            raise AnalyzerError(f"policy pack {self.pack_dir} printed {line.strip()[:200]!r} instead of its "
                                f"gRPC port on the first stdout line (a pack must not print before "
                                f"PolicyPack starts){_tail(self._stderr)}") from None
        self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=_GRPC_OPTIONS)
        self._wait_for_connection(proc)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        # The CLI handshakes first; Python packs answer UNIMPLEMENTED and the CLI carries on.
        try:
            self._stub.Handshake(proto.AnalyzerHandshakeRequest(
                engine_address="127.0.0.1:1", root_directory=str(self.pack_dir),
                program_directory=str(self.pack_dir)), timeout=self.rpc_timeout)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise self._rpc_error("Handshake", e) from None

    def _wait_for_connection(self, proc: subprocess.Popen) -> None:
        # In short steps, so that a pack that dies (or is stopped) after reporting its port is
        # reported at once instead of after the whole start-up timeout.
        ready = grpc.channel_ready_future(self._channel)
        deadline = time.monotonic() + self.startup_timeout
        try:
            while True:
                try:
                    ready.result(timeout=_CONNECT_POLL_SECONDS)
                    return
                except grpc.FutureTimeoutError:
                    if proc.poll() is not None:
                        raise AnalyzerError(f"policy pack {self.pack_dir} exited with status {proc.returncode} "
                                            f"after reporting port {self.port}{_tail(self._stderr)}") from None
                    if time.monotonic() >= deadline:
                        raise AnalyzerError(f"policy pack {self.pack_dir} reported port {self.port} but did not "
                                            f"accept a connection{_tail(self._stderr)}") from None
        finally:
            ready.cancel()

    def terminate(self) -> None:
        """Stop the pack's process now, from any thread; a start still under way then fails at once.

        close() still has to be called to reap the process and release the channel.
        """
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()

    def _join_readers(self) -> None:
        for t in self._threads:
            t.join(timeout=5)

    def close(self) -> None:
        # Stop the server first: closing a gRPC channel to a live server waits ~200 ms for the
        # connection's shutdown handshake, to a dead one it returns at once.
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            self._join_readers()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None

    def _rpc_error(self, what: str, e: grpc.RpcError, urn: str = "") -> AnalyzerError:
        where = f" for {urn}" if urn else ""
        return AnalyzerError(f"policy pack {what}{where} failed: {e.code().name}: {e.details()}"
                             f"{_tail(self._stderr)}")

    def _call(self, what: str, fn: Callable[..., Any], request: Any, urn: str = "") -> Any:
        if self._stub is None:
            raise AnalyzerError("analyzer session is not started")
        try:
            return fn(request, timeout=self.rpc_timeout)
        except grpc.RpcError as e:
            raise self._rpc_error(what, e, urn) from None

    def configure_stack(self, request: proto.AnalyzerStackConfigureRequest) -> None:
        assert self._stub
        self._call("ConfigureStack", self._stub.ConfigureStack, request)

    def get_analyzer_info(self) -> proto.AnalyzerInfo:
        assert self._stub
        return self._call("GetAnalyzerInfo", self._stub.GetAnalyzerInfo, empty_pb2.Empty())

    def configure(self, request: proto.ConfigureAnalyzerRequest) -> None:
        assert self._stub
        self._call("Configure", self._stub.Configure, request)

    def remediate(self, request: proto.AnalyzeRequest) -> proto.RemediateResponse:
        assert self._stub
        return self._call("Remediate", self._stub.Remediate, request, request.urn)

    def analyze(self, request: proto.AnalyzeRequest) -> proto.AnalyzeResponse:
        assert self._stub
        return self._call("Analyze", self._stub.Analyze, request, request.urn)

    def analyze_stack(self, request: proto.AnalyzeStackRequest) -> proto.AnalyzeResponse:
        assert self._stub
        return self._call("AnalyzeStack", self._stub.AnalyzeStack, request)


class _PackCaptured(Exception):
    pass


def load_pack_servicer(pack_dir: Path) -> Any:
    """Build pulumi_policy's servicer from the pack's own __main__.py without serving it.

    __main__.py is run as the CLI would run it, but with PolicyPack swapped for a recorder that
    stops at construction (the real one starts a server and sleeps forever). The servicer is then
    built from exactly the arguments the pack passed, as PolicyPack.__init__ does.
    """
    import pulumi_policy
    from pulumi_policy import policy as policy_mod

    pack_dir = Path(pack_dir).resolve()
    if not (pack_dir / "__main__.py").is_file():
        raise AnalyzerError(f"{pack_dir}: no __main__.py; not a Python policy pack")
    signature = inspect.signature(policy_mod.PolicyPack.__init__)
    captured: dict[str, Any] = {}

    def recorder(*args: Any, **kwargs: Any) -> None:
        bound = signature.bind(None, *args, **kwargs)
        bound.apply_defaults()
        captured.update({k: v for k, v in bound.arguments.items() if k != "self"})
        raise _PackCaptured()

    # First on sys.path and kept there (policies may import lazily at validation time), and any
    # same-named module loaded from elsewhere is dropped: the pack's modules come from the pack dir.
    if str(pack_dir) in sys.path:
        sys.path.remove(str(pack_dir))
    sys.path.insert(0, str(pack_dir))
    _evict_shadowed_modules(pack_dir)
    real = (pulumi_policy.PolicyPack, policy_mod.PolicyPack)
    pulumi_policy.PolicyPack = policy_mod.PolicyPack = recorder  # type: ignore[assignment,misc]
    try:
        runpy.run_path(str(pack_dir), run_name="__main__")
    except _PackCaptured:
        pass
    except Exception as e:  # the pack's own import error, reported like the subprocess would
        raise AnalyzerError(f"policy pack {pack_dir} failed to load: {type(e).__name__}: {e}") from e
    finally:
        pulumi_policy.PolicyPack, policy_mod.PolicyPack = real  # type: ignore[misc]
    if not captured:
        raise AnalyzerError(f"policy pack {pack_dir}: __main__.py did not construct a PolicyPack")
    level = captured["enforcement_level"] or pulumi_policy.EnforcementLevel.ADVISORY
    return policy_mod._PolicyAnalyzerServicer(  # pylint: disable=protected-access
        captured["name"], "0.0.1", captured["policies"], level, captured["initial_config"],
        captured["description"], captured["display_name"], captured["readme"], captured["provider"],
        captured["tags"], captured["repository"])


def _evict_shadowed_modules(pack_dir: Path) -> None:
    names = {p.stem for p in pack_dir.glob("*.py")} | {p.parent.name for p in pack_dir.glob("*/__init__.py")}
    names.discard("__main__")
    for name in names:
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None) if module is not None else None
        if module is None or (origin and Path(origin).resolve().is_relative_to(pack_dir)):
            continue
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]


@contextlib.contextmanager
def _pulumi_process_state(env: Mapping[str, str]) -> Iterator[None]:
    """Give the in-process servicer the environment the subprocess gets, and take it back after.

    The servicer re-reads PULUMI_* on every call and pushes them into pulumi's runtime settings and
    config. Calls run on worker threads, whose context vars die with them; what is shared (the
    environment, the default config dict, plain Settings attributes) is restored here.
    """
    import pulumi.runtime.config as runtime_config
    import pulumi.runtime.settings as runtime_settings

    saved_env = {k: os.environ.get(k) for k in (*env, *(k for k in os.environ if k.startswith("PULUMI_CONFIG")))}
    default_config = contextvars.Context().run(runtime_config.CONFIG.get)
    saved_config = dict(default_config)
    saved_settings = dict(runtime_settings.SETTINGS.__dict__)
    for key in [k for k in os.environ if k.startswith("PULUMI_CONFIG")]:
        del os.environ[key]
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        default_config.clear()
        default_config.update(saved_config)
        runtime_settings.SETTINGS.__dict__.clear()
        runtime_settings.SETTINGS.__dict__.update(saved_settings)


class InProcessAnalyzer:
    """The same pack and the same requests, served by pulumi_policy's servicer in this process.

    Not a simulation: it is the code the subprocess runs, minus the gRPC hop and process start.
    Used to prove the two paths agree, and to measure what the subprocess costs.
    """

    def __init__(self, pack_dir: Path, context: StackContext, *, workers: int = ANALYZE_WORKERS) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.context = context
        self.workers = workers
        self._servicer: Any = None
        self._pool: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._state: Optional[contextlib.AbstractContextManager[None]] = None

    def __enter__(self) -> "InProcessAnalyzer":
        self._servicer = load_pack_servicer(self.pack_dir)
        self._state = _pulumi_process_state(self.context.env())
        self._state.__enter__()
        # Every call runs on these workers (like the server's pool), never on the caller's thread,
        # so the servicer's settings changes stay in the workers' contexts.
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.workers,
                                                           thread_name_prefix="quome-inproc")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._state is not None:
            self._state.__exit__(None, None, None)
            self._state = None

    def _call(self, what: str, fn: Callable[..., Any], request: Any, urn: str = "") -> Any:
        try:
            return fn(request, None)
        except Exception as e:  # same wording as the gRPC path's "UNKNOWN: Exception calling ..."
            where = f" for {urn}" if urn else ""
            raise AnalyzerError(f"policy pack {what}{where} failed: {type(e).__name__}: {e}") from e

    def _one(self, what: str, fn: Callable[..., Any], request: Any, urn: str = "") -> Any:
        assert self._pool
        return self._pool.submit(self._call, what, fn, request, urn).result()

    def configure_stack(self, request: proto.AnalyzerStackConfigureRequest) -> None:
        self._one("ConfigureStack", self._servicer.ConfigureStack, request)

    def get_analyzer_info(self) -> proto.AnalyzerInfo:
        return self._one("GetAnalyzerInfo", self._servicer.GetAnalyzerInfo, empty_pb2.Empty())

    def configure(self, request: proto.ConfigureAnalyzerRequest) -> None:
        self._one("Configure", self._servicer.Configure, request)

    def remediate(self, request: proto.AnalyzeRequest) -> proto.RemediateResponse:
        return self._one("Remediate", self._servicer.Remediate, request, request.urn)

    def analyze(self, request: proto.AnalyzeRequest) -> proto.AnalyzeResponse:
        return self._one("Analyze", self._servicer.Analyze, request, request.urn)

    def analyze_stack(self, request: proto.AnalyzeStackRequest) -> proto.AnalyzeResponse:
        return self._one("AnalyzeStack", self._servicer.AnalyzeStack, request)


# --------------------------------------------------------------------------------------------
# The CLI's call sequence, shared by both backends.


@dataclass(frozen=True)
class ResolvedPolicyConfig:
    """One policy's reconciled config, as the CLI sends it in Configure."""

    enforcement: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class AppliedRemediation:
    policy: str
    urn: str
    properties: Mapping[str, Any]  # the resource's inputs after the remediation


@dataclass(frozen=True)
class Evaluation:
    pack: PackInfo
    policy_config: Mapping[str, ResolvedPolicyConfig]
    requests: RequestSet
    analyze_requests: tuple[proto.AnalyzeRequest, ...]  # as analyzed (after remediation)
    analyze_responses: tuple[proto.AnalyzeResponse, ...]  # same order as requests.resources
    stack_response: proto.AnalyzeResponse
    remediations: tuple[AppliedRemediation, ...]


ConfigResolver = Callable[[PackInfo], Mapping[str, ResolvedPolicyConfig]]


def configure_request(config: Mapping[str, ResolvedPolicyConfig]) -> proto.ConfigureAnalyzerRequest:
    req = proto.ConfigureAnalyzerRequest()
    for name, cfg in config.items():
        req.policyConfig[name].CopyFrom(proto.PolicyConfig(
            enforcementLevel=proto.EnforcementLevel.Value(cfg.enforcement.upper()),
            properties=_struct(cfg.properties)))
    return req


@dataclass(frozen=True)
class ResourceAnalysis:
    """One resource through Remediate (when a policy remediates) and Analyze."""

    request: proto.AnalyzeRequest  # as analyzed: the remediated inputs, if any
    response: proto.AnalyzeResponse
    remediations: tuple[AppliedRemediation, ...] = ()


class PackRun:
    """One pack over one stack, in the CLI's order: configure once, each resource, then the stack.

    `analyze_resource` is safe to call from several threads once `configure` has returned.
    """

    def __init__(self, backend: _Backend, context: StackContext, resolve_config: ConfigResolver,
                 pack_version: Optional[str] = None) -> None:
        self.backend = backend
        self.context = context
        self.resolve_config = resolve_config
        self.pack_version = pack_version
        self.pack: Optional[PackInfo] = None
        self.config: Mapping[str, ResolvedPolicyConfig] = {}
        self.remediating = False

    def configure(self) -> None:
        """ConfigureStack, GetAnalyzerInfo, then Configure with the config resolved against the pack."""
        self.backend.configure_stack(self.context.configure_stack_request())
        pack = pack_info_from_proto(self.backend.get_analyzer_info(), self.pack_version)
        config = self.resolve_config(pack)
        self.backend.configure(configure_request(config))
        self.pack, self.config = pack, config
        # The engine calls Remediate for every resource; the Python servicer answers it only for
        # policies at "remediate", so without one the round trips are skipped with identical results.
        self.remediating = any(c.enforcement == "remediate" for c in config.values())

    def analyze_resource(self, request: proto.AnalyzeRequest) -> ResourceAnalysis:
        if self.pack is None:
            raise AnalyzerError("the pack is not configured yet")
        remediations: list[AppliedRemediation] = []
        extra: list[proto.AnalyzeDiagnostic] = []
        if self.remediating:
            for rem in self.backend.remediate(request).remediations:
                if rem.diagnostic:
                    # The engine shows a remediation that could not run as an advisory violation.
                    extra.append(proto.AnalyzeDiagnostic(
                        policyName=rem.policyName, policyPackName=rem.policyPackName,
                        policyPackVersion=rem.policyPackVersion, description=rem.description,
                        message=rem.diagnostic, enforcementLevel=proto.ADVISORY, urn=request.urn))
                elif rem.HasField("properties"):
                    remediated = proto.AnalyzeRequest()
                    remediated.CopyFrom(request)
                    remediated.properties.CopyFrom(rem.properties)
                    request = remediated
                    remediations.append(AppliedRemediation(
                        rem.policyName, request.urn, json_format.MessageToDict(rem.properties)))
        response = self.backend.analyze(request)
        response.diagnostics.extend(extra)
        return ResourceAnalysis(request, response, tuple(remediations))

    def evaluate(self, requests: RequestSet, workers: int = ANALYZE_WORKERS) -> Evaluation:
        """Remediate+Analyze every resource, then AnalyzeStack over all of them as analyzed."""
        if self.pack is None:
            raise AnalyzerError("the pack is not configured yet")
        if requests.context != self.context:
            raise AnalyzerError(f"the pack was configured for stack {self.context.stack!r} of project "
                                f"{self.context.project!r}, not for the plan's stack {requests.context.stack!r} "
                                f"of project {requests.context.project!r}")
        # There is no batch RPC: one call per resource, kept in flight from `workers` threads.
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="quome-analyze") as pool:
            analyses = list(pool.map(self.analyze_resource, requests.analyze))
        analyzed = [a.request for a in analyses]
        stack_response = self.backend.analyze_stack(requests.stack_request(analyzed))
        return Evaluation(pack=self.pack, policy_config=self.config, requests=requests,
                          analyze_requests=tuple(analyzed), analyze_responses=tuple(a.response for a in analyses),
                          stack_response=stack_response,
                          remediations=tuple(r for a in analyses for r in a.remediations))


def evaluate(backend: _Backend, requests: RequestSet, resolve_config: ConfigResolver,
             pack_version: Optional[str] = None, workers: int = ANALYZE_WORKERS) -> Evaluation:
    """ConfigureStack, GetAnalyzerInfo, Configure, Remediate+Analyze per resource, AnalyzeStack."""
    run = PackRun(backend, requests.context, resolve_config, pack_version)
    run.configure()
    return run.evaluate(requests, workers)


class PreparedPack:
    """The pack's process, started and configured in the background while the caller plans the stack.

    The CLI starts a preview's analyzers before it runs the program; likewise the few hundred
    milliseconds a Python pack takes to start and answer ConfigureStack, GetAnalyzerInfo and
    Configure overlap with planning here instead of adding to the check. Everything after that is
    `evaluate`'s sequence, unchanged. Use as a context manager; the process is stopped on exit, also
    when planning failed (then at once, even if it was still starting).
    """

    def __init__(self, pack_dir: Path, context: StackContext, resolve_config: ConfigResolver, *,
                 workers: int = ANALYZE_WORKERS) -> None:
        self.session = AnalyzerSession(pack_dir, context)
        self.run = PackRun(self.session, context, resolve_config, read_pack_version(pack_dir))
        self.workers = workers
        self._ready: Optional[concurrent.futures.Future[None]] = None

    def __enter__(self) -> "PreparedPack":
        self._ready = concurrent.futures.Future()
        # A daemon thread: a start that hangs must never keep the command from exiting.
        threading.Thread(target=self._start, name="quome-start", daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _start(self) -> None:
        assert self._ready is not None
        try:
            self.session.start()
            self.run.configure()
        except Exception as e:  # noqa: BLE001 - handed to whoever waits for the pack
            self._ready.set_exception(e)
        else:
            self._ready.set_result(None)

    def evaluate(self, requests: RequestSet) -> Evaluation:
        """Wait for the pack (raising what starting or configuring it raised), then evaluate."""
        if self._ready is None:
            raise AnalyzerError("the pack is not started; use PreparedPack as a context manager")
        self._ready.result()
        return self.run.evaluate(requests, self.workers)

    def close(self) -> None:
        try:
            if self._ready is not None and not self._ready.done():
                # The caller gave up before the pack was up (planning failed): cut the start short.
                self.session.terminate()
                concurrent.futures.wait([self._ready], timeout=_ABANDONED_START_SECONDS)
        finally:
            self.session.close()


def run_pack(pack_dir: Path, requests: RequestSet, resolve_config: ConfigResolver, *,
             in_process: bool = False, workers: int = ANALYZE_WORKERS) -> Evaluation:
    """One analyzer per check: start it, evaluate, stop it."""
    version = read_pack_version(pack_dir)
    backend = (InProcessAnalyzer(pack_dir, requests.context, workers=workers) if in_process
               else AnalyzerSession(pack_dir, requests.context))
    with backend:
        return evaluate(backend, requests, resolve_config, version, workers)


def time_backends(pack_dir: Path, requests: RequestSet, resolve_config: ConfigResolver, *,
                  repeat: int = 3) -> dict[str, Any]:
    """Median wall time of one check through each backend, split into start and evaluate.

    "start" is the process launch up to a connected channel (nothing for in-process), "evaluate"
    the whole RPC sequence, "total" includes stopping. For `quome bench` and capacity planning.
    """
    import statistics
    import time

    version = read_pack_version(pack_dir)
    out: dict[str, Any] = {"resources": len(requests.resources)}
    for label, cls in (("subprocess", AnalyzerSession), ("in_process", InProcessAnalyzer)):
        runs = []
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            with cls(pack_dir, requests.context) as backend:
                t1 = time.perf_counter()
                evaluate(backend, requests, resolve_config, version)
                t2 = time.perf_counter()
            runs.append((t1 - t0, t2 - t1, time.perf_counter() - t0))
        out[label] = {key: round(statistics.median(r[i] for r in runs), 4)
                      for i, key in enumerate(("start_s", "evaluate_s", "total_s"))}
    return out
