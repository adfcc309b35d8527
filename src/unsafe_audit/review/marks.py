"""Marked sites, for a bulk sign-off: single marks and one open range, as lazygit marks. Pure.

``space`` toggles one site's mark; ``v`` opens a range at the cursor, and every site between
that anchor and the cursor (in the queue as shown) counts as marked while the range is open;
``v`` again closes it, keeping its sites marked. A bulk action takes :meth:`Marks.marked`.
"""

from __future__ import annotations

from collections.abc import Sequence

from unsafe_audit.model import SiteId


class Marks:
    """The marked sites of one review session."""

    def __init__(self) -> None:
        self.ids: set[SiteId] = set()
        """Sites marked one by one, or by a closed range."""
        self.anchor: SiteId | None = None
        """Where the open range started (None: no range open)."""

    def __bool__(self) -> bool:
        return bool(self.ids) or self.anchor is not None

    def toggle(self, site_id: SiteId) -> bool:
        """Mark ``site_id``, or unmark it; True when it is marked now."""
        if site_id in self.ids:
            self.ids.discard(site_id)
            return False
        self.ids.add(site_id)
        return True

    def bounds(self, shown: Sequence[SiteId], cursor: int) -> tuple[int, int] | None:
        """The positions in ``shown`` the open range covers, first and last (None: no range
        open, or its anchor is not shown any more)."""
        if self.anchor is None or not shown:
            return None
        try:
            start = shown.index(self.anchor)
        except ValueError:
            return None
        return (min(start, cursor), max(start, cursor))

    def toggle_range(self, shown: Sequence[SiteId], cursor: int) -> bool:
        """Open a range at ``cursor``, or close the open one and keep its sites marked; True
        when a range is open now."""
        bounds = self.bounds(shown, cursor)
        if self.anchor is None or bounds is None:
            self.anchor = shown[cursor] if shown else None
            return self.anchor is not None
        self.ids.update(shown[bounds[0] : bounds[1] + 1])
        self.anchor = None
        return False

    def is_marked(self, site_id: SiteId, position: int, bounds: tuple[int, int] | None) -> bool:
        """True when ``site_id`` (at ``position`` in the queue shown) is marked."""
        if site_id in self.ids:
            return True
        return bounds is not None and bounds[0] <= position <= bounds[1]

    def marked(self, order: Sequence[SiteId], shown: Sequence[SiteId], cursor: int) -> list[SiteId]:
        """Every marked site, in ``order`` (the whole queue): the single marks, hidden by a
        filter or not, and the open range's sites."""
        chosen = set(self.ids)
        bounds = self.bounds(shown, cursor)
        if bounds is not None:
            chosen.update(shown[bounds[0] : bounds[1] + 1])
        return [site_id for site_id in order if site_id in chosen]

    def drop(self, site_ids: Sequence[SiteId]) -> None:
        """Forget ``site_ids`` (signed off now) and close the range."""
        self.ids.difference_update(site_ids)
        self.anchor = None

    def clear(self) -> None:
        self.ids.clear()
        self.anchor = None
