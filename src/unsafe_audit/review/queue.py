"""The review queue: each head review unit as the reviewer sees it, its group, order and
filters. Pure.

The queue lists every head review unit (see :mod:`unsafe_audit.units`), with the pg_sys uses
inside it as evidence, in groups: sites that need a review first (``new``,
``changed``, ``stale``, ``missing``), then the ones already ``failed`` and ``signed``; inside a
group by file, and inside a file in the order the code reads (an enclosing site before the
sites inside it), so the reviewer walks a file top to bottom and an unsafe block comes just
before the pg_sys uses in it. Review states come from :mod:`unsafe_audit.review_state`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from unsafe_audit.checklist.model import Checklist, Item
from unsafe_audit.contracts.digest import unit_called
from unsafe_audit.contracts.suggest import Suggestion, suggestions
from unsafe_audit.contracts.summary import contract_line
from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.hints.interface import Hint
from unsafe_audit.ledger.entry import Entry
from unsafe_audit.model import Site, SiteId, SiteKind
from unsafe_audit.review_state import Review, SiteReview
from unsafe_audit.signoff import offered_justification
from unsafe_audit.source import EMPTY, CodeView, Snapshot
from unsafe_audit.units import describe_uses, unit_items, unit_kinds, unit_pattern_applies


class Group(StrEnum):
    """Where a site sits in the queue; the first four need a review."""

    NEW = "new"
    """Not in the base release and never signed off."""
    CHANGED = "changed"
    """Its code changed since the base release, and it was never signed off."""
    STALE = "stale"
    """Signed off once, for code that has changed since."""
    MISSING = "missing"
    """Unchanged (or moved, migrated) since the base release but never signed off."""
    FAILED = "failed"
    """Signed off with a fail answer: shipped knowingly."""
    SIGNED = "signed"
    """Signed off, and the sign-off still holds."""

    @property
    def needs_review(self) -> bool:
        """True for the groups a release audit must clear."""
        return self in (Group.NEW, Group.CHANGED, Group.STALE, Group.MISSING)


_GROUP_ORDER = {g: i for i, g in enumerate(Group)}


def group_of(review: Review, status: Status) -> Group:
    """The queue group of a site in review state ``review`` with diff ``status``."""
    if review is Review.SIGNED:
        return Group.SIGNED
    if review is Review.FAILED:
        return Group.FAILED
    if review is Review.STALE:
        return Group.STALE
    if status is Status.NEW:
        return Group.NEW
    if status is Status.CHANGED:
        return Group.CHANGED
    return Group.MISSING


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One head site as the reviewer sees it."""

    site: Site
    """The head site."""
    status: Status
    """Its diff status against the base release."""
    base: Site | None
    """The same site in the base release, if it was there."""
    review: Review
    """Its review state when the session started."""
    entry: Entry | None
    """Its sign-off: the valid one, or the stale one whose justification is offered again."""
    items: tuple[Item, ...]
    """The checklist items that apply to its kind or its members' kinds, in checklist order."""
    pattern_applies: bool
    """True when the reviewer must name a lifetime pattern (``Checklist.pattern_applies``)."""
    hints: tuple[Hint, ...] = ()
    """Static hints about the site (evidence, never answers)."""
    code: CodeView | None = None
    """The head code with its context (None when the file cannot be read)."""
    before: str | None = None
    """The base code (whole lines), for changed and stale sites."""
    after: str | None = None
    """The head code (whole lines)."""
    members: tuple[Site, ...] = ()
    """The pg_sys uses inside the unit, which its sign-off covers, in source order."""
    covered: tuple[Entry, ...] = ()
    """Entries of its members from before review units; the first one's justification is
    offered when nothing better is."""
    reason: str = ""
    """Why its review state is what it is (``review_state``'s words: what made it stale)."""

    @property
    def called(self) -> tuple[str, ...]:
        """The distinct pg_sys functions the unit calls (its own call, for a pg_sys unit)."""
        return unit_called(self.site, self.members)

    @property
    def contracts(self) -> tuple[str, ...]:
        """What PostgreSQL's source says about each pg_sys function the unit calls, one line
        per function (see :mod:`unsafe_audit.contracts.summary`)."""
        return tuple(contract_line(n) for n in self.called)

    @property
    def suggestions(self) -> dict[str, Suggestion]:
        """Checklist answers the contracts of the functions the unit calls suggest, with their
        evidence, for the reviewer to confirm (see :mod:`unsafe_audit.contracts.suggest`)."""
        return suggestions(self.called)

    @property
    def pg_sys_uses(self) -> str:
        """The unit's pg_sys uses for the site pane: ``AllocSetContextCreateExtended (call,
        line 29), TopMemoryContext (static)``; a pg_sys use outside any unsafe site is its own;
        empty when there are none."""
        if self.site.kind.is_pg_sys:
            return describe_uses([self.site]) + ", outside any unsafe site"
        if self.members:
            return describe_uses(self.members)
        if self.site.pg_sys_calls:
            return "none of its own; in nested unsafe sites: " + ", ".join(self.site.pg_sys_calls)
        return ""

    @property
    def id(self) -> SiteId:
        """The head site's id."""
        return self.site.id

    @property
    def group(self) -> Group:
        """Its group when the session started."""
        return group_of(self.review, self.status)

    @property
    def previous_justification(self) -> str | None:
        """The justification of the stale sign-off, if the code changed since one."""
        if self.entry is not None and self.review is Review.STALE:
            return self.entry.justification
        return None

    @property
    def offered_justification(self) -> str:
        """What the justification editor starts with: the stale one, else the SAFETY comment."""
        fallback = self.covered[0].justification if self.covered else None
        return offered_justification(self.site, self.previous_justification, fallback)

    @property
    def size(self) -> int:
        """The site's length in bytes (the queue puts small sites first)."""
        return self.site.span.end_byte - self.site.span.start_byte

    def diff_lines(self) -> list[str]:
        """A unified diff of the base code against the head code (empty without a base)."""
        if self.before is None or self.after is None:
            return []
        base_line = self.base.span.line if self.base is not None else 1
        return list(
            difflib.unified_diff(
                self.before.splitlines(),
                self.after.splitlines(),
                fromfile=f"{self.base.path if self.base else self.site.path}:{base_line} (base)",
                tofile=f"{self.site.path}:{self.site.line} (head)",
                lineterm="",
                n=3,
            )
        )


