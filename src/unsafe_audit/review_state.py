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

Review units (:mod:`unsafe_audit.units`): the rules above judge each **unit** — an unsafe site,
or a pg_sys use outside every unsafe site. A pg_sys use inside an unsafe site is a member of its
innermost one and needs no sign-off of its own: the unit's covers it. A unit's entry that
records its members (schema 2) is stale when the pg_sys uses in head differ from those it
recorded (kind, name and code; not their places); an entry written before units (schema 1)
recorded none and is judged by its code alone, which holds the members' code. A unit needs a
new review (for ``only_changed``) when it or one of its members is new or changed. An entry
of a member (written when each pg_sys use was signed off on its own) is **covered** by its
unit: kept, never blocking, never orphaned (``prune`` deletes it once the unit is signed off).

Contracts (:mod:`unsafe_audit.contracts.staleness`): an entry that records the digest of its
unit's callees' contracts per PostgreSQL major (schema 3) is stale when a major it recorded now
has another digest, or when the extension now builds for a major whose digest is none of those
recorded (``pg18 added: errstart has a contract in 18 and none in 17``); a major dropped from
the crate's features changes nothing, and an entry that recorded none (older, or a unit that
calls no pg_sys function) is judged by its code alone.

The gate: every head unit whose review is stale or missing blocks, whatever its diff status (a
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
from unsafe_audit.contracts.digest import unit_called
from unsafe_audit.contracts.staleness import contract_changes
from unsafe_audit.diff import Delta, SiteDelta, Status
from unsafe_audit.ledger.entry import Entry
from unsafe_audit.model import Site, SiteId, SiteKind
from unsafe_audit.units import (
    Units,
    group_units,
    stale_members,
    unit_items,
    unit_kinds,
    unit_pattern_applies,
)
from unsafe_audit.unsearched_files import FileReview as FileReview
from unsafe_audit.unsearched_files import review_files as review_files


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
    """One head review unit, its diff status and its review state."""

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
    members: tuple[SiteDelta, ...] = ()
    """The pg_sys uses inside the unit, which its sign-off covers, in source order (their
    ``head`` is never None)."""
    covered: tuple[Entry, ...] = ()
    """Entries of its members, written when each pg_sys use was signed off on its own: kept as
    history, never blocking."""
    exempt: str | None = None
    """The release named by the adoption exemption that keeps this site from blocking, if one
    does (see :mod:`unsafe_audit.exemptions.model`)."""

    @property
    def site(self) -> Site:
        """The head site."""
        assert self.delta.head is not None
        return self.delta.head

    @property
    def member_sites(self) -> tuple[Site, ...]:
        """The head sites of :attr:`members`."""
        return tuple(m.head for m in self.members if m.head is not None)

    @property
    def needs_review(self) -> bool:
        """True when the unit or one of its members is new or changed since the base."""
        return self.delta.status.needs_review or any(m.status.needs_review for m in self.members)

    @property
    def offered_justification(self) -> str | None:
        """The text to start a new sign-off from: the stale entry's, else the SAFETY comment,
        else a covered member entry's."""
        if self.entry is not None and self.review is Review.STALE:
            return self.entry.justification
        if self.site.safety_comment is None and self.covered:
            return self.covered[0].justification
        return self.site.safety_comment


@dataclass(frozen=True, slots=True)
class ReviewState:
    """The review state of every head unit, and the entries no head site uses."""

    sites: tuple[SiteReview, ...]
    """Head review units in delta order (status, then location); each carries its members."""
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

    @property
    def covered(self) -> tuple[tuple[Entry, SiteReview], ...]:
        """Each entry of a member, with the unit that covers it."""
        return tuple((entry, r) for r in self.sites for entry in r.covered)

    def summary(self) -> dict[str, int]:
        """Counts: head sites (units and their members), units in each review state, blocking
        units, exempt units (covered by an adoption exemption), orphaned entries, units, and
        entries of members covered by their unit."""
        counts = {r.value: 0 for r in Review}
        for r in self.sites:
            counts[r.review.value] += 1
        return {
            "sites": len(self.sites) + sum(len(r.members) for r in self.sites),
            **counts,
            "blocking": sum(r.blocking for r in self.sites),
            "exempt": sum(r.exempt is not None for r in self.sites),
            "orphaned": len(self.orphaned),
            "units": len(self.sites),
            "covered": sum(len(r.covered) for r in self.sites),
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
    majors: Sequence[int] = (),
) -> ReviewState:
    """Classify every head site of ``delta`` against the ledger ``entries`` (see module doc).

    ``checklist`` is the checklist in use: an entry counts only if it answers exactly its items
    for the site's kind (see :func:`sign_off_gaps`). ``problem`` may reject entries that are
    otherwise valid (``check --require-signatures``); a rejected entry leaves its site missing,
    with the problem as the reason. ``scope`` is the path prefix the scan covered
    (``crates/a/``; empty for the whole repository): entries recorded for a path outside it
    belong to sites this scan cannot see. ``majors`` are the PostgreSQL majors head builds for.
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

    units = group_units(d.head for d in heads if d.head is not None)
    at = {d.head.id: i for i, d in enumerate(heads) if d.head is not None}
    reviews: list[SiteReview] = []
    for i, d in enumerate(heads):
        assert d.head is not None
        if units.is_member(d.head):
            continue
        members = tuple(heads[at[m.id]] for m in units.members_of(d.head.id))
        member_entries = (found.get(at[m.site.id], (None, False))[0] for m in members)
        covered = tuple(e for e in member_entries if e is not None)
        chosen, via_other_id = found.get(i, (None, False))
        review, reason = _judge(d, chosen, via_other_id, checklist, problem, members, units)
        if review.valid and chosen is not None:
            review, reason = _contracts(chosen, d.head, members, majors) or (review, reason)
        needs = d.status.needs_review or any(m.status.needs_review for m in members)
        blocking = not review.valid and (not only_changed or review is Review.STALE or needs)
        reviews.append(SiteReview(d, review, chosen, reason, blocking, members, covered))
    orphaned = tuple(entries[s] for s in sorted(visible) if s not in used)
    return ReviewState(tuple(reviews), orphaned, only_changed)


def _judge(
    d: SiteDelta,
    entry: Entry | None,
    via_other_id: bool,
    checklist: Checklist,
    problem: EntryProblem | None,
    members: Sequence[SiteDelta] = (),
    units: Units | None = None,
) -> tuple[Review, str]:
    if entry is None:
        return Review.MISSING, "never signed off"
    if d.status is Status.CHANGED and via_other_id:
        return Review.STALE, f"the code changed since it was signed off for {entry.release}"
    if not _code_matches(entry, d):
        return Review.STALE, f"the code differs from what was signed off for {entry.release}"
    head_members = [m.head for m in members if m.head is not None]
    wrapped = units.wrapped_members(d.head.id) if units is not None and d.head else ()
    changes = stale_members(entry.members, head_members, wrapped)
    if changes:
        return Review.STALE, (
            f"its pg_sys uses changed since it was signed off for {entry.release}: {changes}"
        )
    gaps = sign_off_gaps(entry, d, checklist, head_members)
    if gaps:
        return Review.MISSING, f"sign-off rejected: {'; '.join(gaps)}"
    rejected = problem(entry) if problem is not None else None
    if rejected is not None:
        return Review.MISSING, f"sign-off rejected: {rejected}"
    where = f"signed off by {entry.reviewer} for {entry.release}"
    if entry.failed_items:
        return Review.FAILED, f"{where}, shipped with fail: {', '.join(entry.failed_items)}"
    return Review.SIGNED, where


def _contracts(
    entry: Entry, head: Site, members: Sequence[SiteDelta], majors: Sequence[int]
) -> tuple[Review, str] | None:
    """Stale, with why, when the contracts ``entry`` recorded no longer hold (module doc)."""
    called = unit_called(head, [m.head for m in members if m.head is not None])
    changes = contract_changes(entry.contracts, called, majors)
    if changes is None:
        return None
    return (
        Review.STALE,
        f"its contracts changed since it was signed off for {entry.release}: {changes}",
    )


def sign_off_gaps(
    entry: Entry, d: SiteDelta, checklist: Checklist, members: Sequence[Site] = ()
) -> list[str]:
    """What keeps ``entry`` from being a complete sign-off of ``d``'s head unit (whose pg_sys
    uses are ``members``) under ``checklist``, in words (empty when nothing does); see the
    module doc."""
    head = d.head
    assert head is not None
    if entry.kind is not head.kind and (d.base is None or entry.kind is not d.base.kind):
        return [f"records kind {entry.kind.value} for {_a(head.kind)} site"]
    kind = entry.kind
    kinds = unit_kinds(head, members)
    kinds = (kind, *kinds[1:])
    expected = [item.id for item in unit_items(checklist, kinds)]
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
    if unit_pattern_applies(checklist, kinds):
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
