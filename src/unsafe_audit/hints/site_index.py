"""The innermost site holding a byte, answered in time bounded by the nesting depth.

:meth:`HintContext.innermost_site` looks at every site of the file, so a rule that asks it once
per hint takes time in the number of hints times the number of sites: minutes on a large
generated file. Sites nest or are disjoint (an unsafe block in an unsafe fn, a pg_sys call in
the block), so one sort and one sweep give each site its parent, and a query is a bisection and
a walk up the parents.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from unsafe_audit.model import Site


class SiteIndex:
    """The sites of one file, for innermost-site queries."""

    __slots__ = ("_parents", "_sites", "_starts")

    def __init__(self, sites: Iterable[Site]) -> None:
        # Outer before inner on equal starts; on equal spans the later one is the inner one.
        self._sites = sorted(sites, key=lambda s: (s.span.start_byte, -s.span.end_byte))
        self._starts = [s.span.start_byte for s in self._sites]
        self._parents: list[int] = []
        open_sites: list[int] = []
        for i, site in enumerate(self._sites):
            while open_sites and self._sites[open_sites[-1]].span.end_byte < site.span.end_byte:
                open_sites.pop()  # ended before this one does: not a container
            self._parents.append(open_sites[-1] if open_sites else -1)
            open_sites.append(i)

    def innermost(self, byte: int) -> Site | None:
        """The smallest site whose code contains ``byte``."""
        k = bisect.bisect_right(self._starts, byte) - 1
        while k >= 0:
            site = self._sites[k]
            if byte < site.span.end_byte:
                return site
            k = self._parents[k]
        return None
