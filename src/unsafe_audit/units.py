"""Review units: what a reviewer signs off, and the pg_sys uses each one covers. Pure.

The unit of review is an unsafe site — an unsafe block, fn, impl or trait, an extern block (with
or without ``unsafe``), an unsafe attribute —, an extern fn (an FFI entry point, unsafe or not
inside), or a pg_sys use that lies outside all of these. A pg_sys use inside one is a **member**
of the innermost that holds it (by byte span, in the same file): it is shown with that unit as
evidence, and the unit's sign-off covers it. A nested unsafe block inside an unsafe fn or an
extern fn stays a unit of its own, and the pg_sys uses inside it are its members, not the fn's:
the fn's unit answers for the boundary, the block's for the unsafe code.

So ``unsafe { pg_sys::AllocSetContextCreateExtended(pg_sys::TopMemoryContext, ..) }`` is three
sites but one unit: the block, with a call and a static as members.

A sign-off records its members' :class:`~unsafe_audit.model.MemberUse` (kind, name, token
hash: no place, so a moved unit keeps its sign-off); when the uses in head differ from those
recorded, the sign-off is stale (see :mod:`unsafe_audit.review_state`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from unsafe_audit.model import MemberUse, Site, SiteId, SiteKind

if TYPE_CHECKING:  # only named in annotations: `scan` and `diff` need neither at run time
    from unsafe_audit.checklist.model import Checklist, Item
    from unsafe_audit.hints.interface import Hint


@dataclass(frozen=True, slots=True)
class Units:
    """The sites of one side grouped into review units."""

    unit_of: dict[SiteId, SiteId] = field(default_factory=dict)
    """Each site's unit: its own id for a unit, the enclosing unit's id for a member."""
    members: dict[SiteId, tuple[Site, ...]] = field(default_factory=dict)
    """Each unit's members, in source order (a unit without members is absent)."""
    wrapper: dict[SiteId, SiteId] = field(default_factory=dict)
    """An unsafe fn's id -> the id of an unsafe block that is all its body (edition 2024's
    ``unsafe fn f() { unsafe { .. } }``), whose members were the fn's before the migration."""

    def is_member(self, site: Site) -> bool:
        """True for a pg_sys use inside an unsafe site."""
        return self.unit_of.get(site.id, site.id) != site.id

    def members_of(self, unit: SiteId) -> tuple[Site, ...]:
        """The members of ``unit`` in source order (empty for a site that has none)."""
        return self.members.get(unit, ())

    def wrapped_members(self, unit: SiteId) -> tuple[Site, ...]:
        """For an unsafe fn whose whole body is an unsafe block, that block's members."""
        block = self.wrapper.get(unit)
        return self.members_of(block) if block is not None else ()

    @property
    def count(self) -> int:
        """How many review units there are."""
        return sum(1 for site, unit in self.unit_of.items() if site == unit)


_PG_SYS = frozenset({SiteKind.PG_SYS_CALL, SiteKind.PG_SYS_STATIC})


def _source_order(site: Site) -> tuple[int, int, bool]:
    # Outer sites first at one start; a unit before a pg_sys use that starts with it.
    sp = site.span
    return (sp.start_byte, -sp.end_byte, site.kind in _PG_SYS)


def group_units(sites: Iterable[Site]) -> Units:
    """Group ``sites`` (of one side) into review units: see the module doc."""
    units = Units()
    unit_of = units.unit_of
    # Only the files with a pg_sys use need their sites in source order; most files (bindings
    # full of unsafe fns, say) have none, and every site of theirs is a unit.
    by_path: dict[str, list[Site]] = {}
    with_uses: set[str] = set()
    for site in sites:
        by_path.setdefault(site.path, []).append(site)
        if site.kind in _PG_SYS:
            with_uses.add(site.path)
        else:
            unit_of[site.id] = site.id
            if site.whole_fn_body and site.parent is not None:
                units.wrapper[site.parent] = site.id
    members: dict[SiteId, list[Site]] = {}
    for path in with_uses:
        group = sorted(by_path[path], key=_source_order)
        open_units: list[Site] = []  # the units enclosing the current position, outermost first
        for site in group:
            start, end = site.span.start_byte, site.span.end_byte
            while open_units and open_units[-1].span.end_byte <= start:
                open_units.pop()
            if site.kind not in _PG_SYS:
                open_units.append(site)
                continue
            holder = next((u for u in reversed(open_units) if u.span.end_byte >= end), None)
            if holder is None:
                unit_of[site.id] = site.id
            else:
                unit_of[site.id] = holder.id
                members.setdefault(holder.id, []).append(site)
    for unit, found in members.items():
        units.members[unit] = tuple(sorted(found, key=lambda s: (s.span.line, s.span.column)))
    return units


