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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unsafe_audit import __version__, history
from unsafe_audit.commands.checklist import add_checklist_option, build_checklist
from unsafe_audit.commands.ledger_option import add_ledger_option
from unsafe_audit.errors import UsageError

if TYPE_CHECKING:
    from unsafe_audit.compare import Comparison
    from unsafe_audit.review import LoadedReview, Loader, ProgressCallback


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "review",
        help="review and sign off the sites that need it, in a terminal UI",
        description=(
            "Open the interactive review: the sites of head (the work tree, or --head REF) that "
            "need a sign-off against the previous release (or --base REF) — new, changed, stale, "
            "then never signed off — with their code, diff, hints and the checklist. Answers are "
            "saved as drafts as you go; a sign-off writes .unsafe-audit/ledger/<site id>.yaml. "
            "Press ? in the review for the keys."
        ),
    )
    p.add_argument(
        "path", nargs="?", default=".", type=Path, help="repository or crate in it (default .)"
    )
    add_review_options(p)
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


@dataclass
class ReviewRequest:
    """What to load: the arguments of ``review`` as plain values (tests build these directly)."""

    path: Path
    base: str | None = None
    head: str | None = None
    checklists: Sequence[str] = ()
    allow_first_release: bool = False
    reviewer: str | None = None
    ledger: str | None = None
    use_cache: bool = True
    cache_dir: Path | None = None
    clock: Callable[[], str] | None = None
    """A ``() -> str`` timestamp for entries; default now (or ``SOURCE_DATE_EPOCH``)."""
    extra_notices: list[str] = field(default_factory=list)


def git_dir_of(root: Path) -> Path:
    """The git directory of the repository at ``root`` (drafts and the lock live there)."""
    with history.Repository.open(root) as repo:
        return repo.git_dir


def make_loader(request: ReviewRequest) -> Loader:
    """The loader the app runs in its worker: compare, ledger, hints, drafts, lock."""

    def load(progress: ProgressCallback) -> LoadedReview:
        return load_review(request, progress)

    return load


def load_review(request: ReviewRequest, progress: ProgressCallback | None = None) -> LoadedReview:
    """Build the :class:`~unsafe_audit.review.LoadedReview` for ``request``."""
    from unsafe_audit.commands.sign_off import reviewed_at
    from unsafe_audit.compare import compare
    from unsafe_audit.drafts import DraftFile
    from unsafe_audit.hints import hints_for_scan
    from unsafe_audit.ledger.store import GuardedLedger, Ledger
    from unsafe_audit.review import LoadedReview, ReviewSession, SignOffIdentity, build_items
    from unsafe_audit.review_lock import ReviewLock
    from unsafe_audit.review_state import review_sites
    from unsafe_audit.scan import ScanOptions

    def say(stage: str, done: int = 0, total: int = 0) -> None:
        if progress is not None:
            progress(stage, done, total)

    checklist = build_checklist(list(request.checklists))
    options = ScanOptions(
        use_cache=request.use_cache,
        cache_dir=request.cache_dir,
        progress=lambda done, total: say("Scanning Rust files…", done, total),
    )
    say("Comparing with the previous release…")
    with compare(
        request.path,
        base=request.base,
        head=request.head,
        allow_first_release=request.allow_first_release,
        options=options,
    ) as comparison:
        root = comparison.root
        say("Reading the ledger…")
        ledger = Ledger.load(root, request.ledger)
        state = review_sites(comparison.delta, ledger.entries)
        heads = [r.site for r in state.sites]
        say("Looking for hints…")
        head_source = comparison.head_source

        def read(path: str) -> bytes:
            text = head_source(path)
            return b"" if text is None else text.encode("utf-8", "surrogateescape")

        hints = hints_for_scan(heads, read)
        say("Preparing the queue…")
        items = build_items(
            state.sites,
            checklist,
            hints=hints.by_site,
            head_source=head_source,
            base_source=comparison.base_source,
        )
        release = _release(comparison)
        title = f"{root.name}: {comparison.base.label} → {release}"
        notices = [f"warning: {w}" for w in comparison.warnings[:5]]
        repo = comparison.repository
        git_dir = repo.git_dir
        reviewer = _reviewer(repo, request.reviewer)

    if not reviewer:
        notices.append(
            "no reviewer identity: set git config user.name and user.email (or pass "
            "--reviewer 'Name <email>') before signing off"
        )
    lock = ReviewLock.in_git_dir(git_dir)
    holder = lock.acquire()
    read_only = (
        None
        if holder is None
        else f"another unsafe-audit review ({holder}) is open on this repository; quit it to "
        "review here (this one shows the sites but saves nothing)"
    )
    draft_file = DraftFile.in_git_dir(git_dir)
    drafts = draft_file.load()
    if draft_file.warning:
        notices.append(draft_file.warning)
    identity = SignOffIdentity(
        reviewer=reviewer,
        release=release,
        checklist=" + ".join(checklist.parts) or f"{checklist.id}@{checklist.version}",
        tool=f"unsafe-audit {__version__}",
        clock=request.clock or reviewed_at,
    )
    session = ReviewSession(
        items,
        checklist,
        identity,
        GuardedLedger(ledger, root),
        drafts=drafts,
        draft_sink=None if read_only else draft_file,
        read_only=read_only,
    )
    resumed = [d for d in session.drafts if d in {i.id for i in session.items}]
    if resumed:
        notices.append(f"resumed {len(resumed)} draft(s) from the last review")
    return LoadedReview(
        session=session,
        title=title,
        notices=notices + request.extra_notices,
        close=lock.release,
    )


def _release(comparison: Comparison) -> str:
    """The ``release`` recorded in entries, as ``sign-off`` records it."""
    head = comparison.head
    if not head.working_tree:
        return str(head.ref if head.ref and head.ref != head.commit else (head.commit or "")[:12])
    try:
        with history.Repository.open(comparison.root) as repo:
            if repo.has_commits:
                return f"working tree of {repo.describe_rev('HEAD')}"
    except Exception:
        pass
    return "working tree"


def _reviewer(repo: history.Repository, override: str | None) -> str:
    if override:
        from unsafe_audit.commands.sign_off import check_reviewer

        return check_reviewer(override)
    return repo.identity() or ""


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
