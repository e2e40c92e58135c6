"""`quome check`: the HIPAA policy pack over a stack's plan, offline, exactly as a CLI preview runs it.

    quome check (--stack STACK | --plan FILE) [--format text|json|sarif|junit] [--output FILE]
                [--pack DIR] [--in-process] [--root DIR]

Exit codes (a contract CI relies on): 0 no mandatory violation, 1 at least one, 2 the input could
not be checked (bad plan, stack file or policy config, or a pack that fails to run); the reason is
printed on stderr, never as a traceback (set QUOME_DEBUG=1 to get one).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Mapping, Optional

from quome.analyzer import (
    AnalyzerError,
    ConfigResolver,
    PackInfo,
    PlanError,
    PreparedPack,
    ResolvedPolicyConfig,
    StackContext,
    build_requests,
    run_pack,
)
from quome.policy_config import PolicyConfigError, load_policy_config, policy_config_path, resolve_policy_config
from quome.report import RENDERERS, CheckResult, build_result, render

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FORMATS = tuple(RENDERERS)


class CheckInputError(ValueError):
    """The check cannot run on this input; the message names the file and what is wrong."""


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def stack_context(plan: Mapping[str, Any], root: Path = PROJECT_ROOT) -> StackContext:
    """The stack as the CLI would describe it to the pack: config from its stack file, stack tags.

    Config values reach the pack as the engine passes them: strings, structured values as JSON,
    secure values as "[secret]" (they cannot be decrypted offline) and listed as secret keys.
    """
    from quome.plan import read_stack_file  # one reader of stack files for plan and check

    stack_file = read_stack_file(plan["stack"], root)
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in stack_file.config.items()}
    # Stack tags as the CLI sets them for a Python project, plus the platform's own.
    tags = {"pulumi:project": plan["project"], "pulumi:runtime": "python"}
    for key in ("environment", "residency"):
        if f"quome:{key}" in config:
            tags[f"quome:{key}"] = config[f"quome:{key}"]
    return StackContext(project=plan["project"], stack=plan["stack"], config=config,
                        secret_keys=tuple(stack_file.secret_keys), tags=tags)


def _config_resolver(root: Path, stack: str) -> ConfigResolver:
    """Read and check the stack's policy config file now; resolve it against the pack once it has answered."""
    config_path = policy_config_path(root, stack)
    shown = _relative(config_path, root)
    try:
        raw_config = load_policy_config(config_path, shown)
    except PolicyConfigError as e:
        raise CheckInputError(str(e)) from None

    def resolve(pack: PackInfo) -> Mapping[str, ResolvedPolicyConfig]:
        try:
            return resolve_policy_config(raw_config, pack, shown)
        except PolicyConfigError as e:
            raise CheckInputError(str(e)) from None

    return resolve


def check_plan(plan: Mapping[str, Any], *, root: Path = PROJECT_ROOT, pack_dir: Optional[Path] = None,
               in_process: bool = False, source: str = "plan") -> CheckResult:
    """Run the pack over a plan document; the Python API behind `quome check`.

    Raises CheckInputError (bad plan or policy config), components.config.ConfigError (bad stack
    file) or AnalyzerError (the pack failed to start or crashed).
    """
    root = Path(root)
    pack_dir = Path(pack_dir) if pack_dir else root / "policies" / "hipaa"
    if not isinstance(plan, dict) or not isinstance(plan.get("stack"), str) or not isinstance(plan.get("project"), str):
        raise CheckInputError(f'{source}: not a quome plan document (needs "project", "stack" and "resources")')
    context = stack_context(plan, root)
    try:
        requests = build_requests(plan, context)
    except PlanError as e:
        raise CheckInputError(f"{source}: {e}") from None
    evaluation = run_pack(pack_dir, requests, _config_resolver(root, context.stack), in_process=in_process)
    return build_result(evaluation, source_root=root)


