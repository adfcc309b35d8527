"""The one audit pipeline: head against base, the ledger, and the hints, as plain values.

``check``, ``review``, ``prune`` and ``sign-off`` all start here::

    repository --compare--> delta --ledger--> review state --hints--> Audit

:func:`load_audit` opens the repository, scans and classifies both sides (see
:mod:`unsafe_audit.compare`), reads the ledger, judges every head site against it (see
:mod:`unsafe_audit.review_state`), runs the hint rules where asked, and closes the repository
before it returns. What it returns holds no live resource.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from unsafe_audit import history
from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.checklist.model import Checklist
from unsafe_audit.compare import Comparison, compare
from unsafe_audit.diff import Delta
from unsafe_audit.exemptions.model import apply_exemptions
from unsafe_audit.exemptions.yaml_io import ExemptionsFile
from unsafe_audit.hints.registry import ScanHints, scoped_hints
from unsafe_audit.ledger.store import Ledger
from unsafe_audit.model import Skip, SkippedFile
from unsafe_audit.review_state import EntryProblem, ReviewState, review_files, review_sites
from unsafe_audit.scan import ScanOptions
from unsafe_audit.units import hints_by_unit

SUBMODULE_NOTE = "a git submodule: not scanned (scan it on its own)"
"""Why a submodule is listed among the files ``check`` did not search."""


class HintScope(Enum):
    """Which head sites the hint rules look at."""

    NONE = "none"
    """No hints (``prune``, ``sign-off``, formats that show none)."""
    BLOCKING = "blocking"
    """The sites that need a sign-off (what a report shows evidence for)."""
    ALL = "all"
    """Every head site (the review shows hints for each)."""


Progress = Callable[[str, int, int], None]
"""Called while loading with (stage, done, total); total 0 when unknown."""


@dataclass(frozen=True, slots=True)
class AuditRequest:
    """What to audit, as plain values: the options every audit command shares."""

    path: Path
    """The repository, or a crate directory inside it."""
    base: str | None = None
    """Compare with this revision instead of the previous release tag."""
    head: str | None = None
    """Audit this committed revision instead of the work tree."""
    allow_first_release: bool = True
    """With no earlier release tag, treat every site as new instead of failing."""
    ledger: str | None = None
    """The ledger directory relative to the repository root (None: the default)."""
    options: ScanOptions = field(default_factory=ScanOptions)
    only_changed: bool = False
    """Only new and changed sites and stale sign-offs block."""
    checklist: Checklist | None = None
    """The checklist in use (None: the default one); an entry counts only if it answers exactly
    the items that apply to its site's kind (see :mod:`unsafe_audit.review_state`)."""
    problem: EntryProblem | None = None
    """Rejects otherwise valid entries (a signature that does not verify)."""
    hints: HintScope = HintScope.NONE
    base_code: bool = False
    """Keep the base code of changed sites (the review shows their diff)."""
    identity: bool = False
    """Also read what a sign-off records: the release label and the git reviewer."""
    no_base: bool = False
    """Compare with nothing: every head site is new (when no base can be read)."""
    exemptions: str | None = None
    """The adoption exemptions file relative to the repository root (``--exemptions``; None:
    the configuration's ``exemptions`` key, else the default)."""


@dataclass(frozen=True, slots=True)
class Audit:
    """Head against base, judged against the ledger: everything the commands report."""

    comparison: Comparison
    """The two sides, the delta, and the file bytes that were kept."""
    ledger: Ledger
    """The ledger as read from the work tree."""
    state: ReviewState
    """Each head site's review state, and the orphaned entries."""
    hints: ScanHints
    """What the hint rules saw, for the sites in the request's scope."""
    exemptions: ExemptionsFile | None = None
    """The adoption exemptions file as read from the work tree (applied to :attr:`state`)."""

    @property
    def root(self) -> Path:
        """The repository's top directory."""
        return self.comparison.root


def load_audit(request: AuditRequest, progress: Progress | None = None) -> Audit:
    """Compare, read the ledger, judge every head site, and run the hints in scope."""

    def say(stage: str) -> None:
        if progress is not None:
            progress(stage, 0, 0)

    judged: list[tuple[Ledger, ReviewState]] = []
    git_dirs: list[tuple[Path, ...]] = []
    checklist = request.checklist if request.checklist is not None else default_checklist()

    def judge(
        root: Path, delta: Delta, majors: tuple[int, ...]
    ) -> tuple[Iterable[str], Iterable[str]]:
        # Inside the comparison, while the repository is open: the ledger decides which
        # files' bytes the hints need, and those are read before it closes.
        say("Reading the ledger…")
        git_dirs.append(history.git_directories(root))
        ledger = Ledger.load(root, request.ledger, git_dirs=git_dirs[0])
        state = review_sites(
            delta,
            ledger.entries,
            checklist,
            only_changed=request.only_changed,
            problem=request.problem,
            scope=scanned_prefix(request.path, root),
            majors=majors,
        )
        judged.append((ledger, state))
        # The hints come with the head scan, so no file is read again for them.
        head: set[str] = set()
        base: set[str] = set()
        if request.base_code:
            base = {d.base.path for d in delta.sites if d.base is not None and d.head is not None}
            head |= {r.site.path for r in state.sites}
        return base, head

    say("Comparing with the previous release…")
    options = request.options
    if request.hints is not HintScope.NONE:
        # Run by the scan workers over the parse they already made, and cached with the sites.
        options = dataclasses.replace(options, hints=True)
    comparison = compare(
        request.path,
        base=request.base,
        head=request.head,
        allow_first_release=request.allow_first_release,
        options=options,
        sources=judge,
        identity=request.identity,
        no_base=request.no_base,
    )
    ledger, state = judged[0]
    # Fail closed: a head file the scan could not search, or a submodule it never enters,
    # blocks unless the configuration allows it.
    submodules = [SkippedFile(s, Skip.SUBMODULE, SUBMODULE_NOTE) for s in comparison.submodules]
    unscanned = sorted([*comparison.unscanned, *submodules], key=lambda f: f.path)
    state = dataclasses.replace(state, files=review_files(unscanned, comparison.config))
    exemptions = _load_exemptions(request, comparison, git_dirs[0])
    state = apply_exemptions(state, exemptions.exemptions, first_release=comparison.first_release)
    hints = ScanHints()
    if request.hints is not HintScope.NONE:
        units = [r for r in state.sites if request.hints is HintScope.ALL or r.blocking]
        sites = [site for r in units for site in (r.site, *r.member_sites)]
        found = scoped_hints(comparison.head_hints, sites)
        groups = [(r.site.id, [m.id for m in r.member_sites]) for r in units]
        hints = ScanHints(hints_by_unit(groups, found.by_site), found.unattached)
    return Audit(comparison, ledger, state, hints, exemptions)


def _load_exemptions(
    request: AuditRequest, comparison: Comparison, git_dirs: tuple[Path, ...]
) -> ExemptionsFile:
    """The exemptions file: ``--exemptions``, else the configuration's, else the default."""
    relative = request.exemptions or comparison.config.exemptions
    return ExemptionsFile.load(comparison.root, relative, git_dirs=git_dirs)


def scanned_prefix(path: Path, root: Path) -> str:
    """The repository-relative prefix (``crates/a/``) of the directory ``path`` a scan covers;
    empty for the whole repository."""
    try:
        sub = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # a bare repository's root is its git directory
        return ""
    return "" if sub == "." else sub + "/"
