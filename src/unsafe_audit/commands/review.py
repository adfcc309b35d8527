"""``unsafe-audit review``: the interactive review of the sites that need a sign-off.

Opens a terminal UI (see :mod:`unsafe_audit.tui`) over the sites of head (the work tree, or
``--head REF``) diffed with the previous release (or ``--base REF``): new, changed, stale and
never-signed sites first. Answers are kept as drafts in ``<git dir>/unsafe-audit/`` as they are
given; a sign-off writes ``.unsafe-audit/ledger/<site id>.yaml``. A second ``review`` on the same
clone opens read-only. Exit 0 after a normal quit, 2 when the review could not be loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from unsafe_audit.commands.checklist import add_checklist_option
from unsafe_audit.commands.exemptions_option import add_exemptions_option
from unsafe_audit.commands.ledger_option import add_ledger_option
from unsafe_audit.errors import UsageError
from unsafe_audit.review_loader import ReviewRequest, load_review, make_loader

__all__ = ["ReviewRequest", "add_parser", "load_review", "make_loader", "open_review", "run"]


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "review",
        help="review and sign off the sites that need it, in a terminal UI",
        description=(
            "Open the interactive review: the sites of head (the work tree, or --head REF) that "
            "need a sign-off against the previous release (or --base REF) — new, changed, stale, "
            "then never signed off — with their code, diff, hints and the checklist. Answers are "
            "saved as drafts as you go; a sign-off writes .unsafe-audit/ledger/<site id>.yaml. "
            "Sites exempted by `unsafe-audit adopt` are left out; --exempt reviews only them. "
            "Press ? in the review for the keys."
        ),
    )
    p.add_argument(
        "path", nargs="?", default=".", type=Path, help="repository or crate in it (default .)"
    )
    add_review_options(p)
    add_exemptions_option(p)
    p.add_argument(
        "--exempt",
        action="store_true",
        help="work through the sites exempted by `unsafe-audit adopt` (only those)",
    )
    p.set_defaults(run=run)


def add_review_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``review`` and ``demo``."""
    p.add_argument("--base", help="compare with this revision instead of the previous release tag")
    p.add_argument("--head", help="review this committed revision instead of the work tree")
    add_checklist_option(p)
    p.add_argument(
        "--allow-first-release",
        action="store_true",
        help="with no earlier release tag, review every site as new",
    )
    p.add_argument("--reviewer", metavar="'NAME <EMAIL>'", help="override the git config identity")
    add_ledger_option(p)
    p.add_argument("--no-cache", action="store_true", help="ignore and do not update the cache")


def request_from(args: argparse.Namespace, path: Path) -> ReviewRequest:
    return ReviewRequest(
        path=path,
        base=args.base,
        head=args.head,
        checklists=args.checklists,
        allow_first_release=args.allow_first_release,
        reviewer=args.reviewer,
        ledger=args.ledger,
        use_cache=not args.no_cache,
        cache_dir=getattr(args, "cache_dir", None),
        exemptions=getattr(args, "exemptions", None),
        exempt=getattr(args, "exempt", False),
    )


def open_review(request: ReviewRequest) -> int:
    """Run the app over ``request``; the exit code."""
    if not request.path.exists():
        raise UsageError(f"{request.path} does not exist; give the path of a git repository")
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise UsageError(
            "review is interactive and needs a terminal; use `unsafe-audit sign-off` in scripts"
        )
    from unsafe_audit.tui import make_app

    app = make_app(make_loader(request))
    code = app.run()
    return code if isinstance(code, int) else 0


def run(args: argparse.Namespace) -> int:
    return open_review(request_from(args, args.path))
