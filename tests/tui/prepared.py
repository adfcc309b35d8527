"""A review prepared in memory, so the review app can be tested without git or a scan.

The expensive part of a review — extracting the sites of both sides, classifying the delta,
running the hints and cutting each site's code — is done here with the real extractor, diff and
hints over files read straight from ``sample_repos/<name>/releases/<tree>/`` (or given as text),
into frozen values: a :class:`Prepared`, built once per test session. Each test then opens a
:class:`Workspace` under its ``tmp_path``: a real :class:`~unsafe_audit.ledger.Ledger` and a
real drafts file there, and a fresh :class:`~unsafe_audit.review.ReviewSession` over the prepared
items with a pinned reviewer and clock. ``tests/tui/test_prepared.py`` checks that the pg_cache
review prepared here is the one ``unsafe-audit review`` loads from the sample's git repository.

The TUI tests take the project's names from here (besides the widgets and screens they look at,
and the loader of the end-to-end flows, imported in ``conftest.py``), so a module that moves is
fixed in one place.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from unsafe_audit import __version__
from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.checklist.model import Checklist
from unsafe_audit.diff import Delta, classify
from unsafe_audit.drafts import DraftFile
from unsafe_audit.extract import extract_file
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.registry import hints_for_scan
from unsafe_audit.ledger.entry import Answer, Entry, Verdict
from unsafe_audit.ledger.store import GuardedLedger, Ledger, read_entry
from unsafe_audit.model import FileResult, SiteId, SiteKind
from unsafe_audit.review import (
    ALL,
    Group,
    LoadedReview,
    Loader,
    ProgressCallback,
    QueueFilter,
    ReviewItem,
    ReviewSession,
    SignOffIdentity,
    build_items,
)
from unsafe_audit.review_loader import code_views
from unsafe_audit.review_state import Review, review_sites
from unsafe_audit.source import Snapshot
from unsafe_audit.tui import ReviewApp, make_app
from unsafe_audit.tui.autosave import DELAY as AUTOSAVE_DELAY
from unsafe_audit.units import hints_by_unit

__all__ = [  # what the TUI tests use from the project, besides the widgets they look at
    "ALL",
    "AUTOSAVE_DELAY",
    "PG_CACHE_TITLE",
    "REVIEWER",
    "STAMP",
    "TOOL",
    "Answer",
    "Entry",
    "Group",
    "Ledger",
    "Loader",
    "Prepared",
    "QueueFilter",
    "Review",
    "ReviewApp",
    "ReviewSession",
    "SiteId",
    "SiteKind",
    "Verdict",
    "Workspace",
    "make_app",
    "pg_cache_review",
    "prepare",
    "read_entry",
]

REVIEWER = "Rita Reviewer <rita@example.com>"
STAMP = "2025-06-01T12:00:00Z"
TOOL = f"unsafe-audit {__version__}"
"""What every entry written in these tests records as its ``tool``."""
SAMPLES = Path(__file__).resolve().parents[2] / "sample_repos"
PG_CACHE_TITLE = "pg_cache: v0.2.1 → working tree of v0.3.0"
"""What ``review`` titles the pg_cache sample with main checked out at v0.3.0."""
PG_CACHE_RELEASE = "working tree of v0.3.0"


def release_files(sample: str, tree: str) -> dict[str, bytes]:
    """Every Rust file of ``sample_repos/<sample>/releases/<tree>/``, by repository path."""
    root = SAMPLES / sample / "releases" / tree
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.rs"))}


def _results(files: Mapping[str, bytes]) -> list[FileResult]:
    return [extract_file(path, files[path]) for path in sorted(files)]


@dataclass(frozen=True)
class Prepared:
    """The frozen part of a review: everything but the ledger, the drafts and the session."""

    title: str
    """The app's title line."""
    release: str
    """The ``release`` that sign-offs record."""
    checklist: Checklist
    delta: Delta
    """Base sites against head sites, as ``review`` classifies them."""
    hints: Mapping[SiteId, Sequence[Hint]]
    """The hints of every head site that has any."""
    head: Snapshot
    """Head files, as ``review`` keeps them."""
    base: Snapshot
    """Base files."""
    items: tuple[ReviewItem, ...] = field(default=())
    """The queue against an empty ledger (what most tests open)."""

    def items_for(self, entries: Mapping[SiteId, Entry]) -> list[ReviewItem]:
        """The queue against a ledger holding ``entries``."""
        if not entries and self.items:
            return list(self.items)
        state = review_sites(self.delta, entries, self.checklist)
        # As the audit does: a unit shows the hints seen at its pg_sys uses too.
        units = [(r.site.id, [m.id for m in r.member_sites]) for r in state.sites]
        return build_items(
            state.sites,
            self.checklist,
            hints=hints_by_unit(units, self.hints),
            head_files=self.head,
            base_files=self.base,
            code_view=code_views(self.head),
        )


