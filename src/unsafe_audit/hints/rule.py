"""The hint rule interface: the ``HintRule`` base and the per-file ``HintContext`` it reads.

A rule looks at one parsed file (:class:`~unsafe_audit.extract.syntax.RustSyntax`) and its
sites and yields :class:`~unsafe_audit.hints.interface.Hint` values. Its ``VALID`` snippets are
code it must stay silent on and its ``INVALID`` snippets code it must flag, as in Fixit; tests
are generated from both.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from typing import ClassVar

from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.hints.interface import Hint
from unsafe_audit.model import Site


class HintContext:
    """What a rule may look at for one file: its path, bytes, sites and syntax."""

    __slots__ = ("path", "sites", "source", "syntax")

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

    def sites_within(self, start: int, end: int) -> tuple[Site, ...]:
        """Sites whose code lies inside ``[start, end)``."""
        return tuple(s for s in self.sites if start <= s.span.start_byte and s.span.end_byte <= end)

    def innermost_site(self, byte: int) -> Site | None:
        """The smallest site whose code contains ``byte``."""
        best: Site | None = None
        for s in self.sites:
            if s.span.start_byte <= byte < s.span.end_byte and (
                best is None
                or s.span.end_byte - s.span.start_byte < best.span.end_byte - best.span.start_byte
            ):
                best = s
        return best

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
