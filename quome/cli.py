"""Command-line entry point. Exit codes are a contract: 0 ok, 1 failure, 2 invalid input."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Sequence

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    from quome import bench, check, plan

    parser = argparse.ArgumentParser(prog="quome", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    plan.register(subparsers)
    check.register(subparsers)
    bench.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # pulumi_aws warns about its own deprecated aliases at import; they are not the user's concern.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from components.config import ConfigError
    from quome.plan import PlanError

    parser = build_parser()
    try:
        ns = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_INVALID if exit_.code not in (0, None) else EXIT_OK
    try:
        return ns.func(ns)
    except ConfigError as error:
        print(f"quome {ns.command}: invalid configuration:\n{error}", file=sys.stderr)
        return EXIT_INVALID
    except PlanError as error:
        print(f"quome {ns.command}: {error}", file=sys.stderr)
        return EXIT_FAILED
