"""A site's code, sliced from its file's bytes (spans are byte offsets). Pure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from unsafe_audit.model import Site

if TYPE_CHECKING:
    from unsafe_audit.diff import SiteDelta

SourceOf = Callable[[str], str | None]
"""The text of a file (by path) on one side of a diff, or None when it does not exist. The text
is the file's bytes decoded with ``surrogateescape``, so encoding it back gives the bytes."""


def site_code(data: bytes, site: Site, *, whole_lines: bool = False) -> str | None:
    """The code of ``site`` in its file's bytes ``data`` (None when the span does not fit).

    With ``whole_lines``, from the start of its first line to the end of its last line, so the
    code around it on those lines shows too (``let x = unsafe { .. };``).
    """
    start, end = site.span.start_byte, site.span.end_byte
    if end > len(data) or start > end:
        return None
    if whole_lines:
        start = data.rfind(b"\n", 0, start) + 1
        newline = data.find(b"\n", max(end - 1, start))
        end = len(data) if newline < 0 else newline
    return data[start:end].decode("utf-8", "replace")


def code_from(site: Site, source_of: SourceOf, *, whole_lines: bool = False) -> str | None:
    """:func:`site_code` of ``site`` in the file ``source_of`` gives (None when it has none)."""
    text = source_of(site.path)
    if text is None:
        return None
    return site_code(text.encode("utf-8", "surrogateescape"), site, whole_lines=whole_lines)


def before_after(
    delta: SiteDelta, *, base_source: SourceOf, head_source: SourceOf, whole_lines: bool = False
) -> tuple[str | None, str | None]:
    """The base and head code of a site, for showing a change (None for a missing side)."""
    before = after = None
    if delta.base is not None:
        before = code_from(delta.base, base_source, whole_lines=whole_lines)
    if delta.head is not None:
        after = code_from(delta.head, head_source, whole_lines=whole_lines)
    return before, after
