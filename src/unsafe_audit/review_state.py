"""Each head site's review state, from a classified delta and the ledger's entries. Pure.

The rules (the README repeats them for users):

- an entry is found under the head site's id; else under its base site's id (a moved or
  migrated site keeps its sign-off; a changed one does not); else, for a site moved in an
  earlier release, under an otherwise unused entry of the same kind and the same code
  (``token_hash``);
- a found entry is **stale** when the code it records is not the code in head: the site is
  ``changed``, or its ``token_hash`` differs from head's (and from base's, for a moved or
  migrated site). A stale entry does not count; its justification is offered again;
- a found entry counts only if it is a **complete sign-off under the checklist in use**: it
  records the site's kind (or, for a site that kept its sign-off through a move or an edition
  2024 migration, the base site's kind); it answers exactly the checklist items that apply to
  that kind — no unknown item, no item of another kind, none missing; and it names a lifetime
  pattern the checklist knows (or ``n/a``) where one applies, ``n/a`` where none does. Otherwise
  the site is **missing** and the reason says what is wrong ("sign-off rejected: lacks items
  null-check, pg-guard"). An entry cannot vouch for more than it answered;
- the ``checklist`` label an entry records (``pgrx-ffi@1``) is for people and is not compared:
  the item set decides. An entry written under another version still counts when that version
  asked the same items of the site's kind; when items were added, removed or moved between
  kinds, the check above names them and the site needs a new sign-off;
- a valid entry with a ``fail`` answer is **failed**: consciously shipped, listed prominently,
  but it does not fail the gate;
- a site with no entry is **missing**;
- entries used by no head site are **orphaned**: kept as history, counted, never failing the
  gate (``unsafe-audit prune`` deletes them);
- a scan of one crate of a workspace (``check crates/a``) sees only that crate's sites, so only
  entries whose recorded ``path`` lies under it can be matched by their code or be orphaned:
  another crate's entries are neither, and ``prune crates/a --apply`` never deletes them.

The gate: every head site whose review is stale or missing blocks, whatever its diff status (a
release audit covers all unsafe code). With ``only_changed``, only new and changed sites and
stale reviews block, for adopting the tool on an existing code base gradually.

Files the scan of head did not search fail closed (:func:`review_files`): one that could not
be read — not UTF-8, too large to parse yet holding ``unsafe`` or ``pg_sys``, unreadable — and
a git submodule block, whatever ``only_changed`` says (nobody can tell what changed in them),
unless the repository's configuration allows them (``allow_unread``); a generated file never
blocks. All are listed in every report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from unsafe_audit.checklist.model import Checklist
from unsafe_audit.config.model import CONFIG_PATH, RepoConfig
from unsafe_audit.diff import Delta, SiteDelta, Status
from unsafe_audit.ledger.entry import Entry
from unsafe_audit.model import Site, SiteId, SiteKind, Skip, SkippedFile


class Review(StrEnum):
    """Where a head site stands with the ledger. The values are part of the JSON contract."""

    SIGNED = "signed"
    """A valid sign-off with no fail answer."""
    FAILED = "failed"
    """A valid sign-off with a fail answer, shipped anyway with a justification."""
    STALE = "stale"
    """Signed off for code that has changed since; needs a new sign-off."""
    MISSING = "missing"
    """Never signed off (or the sign-off's signature does not hold)."""

    @property
    def valid(self) -> bool:
        """True when the site has a sign-off that counts."""
        return self in (Review.SIGNED, Review.FAILED)


EntryProblem = Callable[[Entry], str | None]
"""Says why an otherwise valid entry does not count (a missing signature), or None."""


@dataclass(frozen=True, slots=True)
class SiteReview:
    """One head site, its diff status and its review state."""

    delta: SiteDelta
    """The site's diff against base (``delta.head`` is never None here)."""
    review: Review
    """Signed, failed, stale or missing."""
    entry: Entry | None
    """The entry that counts (signed, failed), the stale one, or one rejected by a problem."""
    reason: str
    """Why the review is what it is, for people."""
    blocking: bool
    """True when this site makes ``check`` fail."""
    exempt: str | None = None
    """The release named by the adoption exemption that keeps this site from blocking, if one
    does (see :mod:`unsafe_audit.exemptions.model`)."""

    @property
    def site(self) -> Site:
        """The head site."""
        assert self.delta.head is not None
        return self.delta.head

    @property
    def offered_justification(self) -> str | None:
        """The text to start a new sign-off from: the stale entry's, else the SAFETY comment."""
        if self.entry is not None and self.review is Review.STALE:
            return self.entry.justification
        return self.site.safety_comment


@dataclass(frozen=True, slots=True)
class FileReview:
    """A head file the scan did not search, and whether that fails the gate."""

    file: SkippedFile
    blocking: bool
    """True when this file makes ``check`` fail."""
    allowed_by: str | None = None
    """The ``allow_unread`` pattern that keeps it from blocking, if one does."""

    @property
    def reason(self) -> str:
        """Why it blocks or not, for people."""
        if self.file.reason is Skip.GENERATED:
            return self.file.message
        if self.allowed_by is not None:
            return (
                f"{self.file.message}; allowed by 'allow_unread' in {CONFIG_PATH} "
                f"({self.allowed_by})"
            )
        return self.file.message


def review_files(files: Sequence[SkippedFile], config: RepoConfig) -> tuple[FileReview, ...]:
    """Judge each file the scan of head did not search (see the module doc)."""
    reviews = []
    for f in files:
        if f.reason is Skip.GENERATED:
            reviews.append(FileReview(f, blocking=False))
            continue
        allowed = config.allow_unread.first_match(f.path)
        reviews.append(FileReview(f, blocking=allowed is None, allowed_by=allowed))
    return tuple(reviews)


@dataclass(frozen=True, slots=True)
class ReviewState:
    """The review state of every head site, and the entries no head site uses."""

    sites: tuple[SiteReview, ...]
    """Head sites in delta order (status, then location)."""
    orphaned: tuple[Entry, ...]
    """Entries for sites that are no longer in head, by site id."""
    only_changed: bool = False
    """True when only new/changed sites and stale reviews block."""
    files: tuple[FileReview, ...] = ()
    """The head files the scan did not search, in path order (see :func:`review_files`)."""

    @property
    def ok(self) -> bool:
        """True when no site and no unsearched file blocks."""
        return not any(r.blocking for r in self.sites) and not any(f.blocking for f in self.files)

    @property
    def blocking_files(self) -> tuple[FileReview, ...]:
        """The unsearched files that make ``check`` fail."""
        return tuple(f for f in self.files if f.blocking)

    def summary(self) -> dict[str, int]:
        """Counts: sites, each review state, blocking sites, exempt sites (covered by an
        adoption exemption) and orphaned entries."""
        counts = {r.value: 0 for r in Review}
        for r in self.sites:
            counts[r.review.value] += 1
        return {
            "sites": len(self.sites),
            **counts,
            "blocking": sum(r.blocking for r in self.sites),
            "exempt": sum(r.exempt is not None for r in self.sites),
            "orphaned": len(self.orphaned),
        }

    def with_review(self, review: Review) -> tuple[SiteReview, ...]:
        """The sites in one review state, in order."""
        return tuple(r for r in self.sites if r.review is review)


def _code_matches(entry: Entry, delta: SiteDelta) -> bool:
    assert delta.head is not None
    if entry.token_hash == delta.head.token_hash:
        return True
    return (
        delta.status in (Status.MOVED, Status.MIGRATED)
        and delta.base is not None
        and entry.token_hash == delta.base.token_hash
    )


def review_sites(
    delta: Delta,
    entries: Mapping[SiteId, Entry],
    checklist: Checklist,
    *,
    only_changed: bool = False,
    problem: EntryProblem | None = None,
    scope: str = "",
) -> ReviewState:
    """Classify every head site of ``delta`` against the ledger ``entries`` (see module doc).

    ``checklist`` is the checklist in use: an entry counts only if it answers exactly its items
    for the site's kind (see :func:`sign_off_gaps`). ``problem`` may reject entries that are
    otherwise valid (``check --require-signatures``); a rejected entry leaves its site missing,
    with the problem as the reason. ``scope`` is the path prefix the scan covered
    (``crates/a/``; empty for the whole repository): entries recorded for a path outside it
    belong to sites this scan cannot see.
    """
    heads = [d for d in delta.sites if d.head is not None]
    used: set[SiteId] = set()
    found: dict[int, tuple[Entry | None, bool]] = {}  # index -> (entry, found through base)
    for i, d in enumerate(heads):
        assert d.head is not None
        if d.head.id in entries:
            found[i] = (entries[d.head.id], False)
            used.add(d.head.id)
        elif d.base is not None and d.base.id in entries:
            found[i] = (entries[d.base.id], True)
            used.add(d.base.id)
    # Sites moved in an earlier release: their entry is still under the id they had then.
    head_ids = {d.head.id for d in heads if d.head is not None}
    spare: dict[tuple[str, str], list[Entry]] = {}
    visible = {site_id for site_id, entry in entries.items() if entry.path.startswith(scope)}
    for site_id in sorted(visible):
        entry = entries[site_id]
        if site_id not in used and site_id not in head_ids:
            spare.setdefault((entry.kind.value, entry.token_hash), []).append(entry)
    for i, d in enumerate(heads):
        assert d.head is not None
        candidates = spare.get((d.head.kind.value, d.head.token_hash))
        if i not in found and candidates:
            entry = candidates.pop(0)
            found[i] = (entry, True)
            used.add(entry.site)

    reviews: list[SiteReview] = []
    for i, d in enumerate(heads):
        chosen, via_other_id = found.get(i, (None, False))
        review, reason = _judge(d, chosen, via_other_id, checklist, problem)
        blocking = not review.valid and (
            not only_changed or review is Review.STALE or d.status.needs_review
        )
        reviews.append(SiteReview(d, review, chosen, reason, blocking))
    orphaned = tuple(entries[s] for s in sorted(visible) if s not in used)
    return ReviewState(tuple(reviews), orphaned, only_changed)


def _judge(
    d: SiteDelta,
    entry: Entry | None,
    via_other_id: bool,
    checklist: Checklist,
    problem: EntryProblem | None,
) -> tuple[Review, str]:
    if entry is None:
        return Review.MISSING, "never signed off"
    if d.status is Status.CHANGED and via_other_id:
        return Review.STALE, f"the code changed since it was signed off for {entry.release}"
    if not _code_matches(entry, d):
        return Review.STALE, f"the code differs from what was signed off for {entry.release}"
    gaps = sign_off_gaps(entry, d, checklist)
    if gaps:
        return Review.MISSING, f"sign-off rejected: {'; '.join(gaps)}"
    rejected = problem(entry) if problem is not None else None
    if rejected is not None:
        return Review.MISSING, f"sign-off rejected: {rejected}"
    where = f"signed off by {entry.reviewer} for {entry.release}"
    if entry.failed_items:
        return Review.FAILED, f"{where}, shipped with fail: {', '.join(entry.failed_items)}"
    return Review.SIGNED, where


def sign_off_gaps(entry: Entry, d: SiteDelta, checklist: Checklist) -> list[str]:
    """What keeps ``entry`` from being a complete sign-off of ``d``'s head site under
    ``checklist``, in words (empty when nothing does); see the module doc."""
    head = d.head
    assert head is not None
    if entry.kind is not head.kind and (d.base is None or entry.kind is not d.base.kind):
        return [f"records kind {entry.kind.value} for {_a(head.kind)} site"]
    kind = entry.kind
    expected = [item.id for item in checklist.items_for(kind)]
    known = {item.id for item in checklist.items}
    given = [item for item, _ in entry.answers]
    gaps: list[str] = []
    unknown = [item for item in given if item not in known]
    if unknown:
        gaps.append(f"answers unknown {_items(unknown)}")
    elsewhere = [item for item in given if item in known and item not in expected]
    if elsewhere:
        gaps.append(f"answers {_items(elsewhere)} that {_apply(elsewhere)} to {_a(kind)} site")
    lacking = [item for item in expected if item not in given]
    if lacking:
        gaps.append(f"lacks {_items(lacking)}")
    pattern = entry.lifetime_pattern
    if checklist.pattern_applies(kind):
        if pattern != NO_PATTERN and pattern not in {p.id for p in checklist.lifetime_patterns}:
            gaps.append(f"unknown lifetime pattern {_cut(pattern)!r}")
    elif pattern != NO_PATTERN:
        gaps.append(
            f"names lifetime pattern {_cut(pattern)!r} for {_a(kind)} site, which takes none "
            f"({NO_PATTERN})"
        )
    return gaps


NO_PATTERN = "n/a"
"""The lifetime pattern of a site to which none applies (also accepted where one does)."""
_SHOWN = 5


def _a(kind: SiteKind) -> str:
    return f"an {kind.value}" if kind.value[0] in "aeiou" else f"a {kind.value}"


def _cut(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def _items(ids: Sequence[str]) -> str:
    shown = ", ".join(_cut(i) for i in ids[:_SHOWN])
    more = f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else ""
    return f"item{'s' if len(ids) > 1 else ''} {shown}{more}"


def _apply(ids: Sequence[str]) -> str:
    return "do not apply" if len(ids) > 1 else "does not apply"