def check_stack(stack: str, *, root: Path = PROJECT_ROOT, pack_dir: Optional[Path] = None,
                timings: Optional[dict[str, float]] = None) -> CheckResult:
    """Plan the stack and check the plan, the pack starting while the program runs (as in a preview).

    The result is check_plan's for the same plan; only the pack's start-up overlaps with planning.
    `timings`, if given, gets "check_seconds" (all that follows the plan), for `quome bench`.
    Raises what plan_stack and check_plan raise.
    """
    from quome.plan import PROJECT, plan_stack, validate_stack

    root = Path(root)
    pack_dir = Path(pack_dir) if pack_dir else root / "policies" / "hipaa"
    # Invalid input is reported before anything starts; planning checks the same again (milliseconds).
    validate_stack(stack, root)
    context = stack_context({"project": PROJECT, "stack": stack}, root)
    resolve = _config_resolver(root, stack)
    with PreparedPack(pack_dir, context, resolve) as pack:
        plan = plan_stack(stack, root)
        planned = time.perf_counter()
        try:
            # The plan is of this project and stack, so it has this context (the stack file read once).
            requests = build_requests(plan, context)
        except PlanError as e:
            raise CheckInputError(f"plan of stack {stack}: {e}") from None
        evaluation = pack.evaluate(requests)
    result = build_result(evaluation, source_root=root)
    if timings is not None:
        timings["check_seconds"] = time.perf_counter() - planned
    return result


def _read_plan(path: Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckInputError(f"{path}: no such plan file") from None
    except OSError as e:
        raise CheckInputError(f"{path}: cannot read: {e.strerror}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise CheckInputError(f"{path}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(doc, dict):
        raise CheckInputError(f"{path}: expected a JSON object (the output of `quome plan --json`)")
    return doc


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check", help="run the HIPAA policy pack over a stack, offline, as `pulumi preview --policy-pack` does",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="plan this stack (stacks/Pulumi.<stack>.yaml) and check it")
    source.add_argument("--plan", type=Path, metavar="FILE", help="check a saved `quome plan --json` document")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the report here instead of stdout")
    parser.add_argument("--pack", type=Path, metavar="DIR", help="policy pack directory (default: policies/hipaa)")
    parser.add_argument("--in-process", action="store_true",
                        help="serve the pack in this process instead of a subprocess (same requests, no gRPC)")
    parser.add_argument("--root", type=Path, metavar="DIR",
                        help="project root holding stacks/ and components/ (default: this checkout)")
    parser.set_defaults(func=run)
    return parser


def run(ns: argparse.Namespace) -> int:
    from components.config import ConfigError
    from quome.plan import PlanError as ProgramError

    root = Path(ns.root) if getattr(ns, "root", None) else PROJECT_ROOT
    try:
        if ns.plan is not None:
            result = check_plan(_read_plan(ns.plan), root=root, pack_dir=ns.pack, in_process=ns.in_process,
                                source=str(ns.plan))
        elif ns.in_process:
            # The in-process servicer shares this process's Pulumi runtime with the program under
            # mocks, so it may only start once the program has finished.
            from quome.plan import plan_stack

            result = check_plan(plan_stack(ns.stack, root), root=root, pack_dir=ns.pack, in_process=True,
                                source=f"plan of stack {ns.stack}")
        else:
            result = check_stack(ns.stack, root=root, pack_dir=ns.pack)
        text = render(result, ns.format)
        if ns.output is not None:
            ns.output.parent.mkdir(parents=True, exist_ok=True)
            ns.output.write_text(text, encoding="utf-8")
            s = result.summary
            print(f"quome check: stack {result.stack}: {'FAIL' if s['mandatory'] else 'PASS'} "
                  f"({s['mandatory']} mandatory, {s['advisory']} advisory); {ns.format} report in {ns.output}",
                  file=sys.stderr)
        else:
            sys.stdout.write(text)
        return result.exit_code
    except (CheckInputError, ConfigError) as e:
        print(f"quome check: invalid input:\n{e}", file=sys.stderr)
    except ProgramError as e:
        # The program could not be planned, so it could not be checked: not a policy verdict (1).
        print(f"quome check: {e}", file=sys.stderr)
    except AnalyzerError as e:
        print(f"quome check: the policy pack could not be run: {e}", file=sys.stderr)
    except OSError as e:
        print(f"quome check: {e.filename or ''}: {e.strerror}", file=sys.stderr)
    except Exception as e:  # noqa: BLE001 - the contract is a message, never a traceback
        if os.environ.get("QUOME_DEBUG"):
            raise
        print(f"quome check: internal error: {type(e).__name__}: {e} (set QUOME_DEBUG=1 for a traceback)",
              file=sys.stderr)
    return 2
