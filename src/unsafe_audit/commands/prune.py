"""``unsafe-audit prune``: list (or, with ``--apply``, delete) ledger entries of removed sites,
and the adoption exemptions no longer needed (their site is signed off, changed or removed).

``check`` keeps such entries as history and never fails on them; pruning is a deliberate step.
An entry is orphaned when no site of head uses it: not under its own id, not as the base id of
a moved, migrated or changed site, not as the same code moved in an earlier release. Given a
crate's directory in a workspace, only entries recorded for files under it are considered: the
other crates' sites are not scanned, so their entries are never taken for orphans. Dry run by
default; the deletions show up in the next commit's diff. An entry changed on disk since it was
read is not deleted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from unsafe_audit.audit import Audit, AuditRequest, load_audit, scanned_prefix
from unsafe_audit.commands.exemptions_option import add_exemptions_option
from unsafe_audit.commands.ledger_option import add_ledger_option
from unsafe_audit.exemptions.model import unneeded
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.scan import ScanOptions


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "prune",
        help="list or delete ledger entries whose site is gone (dry run unless --apply)",
        description=(
            "List the ledger entries that no site of head (the work tree, or --head REF) uses "
            "any more: their sites were removed. `check` keeps them as history; prune deletes "
            "them with --apply. Also lists (and with --apply drops) the adoption exemptions no "
            "longer needed: their site is signed off, or its code changed or is gone."
        ),
    )
    p.add_argument(
        "path", nargs="?", default=".", type=Path, help="repository or crate in it (default .)"
    )
    p.add_argument("--base", help="compare with this revision instead of the previous release tag")
    p.add_argument("--head", help="prune against this committed revision instead of the work tree")
    add_ledger_option(p)
    add_exemptions_option(p)
    p.add_argument("--apply", action="store_true", help="delete the files (default: only list)")
    p.add_argument("--no-cache", action="store_true", help="ignore and do not update the cache")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    options = ScanOptions(use_cache=not args.no_cache, cache_dir=getattr(args, "cache_dir", None))
    audit = load_audit(
        AuditRequest(
            path=args.path,
            base=args.base,
            head=args.head,
            ledger=args.ledger,
            options=options,
            exemptions=args.exemptions,
        )
    )
    ledger, orphaned = audit.ledger, audit.state.orphaned
    ledger.on_wait = _say
    for notice in ledger.notices:
        _say(notice)
    verb = "deleted" if args.apply else "would delete"
    for entry in orphaned:
        if args.apply:
            ledger.remove(entry.site)
        # The entry's fields are the ledger's, written by whoever committed it.
        what = (
            f"{ledger.display}/{entry.site}.yaml ({entry.kind.value} in "
            f"{entry.item or 'the crate root'} at {entry.path}, signed off for {entry.release})"
        )
        print(f"{verb} {terminal_line(what)}")
    if not orphaned:
        print("no orphaned entries", file=sys.stderr)
    elif not args.apply:
        print(f"{len(orphaned)} orphaned entries; run with --apply to delete them", file=sys.stderr)
    _prune_exemptions(audit, args)
    return 0


def _prune_exemptions(audit: Audit, args: argparse.Namespace) -> None:
    """Drop the adoption exemptions no longer needed: their site is signed off, or no head
    site has their id (the code changed or was removed). Nothing without an exemptions file."""
    file = audit.exemptions
    if file is None or not file.exemptions.exists:
        return
    exemptions = file.exemptions
    drop = unneeded(audit.state, exemptions, scanned_prefix(args.path, audit.root))
    display = terminal_line(exemptions.display)
    verb = "dropped" if args.apply else "would drop"
    for exemption, why in drop:
        what = (
            f"exemption {exemption.site} ({exemption.kind.value} at {exemption.path}, exempt "
            f"since {exemption.release}): {why.value}"
        )
        print(f"{verb} {terminal_line(what)}")
    if drop and args.apply:
        gone = {e.site for e, _ in drop}
        file.save(exemptions.with_entries(e for e in exemptions.ordered() if e.site not in gone))
    left = len(exemptions) - len(drop) if args.apply else len(exemptions)
    if not drop:
        print(f"no exemption to drop in {display} ({left} left)", file=sys.stderr)
    elif not args.apply:
        print(
            f"{len(drop)} exemptions in {display} no longer needed; run with --apply to drop them",
            file=sys.stderr,
        )
    else:
        print(f"{left} exemptions left in {display}", file=sys.stderr)


def _say(message: str) -> None:
    print(f"unsafe-audit: {terminal_line(message)}", file=sys.stderr, flush=True)