def prepare(
    head: Mapping[str, bytes],
    base: Mapping[str, bytes] | None = None,
    *,
    title: str,
    release: str,
) -> Prepared:
    """Extract, classify and hint ``head`` against ``base`` (None: a first release, every site
    new) with the built-in checklist."""
    base = base or {}
    head_files, base_files = Snapshot(head), Snapshot(base)
    delta = classify(_results(base), _results(head))
    heads = [d.head for d in delta.sites if d.head is not None]
    hints = hints_for_scan(heads, head_files)
    prepared = Prepared(
        title=title,
        release=release,
        checklist=default_checklist(),
        delta=delta,
        hints={k: tuple(v) for k, v in hints.by_site.items()},
        head=head_files,
        base=base_files,
    )
    return replace(prepared, items=tuple(prepared.items_for({})))


@functools.cache
def pg_cache_review() -> Prepared:
    """The pg_cache sample as ``review`` sees it with main at v0.3.0 and nothing signed."""
    return prepare(
        release_files("pg_cache", "v0.3.0"),
        release_files("pg_cache", "v0.2.1"),
        title=PG_CACHE_TITLE,
        release=PG_CACHE_RELEASE,
    )


class Workspace:
    """One test's review state on disk: ``<root>/.unsafe-audit/ledger/`` and a drafts file."""

    def __init__(self, prepared: Prepared, root: Path) -> None:
        self.prepared = prepared
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.drafts_path = root / "review-state" / "drafts.json"
        """Where the drafts go (``review`` keeps them in the git directory)."""

    @property
    def ledger_dir(self) -> Path:
        return self.root / ".unsafe-audit" / "ledger"

    def ledger(self) -> Ledger:
        """The ledger as it is on disk now."""
        return Ledger.load(self.root)

    def save(self, entry: Entry) -> None:
        """Put ``entry`` in the ledger before a review opens."""
        Ledger.load(self.root).save(entry)

    def load(
        self,
        *,
        reviewer: str = REVIEWER,
        read_only: str | None = None,
        keep_drafts: bool = True,
    ) -> LoadedReview:
        """A fresh session over the prepared items, the ledger and the drafts on disk;
        with ``keep_drafts`` False, drafts stay in memory (no file is written per answer)."""
        prepared = self.prepared
        ledger = Ledger.load(self.root)
        draft_file = DraftFile(self.drafts_path) if keep_drafts else None
        identity = SignOffIdentity(
            reviewer=reviewer,
            release=prepared.release,
            checklist=prepared.checklist.label,
            tool=TOOL,
            clock=lambda: STAMP,
        )
        session = ReviewSession(
            prepared.items_for(ledger.entries),
            prepared.checklist,
            identity,
            GuardedLedger(ledger, self.root),
            drafts=draft_file.load() if draft_file else None,
            draft_sink=None if read_only else draft_file,
            read_only=read_only,
        )
        return LoadedReview(session=session, title=prepared.title)

    def loader(self, *, reviewer: str = REVIEWER, read_only: str | None = None) -> Loader:
        """A loader for :func:`make_app`: :meth:`load` run in the app's worker, as ``review``
        runs its loader."""

        def load(progress: ProgressCallback) -> LoadedReview:
            del progress
            return self.load(reviewer=reviewer, read_only=read_only)

        return load
