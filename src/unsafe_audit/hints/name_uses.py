"""Where local names occur in a file, grouped by the fn that holds each occurrence, found in one
pass over the file's code (comments and string literals blanked), so a rule that follows many
``let`` bindings stays linear in the file's size.

An occurrence is a whole word not written as a field (``.name``), a path segment (``a::name``,
``name::x``) or a macro name (``name!``); occurrences inside macro arguments count, as the
syntax view sees no names there.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from unsafe_audit.extract.syntax import RustSyntax

_SPAN = 240
"""Bytes of a line read either side of an occurrence (a minified file has one long line)."""
_BRACE = re.compile(rb"[{}]")
_WORD = re.compile(rb"(?<![\w.])(?<!::)[A-Za-z_]\w*\b(?!\s*(?:::|!))")


@dataclass(slots=True)
class NameUses:
    """Occurrences of each asked name in each fn: ``(fn start byte, name) -> offsets``."""

    code: bytes
    """The file's code, comments and literals blanked (offsets as in the source)."""
    by_fn: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    """Offsets of each name's occurrences in each fn, ascending (found in file order)."""
    _closing: dict[int, int] | None = None

    def first_after(self, fn_start: int, name: str, byte: int) -> int | None:
        """The first occurrence of ``name`` in the fn starting at ``fn_start`` at or after
        ``byte``."""
        offsets = self.by_fn.get((fn_start, name), [])
        k = bisect.bisect_left(offsets, byte)
        return offsets[k] if k < len(offsets) else None

    def between(self, fn_start: int, name: str, start: int, end: int) -> list[int]:
        """Occurrences of ``name`` in the fn in ``[start, end)``."""
        offsets = self.by_fn.get((fn_start, name), [])
        return offsets[bisect.bisect_left(offsets, start) : bisect.bisect_left(offsets, end)]

    def line_before(self, at: int) -> bytes:
        """The code from the start of ``at``'s line up to ``at`` (at most ``_SPAN`` bytes)."""
        floor = max(0, at - _SPAN)
        return self.code[self.code.rfind(b"\n", floor, at) + 1 or floor : at]

    def rest_of_line(self, at: int) -> bytes:
        """The code from ``at`` to the end of its line (at most ``_SPAN`` bytes)."""
        end = self.code.find(b"\n", at, at + _SPAN)
        return self.code[at : end if end >= 0 else min(len(self.code), at + _SPAN)]

    def block_after(self, at: int) -> tuple[int, int] | None:
        """The span of the ``{ .. }`` block that opens on the line of ``at``, after it."""
        if self._closing is None:
            self._closing = _matching_braces(self.code)
        opening = self.code.find(b"{", at, at + len(self.rest_of_line(at)))
        closing = self._closing.get(opening) if opening >= 0 else None
        return (opening, closing) if closing is not None else None


def find_uses(syntax: RustSyntax, names: Collection[str]) -> NameUses:
    """Every occurrence of ``names`` inside a fn of the file (one pass over every word)."""
    code = syntax.code
    uses = NameUses(code)
    wanted = {n.encode() for n in names if n.isidentifier()}
    if not wanted:
        return uses
    for m in _WORD.finditer(code):
        word = m.group()
        if word in wanted:
            fn = syntax.enclosing_fn(m.start())
            if fn is not None:
                uses.by_fn.setdefault((fn.start_byte, word.decode()), []).append(m.start())
    return uses


def reach_ends(syntax: RustSyntax, bindings: Iterable[tuple[int, str]]) -> dict[int, int]:
    """Where each binding ``(offset, name)`` stops being the one its name refers to: the next
    binding of the same name in the same fn, or the fn's end. Following each binding's uses
    only up to there keeps the work linear however often a name is rebound."""
    by_key: dict[tuple[int, str], list[int]] = {}
    ends: dict[int, int] = {}
    for at, name in bindings:
        fn = syntax.enclosing_fn(at)
        if fn is None:
            continue
        by_key.setdefault((fn.start_byte, name), []).append(at)
        ends[at] = fn.end_byte
    for offsets in by_key.values():
        offsets.sort()
        for here, following in itertools.pairwise(offsets):
            ends[here] = following
    return ends


def _matching_braces(code: bytes) -> dict[int, int]:
    """Offset of each ``{`` -> offset of its ``}``, in one pass (strings and comments are
    blanked in ``code``; braces inside macro arguments count like any other)."""
    pairs: dict[int, int] = {}
    open_at: list[int] = []
    for m in _BRACE.finditer(code):
        if m.group() == b"{":
            open_at.append(m.start())
        elif open_at:
            pairs[open_at.pop()] = m.start()
    return pairs
