"""``unsafe-audit check``: the release gate. Exit 0 when every site that needs a sign-off has a
valid one, 1 when some do not, 2 on usage, git or ledger errors.

Which sites need a sign-off: every site in head, whatever its diff status, because a release
audit covers all unsafe code; ``--only-changed`` narrows that to new and changed sites and stale
sign-offs, for adopting the tool on an existing code base. Sign-offs of moved and migrated sites
still count; a changed site's sign-off is stale. Entries whose site is gone are kept as history
(reported as orphaned, never failing the gate; ``unsafe-audit prune`` deletes them). A sign-off
with a fail answer counts (the site was shipped knowingly, with a justification) and is listed.

What needs a sign-off is a review unit (see :mod:`unsafe_audit.units`): an unsafe site, or a
pg_sys use outside every unsafe site; a pg_sys use inside an unsafe site is covered by that
site's sign-off. A sign-off counts only if it answers exactly the items of the checklist in use
that apply to its site's kind (and its pg_sys uses' kinds), records that kind, and names a
known lifetime pattern (see :mod:`unsafe_audit.review_state`); ``--checklist`` adds a team's
items, as for ``review`` and ``sign-off``, so a gate must be given the same team checklists the
reviewers answered.
"""

from __future__ import annotations

import argparse
import enum
import functools
import os
import sys
from pathlib import Path
from typing import Any, assert_never

from unsafe_audit.audit import Audit, AuditRequest, HintScope, load_audit, scanned_prefix
from unsafe_audit.commands.base_note import say_base
from unsafe_audit.commands.checklist import add_checklist_option, build_checklist
from unsafe_audit.commands.exemptions_option import add_exemptions_option
from unsafe_audit.commands.ledger_option import add_ledger_option
from unsafe_audit.commands.progress import progress_bar
from unsafe_audit.commands.scan_options import add_scan_options, scan_options
from unsafe_audit.commands.settings import (
    add_only_changed_option,
    add_tag_pattern_option,
    apply_config,
)
from unsafe_audit.contracts.digest import table_majors
from unsafe_audit.errors import UsageError
from unsafe_audit.exemptions.model import Exemption, Unneeded, unneeded
from unsafe_audit.ledger.entry import Entry
from unsafe_audit.ledger.signing import signature_problem
from unsafe_audit.report import check_json, check_markdown, check_sarif, check_text
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.report.interface import CheckReport, Renderer
from unsafe_audit.report.links import links_from_environment
from unsafe_audit.review_state import EntryProblem


class CheckFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"

    @property
    def shows_hints(self) -> bool:
        """True for the formats that carry the hints of blocking sites: all but text, which
        stays a short terminal listing (and so skips the time the hints take)."""
        return self is not CheckFormat.TEXT


def renderer_for(fmt: CheckFormat) -> Renderer[CheckReport]:
    """The renderer of one output format."""
    if fmt is CheckFormat.TEXT:
        return check_text.write
    if fmt is CheckFormat.JSON:
        return check_json.write
    if fmt is CheckFormat.MARKDOWN:
        return check_markdown.write
    if fmt is CheckFormat.SARIF:
        return check_sarif.write
    assert_never(fmt)


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="fail unless every unsafe site and pg_sys use has a valid sign-off in the ledger",
        description=(
            "Check the ledger against head (the work tree, or --head REF) diffed with the "
            "previous release (or --base REF). Every review unit in head needs a valid sign-off, "
            "whatever its diff status: a release audit covers all unsafe code. A unit is an "
            "unsafe site, or a pg_sys use outside every unsafe site; the pg_sys uses inside an "
            "unsafe site are covered by its sign-off, which goes stale when they change. "
            "--only-changed "
            "narrows the gate to new and changed sites and stale sign-offs. Sign-offs stay "
            "valid for unchanged, moved and migrated sites; a changed site's sign-off is stale. "
            "A sign-off with a fail answer counts and is listed. Entries whose site is gone are "
            "kept as history and counted as orphaned (see `unsafe-audit prune`). Sites exempted "
            "by `unsafe-audit adopt` pass while their code is unchanged. The ledger is "
            "read from the work tree. Like diff, a repository with no earlier release tag is "
            "an error unless --allow-first-release is given; stderr says which base was used. "
            "Options left unset come from .unsafe-audit/config.yaml. Exit 0: all signed off; "
            "1: some sites need a sign-off; 2: usage, git, configuration or ledger error."
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
    p.add_argument(
        "--allow-first-release",
        action="store_true",
        help="when there is no earlier release tag, treat every site as new instead of failing",
    )
    add_tag_pattern_option(p)
    add_ledger_option(p)
    add_exemptions_option(p)
    add_checklist_option(p)
    add_only_changed_option(p)
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
    apply_config(args, args.path)
    with progress_bar() as bar:
        audit = load_audit(
            AuditRequest(
                path=args.path,
                base=args.base,
                head=args.head,
                allow_first_release=args.allow_first_release,
                ledger=args.ledger,
                options=scan_options(args, progress=bar),
                only_changed=args.only_changed,
                checklist=build_checklist(args.checklists),
                problem=problem,
                # Evidence for the people reading the report; only where a sign-off is needed.
                hints=(
                    HintScope.BLOCKING if CheckFormat(args.format).shows_hints else HintScope.NONE
                ),
                exemptions=args.exemptions,
            )
        )
    comparison = audit.comparison
    say_base(comparison)
    for warning in comparison.warnings:
        print(f"warning: {terminal_line(str(warning))}", file=sys.stderr)
    for notice in audit.ledger.notices:
        print(f"unsafe-audit: {terminal_line(notice)}", file=sys.stderr)
    exemptions, not_needed = _exemption_fields(audit, args.path)
    return CheckReport(
        base=comparison.base,
        head=comparison.head,
        reason=comparison.reason,
        state=audit.state,
        ledger=audit.ledger.display,
        require_signatures=args.require_signatures,
        hints=audit.hints.by_site,
        exemptions=exemptions,
        unneeded_exemptions=not_needed,
        links=links_from_environment(os.environ),
        # The majors the sign-offs hold contracts for: those the table reads (13 and later).
        majors=tuple(m for m in comparison.majors if m in table_majors()),
    )


def _exemption_fields(
    audit: Audit, path: Path
) -> tuple[str | None, tuple[tuple[Exemption, Unneeded], ...]]:
    """The adoption exemptions file in use and the exemptions it no longer needs (None and
    nothing without a file)."""
    file = audit.exemptions
    if file is None or not file.exemptions.exists:
        if file is not None and file.exemptions.explicit:
            shown = terminal_line(file.exemptions.display)
            print(f"unsafe-audit: no exemptions file {shown}: no site is exempt", file=sys.stderr)
        return None, ()
    scope = scanned_prefix(path, audit.root)
    return file.exemptions.display, unneeded(audit.state, file.exemptions, scope)


def _signature_problem(signers: Path, entry: Entry) -> str | None:
    return signature_problem(entry, signers)


def run(args: argparse.Namespace) -> int:
    report = build_report(args)
    renderer_for(CheckFormat(args.format))(report, sys.stdout)
    return 0 if report.ok else 1
