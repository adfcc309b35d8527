"""The command line: parse arguments, dispatch to a subcommand, map errors to exit codes.

Exit codes: 0 success; 1 the command ran and found something a CI job must fail on (``check``);
2 usage, git, source or ledger errors. Diagnostics go to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

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


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'diff'?)`` for the closest of ``known`` to a mistyped ``word``, or
    nothing when none is close (Python 3.14's ``suggest_on_error``, for every version)."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose messages show arguments literally (``unrecognized arguments``
    echoes them raw, and a CI job may pass file names a pull request chose, a glob), and
    suggest the closest subcommand, option or choice to a mistyped one."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        super()._print_message(terminal_text(message), file)

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        choices = action.choices
        if choices is None or value in choices:
            return
        names = [str(c) for c in choices]
        listing = ", ".join(map(repr, names))
        hint = did_you_mean(str(value), names)
        raise argparse.ArgumentError(
            action, f"invalid choice: {value!r}{hint} (choose from {listing})"
        )

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        late = getattr(parsed, "late_positional", None)
        if late and extras and getattr(parsed, late) is None and not extras[0].startswith("-"):
            # argparse (before 3.13) gives an optional positional that follows another its
            # default as soon as an option comes between them: `sign-off ID --all-pass PATH`
            # would leave PATH unrecognized. The subcommand names the positional to fill.
            setattr(parsed, late, extras.pop(0))
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}{self._hint(extras, parsed)}")
        return parsed

    def _hint(self, extras: list[str], parsed: argparse.Namespace) -> str:
        """A suggestion for the first mistyped option among ``extras``, from the options of
        this parser and of the subcommand being run."""
        known = list(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                sub = action.choices.get(getattr(parsed, action.dest, None) or "")
                if sub is not None:
                    known += list(sub._option_string_actions)
        for extra in extras:
            if extra.startswith("--"):
                hint = did_you_mean(extra.partition("=")[0], (k for k in known if k[:2] == "--"))
                if hint:
                    return hint
        return ""


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
    parser.add_argument("-V", "--version", action="version", version=f"unsafe-audit {__version__}")
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


_pending: list[int] = []
"""Signals turned into :class:`Terminated` during this command (see :func:`main`)."""


def _terminate(signum: int, _frame: object) -> None:
    _pending.append(signum)
    raise Terminated(signum)


def _drop_swallowed_interrupts(previous: Callable[[Any], object]) -> Callable[[Any], None]:
    """An unraisable-exception hook that says nothing of an interrupt that landed in a
    finalizer (where Python cannot raise it): :func:`main` reports it itself."""

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous(unraisable)

    return hook


@contextlib.contextmanager
def _termination_caught() -> Iterator[None]:
    """Within: SIGTERM and SIGHUP raise :class:`Terminated` (where they are still at their
    default; the review app installs its own, which keep what an editor holds). The handlers
    are put back after, so a caller in-process (a test) keeps its own."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    hook = sys.unraisablehook
    _pending.clear()
    for signum, handler in previous.items():
        if handler is signal.SIG_DFL:
            signal.signal(signum, _terminate)
    sys.unraisablehook = _drop_swallowed_interrupts(hook)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is signal.SIG_DFL:
                signal.signal(signum, handler)
        if not _pending:
            sys.unraisablehook = hook


def _terminated(signum: int) -> int:
    interrupted(f"terminated by {signal.Signals(signum).name}")
    return 128 + signum


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    with _termination_caught():
        code = _run(argv)
        # A signal that landed in a finalizer was swallowed there, and the command ran on.
        return _terminated(_pending[0]) if _pending and code != 128 + _pending[0] else code


def _run(argv: list[str]) -> int:
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
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
        return _terminated(e.signum)
    except KeyboardInterrupt:
        return interrupted()
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of ours.
        return 0
