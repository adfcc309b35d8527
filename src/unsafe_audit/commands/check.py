"""``unsafe-audit check``: the release gate. Exit 0 when every site that needs a sign-off has a
valid one, 1 when some do not, 2 on usage, git or ledger errors.

Which sites need a sign-off: every site in head, whatever its diff status, because a release
audit covers all unsafe code; ``--only-changed`` narrows that to new and changed sites and stale
sign-offs, for adopting the tool on an existing code base. Sign-offs of moved and migrated sites
still count; a changed site's sign-off is stale. Entries whose site is gone are kept as history
(reported as orphaned, never failing the gate; ``unsafe-audit prune`` deletes them). A sign-off
with a fail answer counts (the site was shipped knowingly, with a justification) and is listed.
"""

from __future__ import annotations

import argparse
import enum
import functools
import sys
from pathlib import Path
from typing import Any, assert_never

from unsafe_audit.commands.ledger_option import add_ledger_option
from unsafe_audit.commands.scan_options import add_scan_options, scan_options
from unsafe_audit.compare import compare
from unsafe_audit.errors import UsageError
from unsafe_audit.hints import hints_for_scan
from unsafe_audit.hints.interface import Hint
from unsafe_audit.ledger.entry import Entry
from unsafe_audit.ledger.signing import signature_problem
from unsafe_audit.ledger.store import Ledger
from unsafe_audit.model import SiteId
from unsafe_audit.report.interface import CheckReport, Formatter
from unsafe_audit.review_state import EntryProblem, review_sites


class CheckFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"


def formatter_for(fmt: CheckFormat) -> Formatter:
    """The formatter of one output format (imported only when used)."""
    if fmt is CheckFormat.TEXT:
        from unsafe_audit.report.text import TextFormatter

        return TextFormatter()
    if fmt is CheckFormat.JSON:
        from unsafe_audit.report.json import JsonFormatter

        return JsonFormatter()
    if fmt is CheckFormat.MARKDOWN:
        from unsafe_audit.report.markdown import MarkdownFormatter

        return MarkdownFormatter()
    if fmt is CheckFormat.SARIF:
        from unsafe_audit.report.sarif import SarifFormatter

        return SarifFormatter()
    assert_never(fmt)


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="fail unless every unsafe site and pg_sys use has a valid sign-off in the ledger",
        description=(
            "Check the ledger against head (the work tree, or --head REF) diffed with the "
            "previous release (or --base REF). Every site in head needs a valid sign-off, "
            "whatever its diff status: a release audit covers all unsafe code. --only-changed "
            "narrows the gate to new and changed sites and stale sign-offs. Sign-offs stay "
            "valid for unchanged, moved and migrated sites; a changed site's sign-off is stale. "
            "A sign-off with a fail answer counts and is listed. Entries whose site is gone are "
            "kept as history and counted as orphaned (see `unsafe-audit prune`). The ledger is "
            "read from the work tree. Exit 0: all signed off; 1: some sites need a sign-off; "
            "2: usage, git or ledger error."
        ),
    )
    p.add_argument(
        "path", nargs="?", default=".", type=Path, help="repository or crate in it (default .)"
    )
    p.add_argument("--base", help="compare with this revision instead of the previous release tag")
    p.add_argument("--head", help="audit this committed revision (what CI uses)")
    p.add_argument(
        "--format",
        choices=[f.value for f in CheckFormat],
        default=CheckFormat.TEXT.value,
        help="text (default), json (schema_version 1), markdown (PR comment) or sarif (2.1.0)",
    )
    add_ledger_option(p)
    p.add_argument(
        "--only-changed",
        action="store_true",
        help="only new and changed sites and stale sign-offs fail the check (gradual adoption)",
    )
    p.add_argument(
        "--require-signatures",
        action="store_true",
        help="count only sign-offs whose SSH signature verifies against --allowed-signers",
    )
    p.add_argument(
        "--allowed-signers",
        metavar="FILE",
        type=Path,
        help="ssh allowed_signers file (as for git's gpg.ssh.allowedSignersFile)",
    )
    add_scan_options(p)
    p.set_defaults(run=run)


def build_report(args: argparse.Namespace) -> CheckReport:
    """Compare, load the ledger and classify every head site."""
    problem: EntryProblem | None = None
    if args.require_signatures:
        signers: Path | None = args.allowed_signers
        if signers is None:
            raise UsageError("--require-signatures needs --allowed-signers FILE")
        if not signers.is_file():
            raise UsageError(f"--allowed-signers {signers}: no such file")
        problem = functools.partial(_signature_problem, signers)
    options = scan_options(args)
    with compare(
        args.path, base=args.base, head=args.head, allow_first_release=True, options=options
    ) as comparison:
        for warning in comparison.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        ledger = Ledger.load(comparison.root, args.ledger)
        state = review_sites(
            comparison.delta, ledger.entries, only_changed=args.only_changed, problem=problem
        )
        hints: dict[SiteId, list[Hint]] = {}
        if args.format == CheckFormat.MARKDOWN.value:
            # Evidence for the people reading the report; only where a sign-off is needed.
            blocking = [r.site for r in state.sites if r.blocking]
            source = comparison.head_source

            def read(path: str) -> bytes:
                return (source(path) or "").encode("utf-8", "surrogateescape")

            hints = hints_for_scan(blocking, read).by_site
        return CheckReport(
            base=comparison.base,
            head=comparison.head,
            reason=comparison.reason,
            state=state,
            ledger=ledger.display,
            require_signatures=args.require_signatures,
            hints=hints,
        )


def _signature_problem(signers: Path, entry: Entry) -> str | None:
    return signature_problem(entry, signers)


def run(args: argparse.Namespace) -> int:
    report = build_report(args)
    sys.stdout.write(formatter_for(CheckFormat(args.format)).format(report))
    return 0 if report.ok else 1
