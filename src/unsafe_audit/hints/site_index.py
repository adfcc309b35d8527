"""The innermost site at a byte offset: one sweep over a file's sites, then a bisection per
question, so a rule that reports many hints stays linear in the file. Made once per file by
:attr:`HintContext.site_index <unsafe_audit.hints.rule.HintContext.site_index>` and shared by
every rule."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Sequence

from unsafe_audit.model import Site


class SiteIndex:
    """Answers :meth:`innermost` as ``HintContext.innermost_site`` does: the smallest site
    whose span contains the byte, the first in the given order on a tie."""

    def __init__(self, sites: Sequence[Site]) -> None:
        starting: dict[int, list[int]] = {}
        for i, site in enumerate(sites):
            starting.setdefault(site.span.start_byte, []).append(i)
        bounds = sorted({s.span.start_byte for s in sites} | {s.span.end_byte for s in sites})
        owners: list[Site | None] = []
        open_sites: list[tuple[int, int]] = []  # (size, index): the smallest on top
        for at in bounds:
            for i in starting.get(at, ()):
                span = sites[i].span
                heapq.heappush(open_sites, (span.end_byte - span.start_byte, i))
            while open_sites and sites[open_sites[0][1]].span.end_byte <= at:
                heapq.heappop(open_sites)
            owners.append(sites[open_sites[0][1]] if open_sites else None)
        self._bounds = bounds
        self._owners = owners

    def innermost(self, byte: int) -> Site | None:
        """The smallest site whose code contains ``byte``."""
        k = bisect.bisect_right(self._bounds, byte) - 1
        return self._owners[k] if k >= 0 else None
