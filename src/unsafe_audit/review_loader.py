"""Load a review from a repository: the audit pipeline, then the queue, drafts and the lock.

What ``unsafe-audit review`` (and ``demo``) runs in the UI's background worker. It builds the
pure :class:`~unsafe_audit.review.ReviewSession` from :func:`unsafe_audit.audit.load_audit`,
with each site's code view cut from the same parsed files the hints read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unsafe_audit import __version__
from unsafe_audit.audit import AuditRequest, HintScope, load_audit
from unsafe_audit.checklist.load import default_checklist, load_checklist
from unsafe_audit.checklist.model import Checklist, merge_checklists
from unsafe_audit.config.model import CONFIG_PATH, RepoConfig
from unsafe_audit.drafts import DraftFile
from unsafe_audit.extract.code_view import code_view
from unsafe_audit.extract.parsed import syntax_of
from unsafe_audit.ledger.store import GuardedLedger
from unsafe_audit.model import Site
from unsafe_audit.report.style import plural
from unsafe_audit.review import (
    LoadedReview,
    Loader,
    ProgressCallback,
    ReviewSession,
    SignOffIdentity,
    build_items,
)
from unsafe_audit.review_lock import ReviewLock
from unsafe_audit.review_state import SiteReview
from unsafe_audit.scan import ScanOptions
from unsafe_audit.signoff import check_reviewer, reviewed_at, undecodable
from unsafe_audit.source import CodeView, Snapshot


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
    exemptions: str | None = None
    """The adoption exemptions file (``--exemptions``; None: the configuration's or default)."""
    exempt: bool = False
    """Review only the sites an adoption exemption covers (``review --exempt``); otherwise
    they are left out of the queue."""
    config: RepoConfig | None = None
    """The repository's configuration as the command line amends it (None: read it)."""


def make_loader(request: ReviewRequest) -> Loader:
    """The loader the app runs in its worker."""

    def load(progress: ProgressCallback) -> LoadedReview:
        return load_review(request, progress)

    return load


def build_checklist(team_paths: Sequence[str | Path]) -> Checklist:
    """The default checklist with each team file merged on top, in the order given."""
    checklist = default_checklist()
    for path in team_paths:
        checklist = merge_checklists(checklist, load_checklist(path, base=checklist))
    return checklist


def code_views(files: Snapshot) -> Callable[[Site], CodeView | None]:
    def view(site: Site) -> CodeView | None:
        file = files.file(site.path)
        return None if file is None else code_view(syntax_of(file), site)

    return view


def _exempt_or_not(
    reviews: Sequence[SiteReview], exempt: bool
) -> tuple[list[SiteReview], str | None]:
    """The sites the queue holds: without ``exempt``, all but those an adoption exemption
    covers; with it, only those. And a notice saying what was left out."""
    covered = [r for r in reviews if r.exempt is not None]
    if exempt:
        note = (
            f"{len(covered)} exempt sites (adopted, never signed off); a sign-off here does "
            "not edit the exemptions file: `unsafe-audit prune --apply` drops the lines after"
        )
        return covered, note
    if not covered:
        return list(reviews), None
    note = (
        f"{len(covered)} sites exempt since adoption are not in this queue; "
        "`unsafe-audit review --exempt` works through them"
    )
    return [r for r in reviews if r.exempt is None], note


def load_review(request: ReviewRequest, progress: ProgressCallback | None = None) -> LoadedReview:
    """The ready session for ``request``: compare, ledger, hints, queue, drafts, lock."""

    def say(stage: str, done: int = 0, total: int = 0) -> None:
        if progress is not None:
            progress(stage, done, total)

    checklist = build_checklist(request.checklists)
    options = ScanOptions(
        use_cache=request.use_cache,
        cache_dir=request.cache_dir,
        progress=lambda done, total: say("Scanning Rust files…", done, total),
        config=request.config,
    )
    audit = load_audit(
        AuditRequest(
            path=request.path,
            base=request.base,
            head=request.head,
            allow_first_release=request.allow_first_release,
            ledger=request.ledger,
            options=options,
            checklist=checklist,
            hints=HintScope.ALL,
            base_code=True,
            identity=True,
            exemptions=request.exemptions,
        ),
        say,
    )
    comparison = audit.comparison
    say("Preparing the queue…")
    sites, exempt_note = _exempt_or_not(audit.state.sites, request.exempt)
    items = build_items(
        sites,
        checklist,
        hints=audit.hints.by_site,
        head_files=comparison.head_files,
        base_files=comparison.base_files,
        code_view=code_views(comparison.head_files),
    )
    root = comparison.root
    title = f"{root.name}: {comparison.base.label} → {comparison.release}"
    notices = [f"warning: {w}" for w in comparison.warnings[:5]] + audit.ledger.notices
    if exempt_note:
        notices.append(exempt_note)
    blocking = audit.state.blocking_files
    if blocking:
        shown = ", ".join(r.file.path for r in blocking[:3]) + (", …" if len(blocking) > 3 else "")
        notices.append(
            f"{plural(len(blocking), 'file')} could not be searched for sites ({shown}): check "
            f"fails on them until they are fixed or allowed (allow_unread in {CONFIG_PATH})"
        )
    reviewer = check_reviewer(request.reviewer) if request.reviewer else comparison.reviewer or ""
    if undecodable(reviewer) is not None:
        notices.append(
            f"git config user.name/user.email {reviewer!r} is not valid UTF-8, which a sign-off "
            "cannot record: set them in UTF-8 (or pass --reviewer 'Name <email>') before "
            "signing off"
        )
        reviewer = ""
    elif not reviewer:
        notices.append(
            "no reviewer identity: set git config user.name and user.email (or pass "
            "--reviewer 'Name <email>') before signing off"
        )
    lock = ReviewLock.in_git_dir(comparison.git_dir)
    holder = lock.acquire()
    read_only = (
        None
        if holder is None
        else f"another unsafe-audit review ({holder}) is open on this repository; quit it to "
        "review here (this one shows the sites but saves nothing)"
    )
    draft_file = DraftFile.in_git_dir(comparison.git_dir)
    drafts = draft_file.load()
    if draft_file.warning:
        notices.append(draft_file.warning)
    identity = SignOffIdentity(
        reviewer=reviewer,
        release=comparison.release,
        checklist=checklist.label,
        tool=f"unsafe-audit {__version__}",
        clock=request.clock or reviewed_at,
        majors=comparison.majors,
    )
    session = ReviewSession(
        items,
        checklist,
        identity,
        GuardedLedger(audit.ledger, root),
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
