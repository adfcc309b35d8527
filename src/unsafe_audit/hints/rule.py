"""The hint rule interface: the ``HintRule`` base and the per-file ``HintContext`` it reads.

A rule looks at one parsed file (:class:`~unsafe_audit.extract.syntax.RustSyntax`) and its
sites and yields :class:`~unsafe_audit.hints.interface.Hint` values. Its ``VALID`` snippets are
code it must stay silent on and its ``INVALID`` snippets code it must flag, as in Fixit; tests
are generated from both.
"""

from __future__ import annotations

import abc
import bisect
from collections.abc import Iterable, Iterator
from typing import ClassVar

from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.site_index import SiteIndex
from unsafe_audit.model import Site


class HintContext:
    """What a rule may look at for one file: its path, bytes, sites and syntax."""

    __slots__ = ("_by_start", "_innermost", "path", "sites", "source", "syntax")

    def __init__(
        self, path: str, source: bytes, sites: Iterable[Site], syntax: RustSyntax | None = None
    ) -> None:
        self.path = path
        """File path relative to the scanned root."""
        self.source = source
        """The file's bytes."""
        self.sites: tuple[Site, ...] = tuple(s for s in sites if s.path == path)
        """The file's sites, in the order the extractor gave them."""
        self.syntax = syntax if syntax is not None else RustSyntax(source)
        """The parsed file (parsed once, shared by every rule)."""
        # Both made on first use; rules ask once per fn or per call, so neither may loop over
        # every site of the file each time.
        self._by_start: tuple[list[int], list[int]] | None = None
        self._innermost: SiteIndex | None = None

    def sites_within(self, start: int, end: int) -> tuple[Site, ...]:
        """Sites whose code lies inside ``[start, end)``, in the extractor's order."""
        if self._by_start is None:
            order = sorted(range(len(self.sites)), key=lambda i: self.sites[i].span.start_byte)
            self._by_start = (order, [self.sites[i].span.start_byte for i in order])
        order, starts = self._by_start
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        inside = sorted(i for i in order[lo:hi] if self.sites[i].span.end_byte <= end)
        return tuple(self.sites[i] for i in inside)

    @property
    def site_index(self) -> SiteIndex:
        """The file's sites indexed for innermost-site questions, made once for every rule."""
        if self._innermost is None:
            self._innermost = SiteIndex(self.sites)
        return self._innermost

    def innermost_site(self, byte: int) -> Site | None:
        """The smallest site whose code contains ``byte`` (the first of equals)."""
        return self.site_index.innermost(byte)

    def evidence(self, line: int, last_line: int | None = None) -> str:
        """The stripped code of a line (or of a run of lines, joined by newlines)."""
        stop = line if last_line is None else last_line
        return "\n".join(self.syntax.line_text(n).strip() for n in range(line, stop + 1))


class HintRule(abc.ABC):
    """A static check. Subclasses set the class attributes and implement :meth:`check`.

    ``INVALID`` snippets (code to flag) must make the rule fire on each line marked
    ``// <- hint``; ``VALID`` snippets (code that is fine) must not make it fire at all.
    """

    id: ClassVar[str]
    """Stable slug, used as ``Hint.hint_id``."""
    items: ClassVar[tuple[str, ...]]
    """Checklist item ids the rule's hints bear on."""
    title: ClassVar[str]
    """One-line description for listings."""
    INVALID: ClassVar[tuple[str, ...]]
    """Rust snippets where the rule must fire (on each ``// <- hint`` line)."""
    VALID: ClassVar[tuple[str, ...]]
    """Rust snippets where the rule must not fire."""
    rank: ClassVar[int] = 0
    """0: evidence of a bug or a broken contract; 1: advice, listed after (see ``Hint.rank``)."""

    @abc.abstractmethod
    def check(self, ctx: HintContext) -> Iterable[Hint]:
        """The hints for one file."""

    # ----------------------------------------------------------------- for subclasses
    def hint(self, ctx: HintContext, site: Site | None, line: int, message: str) -> Hint:
        """A hint of this rule on ``line``, shown with ``site``."""
        return Hint(
            self.id,
            self.items,
            site.id if site is not None else None,
            ctx.path,
            line,
            message,
            ctx.evidence(line),
            self.rank,
        )

    def hints_on(
        self, ctx: HintContext, sites: Iterable[Site], line: int, message: str
    ) -> Iterator[Hint]:
        """The same hint once per site in ``sites``, or once with no site when there is none."""
        any_site = False
        for site in sites:
            any_site = True
            yield self.hint(ctx, site, line, message)
        if not any_site:
            yield self.hint(ctx, None, line, message)
