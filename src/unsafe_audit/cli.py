"""The command line: parse arguments, dispatch to a subcommand, map errors to exit codes.

Exit codes: 0 success; 1 the command ran and found something a CI job must fail on (``check``);
2 usage, git, source or ledger errors. Diagnostics go to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from unsafe_audit import __version__
from unsafe_audit.errors import UnsafeAuditError

# Subcommand modules in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("scan", "diff", "checklist", "sample")


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"unsafe_audit.commands.{name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unsafe-audit",
        description=(
            "Find every unsafe site and pg_sys use in a pgrx extension, diff them against the "
            "previous release, and keep signed-off justifications in the repository."
        ),
    )
    parser.add_argument("--version", action="version", version=f"unsafe-audit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        _load(name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        result: int = args.run(args)
        return result
    except UnsafeAuditError as e:
        print(f"unsafe-audit: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("unsafe-audit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of ours.
        return 0
