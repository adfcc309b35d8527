"""``unsafe-audit adopt``: take up the gate on an existing code base without signing off all of
it first.

Records every site of a revision (the work tree, or ``--rev REV``, typically the last release)
that has no sign-off that counts as *exempt* at that revision, in one sorted file
(``.unsafe-audit/exemptions.yaml``) to commit. ``check`` then lets each exempt site pass while
its code is unchanged and counts them; new and changed code still needs a sign-off. ``review
--exempt`` works through the exempt sites later, and ``prune --apply`` drops the exemptions of
sites signed off or gone since (see :mod:`unsafe_audit.exemptions.model` for the rules).

Adopting again adds only the sites not exempt yet; it never rewrites or removes a line.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from unsafe_audit.audit import AuditRequest, load_audit
from unsafe_audit.commands.checklist import add_checklist_option, build_checklist
from unsafe_audit.commands.exemptions_option import add_exemptions_option
from unsafe_audit.commands.ledger_option import add_ledger_option
from unsafe_audit.commands.scan_options import add_scan_options, scan_options
from unsafe_audit.exemptions.model import adopt
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.report.style import plural


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "adopt",
        help="exempt every site not signed off yet, to start gating from a release",
        description=(
            "Adopt unsafe-audit on an existing code base: record every site of the work tree "
            "(or of --rev REV, say your last release) that has no valid sign-off as exempt at "
            "that revision, one line per site in .unsafe-audit/exemptions.yaml (commit it). "
            "`check` then passes exempt sites while their code is unchanged and shows them as a "
            "count; new or changed code still needs a sign-off. `review --exempt` works through "
            "the exempt sites later; `prune --apply` drops the exemptions of sites signed off "
            "or gone since. Adopting again only adds sites not exempt yet."
        ),
    )
    p.add_argument(
        "path", nargs="?", default=".", type=Path, help="repository or crate in it (default .)"
    )
    p.add_argument(
        "--rev", help="exempt the sites of this committed revision instead of the work tree"
    )
    add_exemptions_option(p)
    add_ledger_option(p)
    add_checklist_option(p)
    p.add_argument(
        "--dry-run", action="store_true", help="say what would be exempted, write nothing"
    )
    add_scan_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    audit = load_audit(
        AuditRequest(
            path=args.path,
            head=args.rev,
            ledger=args.ledger,
            options=scan_options(args),
            checklist=build_checklist(args.checklists),
            identity=True,
            # The sites of one revision and their sign-offs: no release to compare with.
            no_base=True,
            exemptions=args.exemptions,
        )
    )
    for warning in audit.comparison.warnings:
        print(f"warning: {terminal_line(str(warning))}", file=sys.stderr)
    blocking_files = audit.state.blocking_files
    if blocking_files:
        print(
            f"unsafe-audit: {plural(len(blocking_files), 'file')} could not be searched for "
            "sites; no exemption covers them (`unsafe-audit check` lists them)",
            file=sys.stderr,
        )
    file = audit.exemptions
    assert file is not None
    release = audit.comparison.release
    adoption = adopt(audit.state, file.exemptions, release)
    display = terminal_line(file.exemptions.display)
    if adoption.added and not args.dry_run:
        file.save(adoption.exemptions)
    verb = "would exempt" if args.dry_run else "exempted"
    kinds = Counter(e.kind.value for e in adoption.added)
    by_kind = ", ".join(f"{kinds[k]} {k}" for k in sorted(kinds))
    print(
        f"{verb} {plural(len(adoption.added), 'review unit')} at {terminal_line(release)} in "
        f"{display}" + (f" ({by_kind})" if by_kind else "")
    )
    print(
        f"{adoption.already} were exempt already, {adoption.signed} have a sign-off; "
        f"{plural(len(adoption.exemptions), 'exemption')} in all"
    )
    if adoption.added and not args.dry_run:
        print(
            f"commit {display}; `unsafe-audit check` now passes these sites while their code "
            "is unchanged, and `unsafe-audit review --exempt` works through them"
        )
    return 0
