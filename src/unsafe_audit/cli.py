"""The command line: parse arguments, dispatch to a subcommand, map errors to exit codes.

Exit codes: 0 success; 1 the command ran and found something a CI job must fail on (``check``);
2 usage, git, source or ledger errors. Diagnostics go to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from unsafe_audit import __version__
from unsafe_audit.errors import UnsafeAuditError
from unsafe_audit.report.escape import terminal_text

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

# Subcommands in the order ``--help`` lists them, with their one-line help. Only the module of
# the command being run is imported, so `scan` does not pay for git, YAML or Textual imports.
COMMANDS: dict[str, str] = {
    "demo": "try the review on a bundled sample extension",
    "review": "review and sign off the sites that need it, in a terminal UI",
    "scan": "list every unsafe site and pg_sys use",
    "diff": "compare the sites with the previous release",
    "checklist": "print the FFI-safety checklist in force",
    "sign-off": "record a reviewed site in the ledger",
    "check": "fail unless every site has a valid sign-off (for CI)",
    "adopt": "exempt every site not signed off yet, to start gating from a release",
    "prune": "list or delete ledger entries of removed sites",
    "sample": "build a bundled sample extension as a git repository",
}


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"unsafe_audit.commands.{name.replace('-', '_')}")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose messages show arguments literally: ``unrecognized arguments``
    echoes them raw, and a CI job may pass file names a pull request chose (a glob)."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        super()._print_message(terminal_text(message), file)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, the other subcommands are registered by name only
    (subcommand parsers are of the same class)."""
    parser = _Parser(
        prog="unsafe-audit",
        description=(
            "Find every unsafe site and pg_sys use in a pgrx extension, diff them against the "
            "previous release, and keep signed-off justifications in the repository."
        ),
    )
    parser.add_argument("--version", action="version", version=f"unsafe-audit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in COMMANDS.items():
        if only is None or name == only:
            _load(name).add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def interrupted(what: str = "interrupted") -> int:
    """Ctrl-C (or, with ``what``, a termination): one line on stderr and exit 130, nothing
    more.

    Two things would add more. Objects freed on the way out (a git stream cut off mid-read)
    report errors nobody can act on: they are dropped. And a Ctrl-C that landed inside an
    ``exec`` of source text (dataclasses and namedtuples make their methods that way) leaves
    CPython's "unhandled KeyboardInterrupt" flag set although it was handled, so the process
    would end killed by SIGINT rather than with 130: an ``exec`` that completes clears it.
    """
    sys.unraisablehook = lambda _: None
    exec("pass", {})  # clears the flag (see above); runs nothing
    print(f"unsafe-audit: {what}", file=sys.stderr)
    return 130


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a CI job cancelled, a terminal closed), raised where the command is,
    so that it unwinds as from a Ctrl-C: worker pools stop and temporary directories go."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def _catch_termination() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` (the review app installs its own
    handlers while it runs, which keep what an editor holds)."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _terminate)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        _catch_termination()
        # Inside the try: a Ctrl-C while the subcommand's modules load is still a quiet 130.
        parser = build_parser(command if command in COMMANDS else None)
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        result: int = args.run(args)
        return result
    except UnsafeAuditError as e:
        # Messages quote file names, ledger fields and git's own words: shown literally.
        print(f"unsafe-audit: error: {terminal_text(str(e), indent='  ')}", file=sys.stderr)
        return e.exit_code
    except Terminated as e:
        interrupted(f"terminated by {signal.Signals(e.signum).name}")
        return 128 + e.signum
    except KeyboardInterrupt:
        return interrupted()
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of ours.
        return 0
