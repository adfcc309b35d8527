"""A read-only view of one Rust file's syntax for the static hints.

The hints (``unsafe_audit.hints``) must not import tree_sitter, so this module answers their
questions with plain frozen values (:mod:`~unsafe_audit.extract.facts`): the fns of a file with
their ABI and attributes, statics and ``thread_local!`` / ``lazy_static!`` declarations with their
type text, calls, raw-pointer dereferences, NULL checks, early exits and assignments within a
byte range.

The file is parsed once (:func:`~unsafe_audit.extract.parser.parse_file`, the same parse the site
walker reads, or a tree handed in) and walked once, on first use, into flat lists
(:mod:`~unsafe_audit.extract.syntax_walk`); every query is then a filter over those lists. Code
inside macro invocations is a flat token tree to tree-sitter, so calls and macro invocations
there are found by a regex over the file's code with comments and string literals blanked out
(offsets unchanged); derefs, exits and assignments inside macros are not seen.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from unsafe_audit.extract.facts import (
    Assignment,
    Call,
    Deref,
    Exit,
    FnInfo,
    LetBinding,
    NullCheck,
    StaticDecl,
    TypeDecl,
    last_segment,
)

if TYPE_CHECKING:
    from tree_sitter import Tree

    from unsafe_audit.extract.syntax_walk import SyntaxWalk

__all__ = [
    "Assignment",
    "Call",
    "Deref",
    "Exit",
    "FnInfo",
    "LetBinding",
    "NullCheck",
    "RustSyntax",
    "StaticDecl",
    "TypeDecl",
]

_NULL_CHECK_RES = (
    r"\b{n}\s*\.\s*is_null\s*\(",
    r"\b{n}\s*[!=]=\s*(?:(?:std|core)\s*::\s*)?(?:ptr\s*::\s*)?null(?:_mut)?\s*\(",
    r"null(?:_mut)?\s*\(\s*\)\s*[!=]=\s*{n}\b",
    r"\bNonNull\s*(?:::\s*<[^>]*>\s*)?::\s*new\s*\(\s*{n}\b",
)


class RustSyntax:
    """One file, parsed once; the lists are built on first access."""

    def __init__(self, source: bytes, tree: Tree | None = None) -> None:
        """``tree``: the file's tree from :func:`~unsafe_audit.extract.parser.parse_file`, when
        the caller has it already (the file is parsed on first use otherwise)."""
        self.source = source
        self._tree = tree
        self._line_starts = [0] + [m.end() for m in re.finditer(rb"\n", source)]
        self._walk: SyntaxWalk | None = None
        self._fn_index: tuple[list[int], list[FnInfo | None]] | None = None
        self._by_start: dict[str, tuple[list[Any], list[int]]] = {}

    def _walked(self) -> SyntaxWalk:
        if self._walk is None:
            from unsafe_audit.extract.parser import parse_file
            from unsafe_audit.extract.syntax_walk import SyntaxWalk

            tree = self._tree if self._tree is not None else parse_file(self.source)
            walk = SyntaxWalk(self.source, tree, self._line_starts)
            walk.walk()
            self._walk = walk
        return self._walk

    def _between(self, name: str, start: int, end: int | None) -> Sequence[Any]:
        """The items of the walk's list ``name`` that start in ``[start, end)``, found by
        bisection: a rule asks once per fn, and a filter over the whole file each time grew
        with the square of the file."""
        found = self._by_start.get(name)
        if found is None:
            start_of = _first if name == "indexes" else _start
            items = sorted(getattr(self._walked(), name), key=start_of)
            found = self._by_start[name] = (items, [start_of(i) for i in items])
        items, starts = found
        stop = len(self.source) if end is None else end
        return items[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, stop)]

    # ------------------------------------------------------------------ positions and text
    def line_of(self, byte: int) -> int:
        """1-based line of a byte offset."""
        return bisect.bisect_right(self._line_starts, byte)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.source.find(b"\n", start)
        return self.source[start : end if end >= 0 else len(self.source)].decode("utf-8", "replace")

    def text(self, start: int, end: int) -> str:
        """Source text between two offsets."""
        return self.source[start:end].decode("utf-8", "replace")

    @property
    def code(self) -> bytes:
        """The source with comments and string/char literals blanked (offsets unchanged)."""
        return bytes(self._walked().code)

    # ------------------------------------------------------------------ queries
    @property
    def fns(self) -> tuple[FnInfo, ...]:
        """Every fn with a body, in source order."""
        return tuple(self._walked().fns)

    def enclosing_fn(self, byte: int) -> FnInfo | None:
        """The innermost fn whose item (attributes included) contains ``byte``: of those, the
        one that starts last (the later in source order on a tie)."""
        if self._fn_index is None:
            self._fn_index = _fn_index(self._walked().fns)
        bounds, owners = self._fn_index
        k = bisect.bisect_right(bounds, byte) - 1
        return owners[k] if k >= 0 else None

    @property
    def statics(self) -> tuple[StaticDecl, ...]:
        """Statics, in source order, including those in ``thread_local!``/``lazy_static!``."""
        return tuple(self._walked().statics)

    @property
    def types(self) -> tuple[TypeDecl, ...]:
        """Structs, enums, unions and type aliases, in source order."""
        return tuple(self._walked().types)

    def calls(self, names: Collection[str], start: int = 0, end: int | None = None) -> list[Call]:
        """Calls (fn, method or macro) whose last callee segment is in ``names``."""
        return [c for c in self._between("calls", start, end) if c.name in names]

    def derefs(self, start: int = 0, end: int | None = None) -> list[Deref]:
        """Pointer dereferences in a range, in source order."""
        return list(self._between("derefs", start, end))

    def null_checks(self, subject: str, start: int = 0, end: int | None = None) -> list[NullCheck]:
        """NULL tests of ``subject`` (a variable name or the last segment of a path) in a range,
        macro arguments such as ``assert!(!p.is_null())`` included."""
        stop = len(self.source) if end is None else end
        name = re.escape(subject.rsplit("::", 1)[-1].strip())
        code = bytes(self._walked().code[start:stop]).decode("utf-8", "replace")
        found: list[NullCheck] = []
        for pattern in _NULL_CHECK_RES:
            for m in re.finditer(pattern.format(n=name), code):
                pos = start + len(code[: m.start()].encode())
                found.append(NullCheck(subject, pos, self.line_of(pos)))
        return sorted(found, key=lambda c: c.start_byte)

    def exits(self, start: int = 0, end: int | None = None) -> list[Exit]:
        """``return``, ``?``, ``break`` and ``continue`` in a range, in source order."""
        return list(self._between("exits", start, end))

    def assignments(
        self, target_name: str | None, start: int = 0, end: int | None = None
    ) -> list[Assignment]:
        """Assignments whose target's last path segment is ``target_name`` (None: every one)."""
        return [
            a
            for a in self._between("assignments", start, end)
            if target_name is None or last_segment(a.target) == target_name
        ]

    def lets(self, start: int = 0, end: int | None = None) -> list[LetBinding]:
        """``let`` bindings of a single name in a range, in source order."""
        return list(self._between("lets", start, end))

    def index_expressions(self, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """``(start_byte, line)`` of each ``a[i]`` in a range (outside macros)."""
        return list(self._between("indexes", start, end))


def _start(item: Any) -> int:
    return int(item.start_byte)


def _first(item: Any) -> int:
    return int(item[0])


def _fn_index(fns: list[FnInfo]) -> tuple[list[int], list[FnInfo | None]]:
    """For :meth:`RustSyntax.enclosing_fn`: the offsets where the answer may change, and the
    answer from each one to the next, in one sweep (asking every fn for every site grew with
    the square of the number of nested fns)."""
    starting: dict[int, list[int]] = {}
    for i, fn in enumerate(fns):
        starting.setdefault(fn.outer_start_byte, []).append(i)
    bounds = sorted({fn.outer_start_byte for fn in fns} | {fn.end_byte for fn in fns})
    owners: list[FnInfo | None] = []
    open_fns: list[tuple[int, int]] = []  # (-start_byte, -index): the innermost on top
    for at in bounds:
        for i in starting.get(at, ()):
            heapq.heappush(open_fns, (-fns[i].start_byte, -i))
        while open_fns and fns[-open_fns[0][1]].end_byte <= at:
            heapq.heappop(open_fns)
        owners.append(fns[-open_fns[0][1]] if open_fns else None)
    return bounds, owners