def member_uses(members: Iterable[Site]) -> tuple[MemberUse, ...]:
    """What a sign-off records of each member, in the order given."""
    return tuple(MemberUse(s.kind, s.name or "", s.token_hash) for s in members)


def member_changes(
    recorded: Sequence[MemberUse], now: Sequence[MemberUse]
) -> tuple[tuple[MemberUse, ...], tuple[MemberUse, ...]]:
    """(uses in ``now`` not recorded, recorded uses gone from ``now``), as multisets: empty
    twice when a sign-off still covers exactly the unit's uses."""
    have, had = Counter(now), Counter(recorded)
    return tuple((have - had).elements()), tuple((had - have).elements())


def unit_kinds(site: Site, members: Iterable[Site]) -> tuple[SiteKind, ...]:
    """The unit's kind and its members' kinds, each once: whose checklist items it answers."""
    kinds = [site.kind]
    for member in members:
        if member.kind not in kinds:
            kinds.append(member.kind)
    return tuple(kinds)


def unit_items(checklist: Checklist, kinds: Sequence[SiteKind]) -> tuple[Item, ...]:
    """The items a unit's sign-off answers: those that apply to its kind or to a member's
    kind, in checklist order (for an unsafe block or fn, the default checklist's items for
    pg_sys uses are among the kind's own)."""
    return tuple(item for item in checklist.items if any(k in item.applies_to for k in kinds))


def unit_pattern_applies(checklist: Checklist, kinds: Sequence[SiteKind]) -> bool:
    """True when the unit must name a lifetime pattern (see ``Checklist.pattern_applies``)."""
    return any(checklist.pattern_applies(kind) for kind in kinds)


def hints_by_unit(
    units: Iterable[tuple[SiteId, Sequence[SiteId]]], by_site: Mapping[SiteId, Sequence[Hint]]
) -> dict[SiteId, list[Hint]]:
    """``by_site`` with each unit's list holding its members' hints too, each once, in line
    order: a hint at a pg_sys call is evidence for the unit that covers it. ``units`` are
    (unit id, member ids) pairs."""
    out = {site: list(hints) for site, hints in by_site.items()}
    for unit, members in units:
        found = [h for site in (unit, *members) for h in by_site.get(site, ())]
        if members and found:
            unique = {(h.hint_id, h.path, h.line, h.message): h for h in found}
            out[unit] = sorted(unique.values(), key=lambda h: h.sort_key())
    return out


def describe_uses(uses: Sequence[Site]) -> str:
    """``AllocSetContextCreateExtended (call, line 29), TopMemoryContext (static)``: each use
    with its kind, and its line where it differs from the use before it."""
    parts: list[str] = []
    last_line = 0
    for use in uses:
        short = "call" if use.kind is SiteKind.PG_SYS_CALL else "static"
        where = f", line {use.line}" if use.line != last_line else ""
        parts.append(f"{use.name or '?'} ({short}{where})")
        last_line = use.line
    return ", ".join(parts)


def stale_members(
    recorded: Sequence[MemberUse] | None, members: Sequence[Site], wrapped: Sequence[Site] = ()
) -> str:
    """How a unit's pg_sys uses (``members``) differ from those its sign-off ``recorded``, in
    words; empty when they do not, or when it recorded none (an entry of schema 1).

    ``wrapped`` are the members of an unsafe block that is all the unit's body: edition 2024
    wraps an unsafe fn's body in ``unsafe {}``, and the uses move into that block, a unit of
    its own; a sign-off of the fn from before the migration still covers them.
    """
    if recorded is None:
        return ""
    added, gone = member_changes(recorded, member_uses(members))
    if (added or gone) and wrapped:
        with_wrapped = member_uses([*members, *wrapped])
        added, gone = min((added, gone), member_changes(recorded, with_wrapped), key=_size)
    return describe_changes(added, gone)


def _size(change: tuple[Sequence[MemberUse], Sequence[MemberUse]]) -> int:
    return len(change[0]) + len(change[1])


def describe_changes(added: Sequence[MemberUse], gone: Sequence[MemberUse]) -> str:
    """``now also palloc (call); no longer pfree (call)``: how a unit's uses differ from those
    its sign-off recorded, at most five of each named."""
    parts = []
    if added:
        parts.append(f"now also {_listing(added)}")
    if gone:
        parts.append(f"no longer {_listing(gone)}")
    return "; ".join(parts)


def _listing(uses: Sequence[MemberUse]) -> str:
    shown = ", ".join(u.label for u in uses[:5])
    return shown + (f" and {len(uses) - 5} more" if len(uses) > 5 else "")
