"""`quome bench`: how long planning and checking take, for the dev stack grown to N organizations.

Speed targets live here, never in timed tests: `quome plan --stack dev --json` under 20 s, and the
default check (`quome check --stack`: subprocess + gRPC, as the CLI runs the pack) at most 10% of the
planning time. That check plans the stack while the pack's process starts beside the program, so its
cost (`check_seconds`) is its whole time less a plan's; `check_after_plan_seconds` is the part after
its own plan. Checking a saved plan (`quome check --plan`) also pays the pack's start
(`saved_plan_check_seconds`). Prints one JSON object per line.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from ipaddress import IPv4Network

import yaml

from components.address_plan import slot_cidr, slot_count, split_vpc
from components.network_spec import NetworkSpec

from quome.plan import PROJECT_ROOT, plan_stack

BASE_STACK = "dev"
# One organization in ten is enterprise (dedicated segment and node pool), the rest share the pools.
ENTERPRISE_EVERY = 10


def synthetic_stack(base: dict[str, Any], organizations: int) -> dict[str, Any]:
    """The base stack file with `organizations` valid organizations in its residency.

    Dedicated organizations get explicit segment CIDRs in consecutive slots, as an operator pins
    them when derived slots collide; hash-derived slots would collide by chance at this density.
    """
    document = copy.deepcopy(base)
    config = document["config"]
    residency = config["quome:residency"]
    network = NetworkSpec.model_validate(config.get("quome:network", {}))
    _, supernet = split_vpc(IPv4Network(network.vpc_cidr))
    prefix = network.segment_prefix_length
    dedicated_slots = iter(range(slot_count(supernet, prefix)))
    members = []
    for index in range(organizations):
        member: dict[str, Any] = {
            "id": f"org-{index:03d}",
            "displayName": f"Benchmark organization {index}",
            "tier": "standard",
            "residency": residency,
        }
        if index % ENTERPRISE_EVERY == 0:
            member["tier"] = "enterprise"
            member["cidr"] = str(slot_cidr(supernet, prefix, next(dedicated_slots)))
        members.append(member)
    config["quome:organizations"] = members
    return document


def _project_copy(stack: str, document: dict[str, Any], policy_config: Path) -> Path:
    """A throwaway project root: the real program and pack, one synthetic stack file."""
    root = Path(tempfile.mkdtemp(prefix="quome-bench-"))
    for entry in ("__main__.py", "components", "policies"):
        os.symlink(PROJECT_ROOT / entry, root / entry)
    (root / "stacks").mkdir()
    (root / "stacks" / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    if policy_config.is_file():
        shutil.copy(policy_config, root / "stacks" / f"policy.{stack}.json")
    return root


def _timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    durations, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), result


def measure(organizations: int, repeat: int) -> dict[str, Any]:
    from quome.check import check_plan, check_stack

    base = yaml.safe_load((PROJECT_ROOT / "stacks" / f"Pulumi.{BASE_STACK}.yaml").read_text())
    stack = f"bench-{organizations}"
    root = _project_copy(
        stack, synthetic_stack(base, organizations), PROJECT_ROOT / "stacks" / f"policy.{BASE_STACK}.json"
    )
    try:
        # Planning alone and the default check (which plans too) take turns, so that both see the
        # machine in the same state; the check's cost is what it adds to a plan.
        plans, stack_checks, after_plan = [], [], []
        for _ in range(repeat):
            seconds, plan = _timed(lambda: plan_stack(stack, root), 1)
            plans.append(seconds)
            timings: dict[str, float] = {}
            seconds, result = _timed(functools.partial(check_stack, stack, root=root, timings=timings), 1)
            stack_checks.append(seconds)
            after_plan.append(timings["check_seconds"])
        saved_plan_seconds, saved = _timed(lambda: check_plan(plan, root=root), repeat)
        in_process_seconds, _ = _timed(lambda: check_plan(plan, root=root, in_process=True), repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if result.to_dict() != saved.to_dict():
        raise RuntimeError(f"stack {stack}: `quome check --stack` and `quome check --plan` disagree")
    plan_seconds = statistics.median(plans)
    # What `quome check --stack` costs beyond `quome plan`: its whole time minus a plan's, so that the
    # pack's start-up slowing the plan beside it counts too.
    check_seconds = statistics.median(stack_checks) - plan_seconds
    ratio = check_seconds / plan_seconds
    summary = result.to_dict()["summary"]
    row = {
        "organizations": organizations,
        "resources": len(plan["resources"]),
        "repeat": repeat,
        "plan_seconds": round(plan_seconds, 3),
        "stack_check_seconds": round(statistics.median(stack_checks), 3),
        "check_seconds": round(check_seconds, 3),
        "check_after_plan_seconds": round(statistics.median(after_plan), 3),
        "check_to_plan_ratio": round(ratio, 3),
        "check_within_10_percent": ratio <= 0.10,
        "saved_plan_check_seconds": round(saved_plan_seconds, 3),
        "saved_plan_check_in_process_seconds": round(in_process_seconds, 3),
        "mandatory_violations": summary["mandatory"],
        "advisory_violations": summary["advisory"],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if organizations == len(base["config"].get("quome:organizations", [])):
        # The planning target is the dev stack's own (`quome plan --stack dev --json`), so only its size.
        row["plan_within_20_seconds"] = plan_seconds < 20.0
    return row


def _org_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--orgs {text!r}: expected comma-separated whole numbers, e.g. 2,25,100"
        ) from None
    if not counts or any(count < 0 or count > 500 for count in counts):
        raise argparse.ArgumentTypeError(f"--orgs {text!r}: each count must be from 0 to 500")
    return counts


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="time plan and check for the dev stack grown to N organizations")
    parser.add_argument("--orgs", type=_org_counts, default=[2, 25, 100], help="organization counts, e.g. 2,25,100")
    parser.add_argument(
        "--repeat", type=int, default=3, choices=range(1, 21), metavar="N", help="runs per figure (median)"
    )
    parser.set_defaults(func=run)


def run(ns) -> int:
    for count in ns.orgs:
        sys.stdout.write(json.dumps(measure(count, ns.repeat)) + "\n")
        sys.stdout.flush()
    return 0