def queue_key(item: ReviewItem) -> tuple[int, str, int, int, int, str]:
    """Queue order: group, file, then where the site starts in the file (line, byte); of two
    sites starting together the larger, enclosing one first."""
    span = item.site.span
    return (
        _GROUP_ORDER[item.group],
        item.site.path,
        span.line,
        span.start_byte,
        -item.size,
        item.id,
    )


def build_items(
    reviews: Iterable[SiteReview],
    checklist: Checklist,
    *,
    hints: Mapping[SiteId, Sequence[Hint]] | None = None,
    head_files: Snapshot = EMPTY,
    base_files: Snapshot = EMPTY,
    code_view: Callable[[Site], CodeView | None] | None = None,
) -> list[ReviewItem]:
    """The queue's items for every head site, in queue order.

    Each site's code comes from the snapshots (base code only for changed and stale sites);
    ``code_view`` gives the lines to show around it (see ``extract.code_view``).
    """
    items: list[ReviewItem] = []
    for r in reviews:
        site = r.site
        delta: SiteDelta = r.delta
        before = None
        after = head_files.code(site, whole_lines=True)
        code = code_view(site) if code_view is not None and after is not None else None
        if delta.base is not None and (r.review is Review.STALE or delta.status is Status.CHANGED):
            before = base_files.code(delta.base, whole_lines=True)
        kinds = unit_kinds(site, r.member_sites)
        items.append(
            ReviewItem(
                site=site,
                status=delta.status,
                base=delta.base,
                review=r.review,
                entry=r.entry,
                items=unit_items(checklist, kinds),
                pattern_applies=unit_pattern_applies(checklist, kinds),
                hints=tuple((hints or {}).get(site.id, ())),
                code=code,
                before=before,
                after=after,
                members=r.member_sites,
                covered=r.covered,
                reason=r.reason,
            )
        )
    items.sort(key=queue_key)
    return items


TO_REVIEW = "to-review"
"""The default status filter: the sites that needed a review when the session started."""
ALL = "all"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which items the queue shows. Every field narrows; the defaults show what needs review."""

    status: str = TO_REVIEW
    """:data:`TO_REVIEW`, :data:`ALL`, or a :class:`Group` value."""
    kind: SiteKind | None = None
    file: str | None = None
    """Exact path, or None for every file."""
    has_hint: bool = False
    hint: str | None = None
    """A hint id (``Hint.hint_id``): only the sites that carry that hint; None for any."""
    text: str = ""
    """Case-insensitive search in path, item, kind, pg_sys names, hints and site id."""

    def matches(self, item: ReviewItem, group: Group) -> bool:
        """True when ``item`` (now in ``group``) passes every part of the filter."""
        if self.status == TO_REVIEW:
            if not item.group.needs_review:
                return False
        elif self.status != ALL and group.value != self.status:
            return False
        if self.kind is not None and item.site.kind is not self.kind:
            return False
        if self.file is not None and item.site.path != self.file:
            return False
        if self.has_hint and not item.hints:
            return False
        if self.hint is not None and all(h.hint_id != self.hint for h in item.hints):
            return False
        if self.text:
            return self.text.lower() in _haystack(item)
        return True

    def describe(self) -> str:
        """A short text for the queue's title (``to review · unsafe_fn · hints``)."""
        parts = [self.status.replace("-", " ")]
        if self.kind is not None:
            parts.append(self.kind.value)
        if self.file is not None:
            parts.append(self.file)
        if self.has_hint:
            parts.append("with hints")
        if self.hint is not None:
            parts.append(f"hint {self.hint}")
        if self.text:
            parts.append(f"/{self.text}")
        return " · ".join(parts)


def _haystack(item: ReviewItem) -> str:
    s = item.site
    words = [s.path, s.item, s.kind.value, s.id, s.name or "", *s.pg_sys_calls]
    words += [m.id for m in item.members]
    words += [h.hint_id for h in item.hints]
    return " ".join(words).lower()
