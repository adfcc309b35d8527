"""One side's source files as bytes: each file read once, with a line index.

Pure: no git, no parser. The pipeline (:mod:`unsafe_audit.audit`, :mod:`unsafe_audit.compare`)
fills a :class:`Snapshot` from git blobs or the work tree before it closes the repository;
everything downstream — code views, diffs shown to people, hints — slices the same bytes. Spans
are byte offsets, so nothing here decodes a whole file to text and back. The parse tree of a
file is kept on it by :mod:`unsafe_audit.extract` (see ``extract.syntax_of``), so a file is
parsed at most once however many readers it has.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from unsafe_audit.model import Site, Span


@dataclass(frozen=True, slots=True)
class CodeView:
    """Lines of code to show for a site: its own lines plus the context that explains them."""

    start_line: int
    """Line number of the first line of ``text``."""
    text: str
    """Contiguous lines ending just after the site, without a trailing newline."""
    site_lines: tuple[int, int]
    """First and last line of the site itself (to highlight)."""
    header_line: int = 0
    """Line number of ``header`` (0 when there is none)."""
    header: str = ""
    """The enclosing fn's attributes and signature when they are too far above ``text`` to
    show the lines in between; shown first, with a gap mark after it."""


class SourceFile:
    """One file's bytes, a line index built on first use, and what readers derived from it."""

    __slots__ = ("_line_starts", "data", "derived", "path")

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        """Path relative to the repository root, with forward slashes."""
        self.data = data
        """The file's bytes, exactly as stored."""
        self.derived: dict[str, Any] = {}
        """Values computed from the bytes, by their maker's key (the parse tree, say)."""
        self._line_starts: list[int] | None = None

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            data, starts, at = self.data, [0], self.data.find(b"\n")
            while at >= 0:
                starts.append(at + 1)
                at = data.find(b"\n", at + 1)
            self._line_starts = starts
        return self._line_starts

    def line_of(self, byte: int) -> int:
        """1-based line of a byte offset."""
        return bisect.bisect_right(self._starts(), byte)

    def line_count(self) -> int:
        """Number of lines (a final newline does not start another)."""
        starts = self._starts()
        return len(starts) - 1 if self.data.endswith(b"\n") else len(starts)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline ('' outside the file)."""
        starts = self._starts()
        if line < 1 or line > len(starts):
            return ""
        start = starts[line - 1]
        end = self.data.find(b"\n", start)
        return self.data[start : end if end >= 0 else len(self.data)].decode("utf-8", "replace")

    def lines(self, first: int, last: int) -> list[str]:
        """Lines ``first`` to ``last`` (1-based, inclusive), clamped to the file."""
        return [self.line_text(n) for n in range(max(1, first), min(last, self.line_count()) + 1)]

    def code(self, span: Span, *, whole_lines: bool = False) -> str | None:
        """The text of ``span`` (see :func:`span_code`)."""
        return span_code(self.data, span, whole_lines=whole_lines)


def span_code(data: bytes, span: Span, *, whole_lines: bool = False) -> str | None:
    """The text of ``span`` in a file's bytes ``data`` (None when the span does not fit).

    With ``whole_lines``, from the start of its first line to the end of its last line, so the
    code around it on those lines shows too (``let x = unsafe { .. };``).
    """
    start, end = span.start_byte, span.end_byte
    if end > len(data) or start > end:
        return None
    if whole_lines:
        start = data.rfind(b"\n", 0, start) + 1
        newline = data.find(b"\n", max(end - 1, start))
        end = len(data) if newline < 0 else newline
    return data[start:end].decode("utf-8", "replace")


def site_code(data: bytes, site: Site, *, whole_lines: bool = False) -> str | None:
    """The code of ``site`` in its file's bytes ``data`` (see :func:`span_code`)."""
    return span_code(data, site.span, whole_lines=whole_lines)


Reader = Callable[[str], bytes | None]
"""Reads one file of a side by path; None when it does not exist there."""


class Snapshot:
    """The files of one side of an audit (a revision, or the work tree), each read once."""

    def __init__(self, files: Mapping[str, bytes] | None = None, reader: Reader | None = None):
        self._files: dict[str, SourceFile | None] = {
            path: SourceFile(path, data) for path, data in (files or {}).items()
        }
        self._reader = reader

    def file(self, path: str) -> SourceFile | None:
        """The file at ``path``, or None when this side has no such file (or it was not read)."""
        if path not in self._files:
            data = self._reader(path) if self._reader is not None else None
            self._files[path] = None if data is None else SourceFile(path, data)
        return self._files[path]

    def load(self, paths: Iterable[str]) -> Snapshot:
        """Read ``paths`` now (while the reader can still read them); returns self."""
        for path in sorted(set(paths)):
            self.file(path)
        return self

    def frozen(self) -> Snapshot:
        """This snapshot with its reader dropped: what was read stays, nothing more is read."""
        self._reader = None
        return self

    def code(self, site: Site, *, whole_lines: bool = False) -> str | None:
        """The code of ``site`` in this side (None when its file cannot be read)."""
        f = self.file(site.path)
        return None if f is None else f.code(site.span, whole_lines=whole_lines)

    def data(self, path: str) -> bytes | None:
        """The bytes of ``path`` (None when absent)."""
        f = self.file(path)
        return None if f is None else f.data


EMPTY = Snapshot()
"""No files: the base of a first release."""
