"""The ``riskmodel`` command line (also ``python -m riskmodel``).

Each verb lives in its own module of this package and exposes ``register(subparsers)``, which adds
its parser and sets ``func`` (called with the parsed arguments; returns the exit code). Progress
goes to stderr; results go to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from riskmodel.exceptions import RiskmodelError

__all__ = ["main", "build_parser", "COMMANDS"]

#: Verbs in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "run", "simulate", "ingest", "fetch", "extract", "panel", "backtest", "report",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every verb registered."""
    parser = argparse.ArgumentParser(
        prog="riskmodel",
        description="Escalation risk between pairs of states, from event data and news articles.",
    )
    from riskmodel import __version__

    parser.add_argument("--version", action="version", version=f"riskmodel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"riskmodel.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"riskmodel.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``riskmodel`` command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except RiskmodelError as exc:
        print(f"riskmodel {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"riskmodel {args.command}: interrupted", file=sys.stderr)
        return 130
