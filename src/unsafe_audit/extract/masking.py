"""What in Rust source is not code (comments, string and char literals), in one place.

Offsets never move: masked text keeps its length and its newlines, so spans found in it slice
the original. Pure at import time (tree-sitter nodes are only read, never imported).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from tree_sitter import Node

NOT_CODE_NODES = frozenset(
    {
        "line_comment",
        "block_comment",
        "doc_comment",
        "string_content",
        "string_literal",
        "raw_string_literal",
        "char_literal",
        "escape_sequence",
    }
)
"""Syntax node types that are comments or literals (or parts of them)."""

_LAYOUT_RE = re.compile(r"(?:\s+|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*", re.DOTALL)
_SAFE_QUALIFIER_RE = re.compile(rb"safe(?=\s+(?:fn|static)\b)")


def in_non_code(node: Node, parent_of: Callable[[Node], Node | None]) -> bool:
    """True when ``node`` (a leaf, say) is a comment or literal, or a part of one
    (``parent_of`` gives a node's parent)."""
    cur: Node | None = node
    for _ in range(3):
        if cur is None:
            return False
        if cur.type in NOT_CODE_NODES:
            return True
        cur = parent_of(cur)
    return False


_TO_SPACE = bytes(0x0A if b == 0x0A else 0x20 for b in range(256))


def blank(code: bytearray, start: int, end: int) -> None:
    """Replace ``code[start:end]`` by spaces, newlines kept."""
    code[start:end] = code[start:end].translate(_TO_SPACE)


def skip_layout(text: str, pos: int) -> int:
    """The offset past the whitespace and comments starting at ``pos``."""
    gap = _LAYOUT_RE.match(text, pos)
    return gap.end() if gap else pos


def mask_safe_qualifier(source: bytes) -> bytes:
    """Blank edition 2024's ``safe fn`` / ``safe static`` qualifier in extern blocks, which
    tree-sitter-rust 0.24 does not know, so the block still parses. Offsets do not move, and
    fingerprints hash the original text."""
    # Cheap test first: every `unsafe fn` also contains `safe fn`.
    if source.count(b"safe fn") == source.count(b"unsafe fn") and source.count(
        b"safe static"
    ) == source.count(b"unsafe static"):
        return source
    out: bytearray | None = None
    for m in _SAFE_QUALIFIER_RE.finditer(source):
        start = m.start()
        if start > 0 and (chr(source[start - 1]).isalnum() or source[start - 1] in b"_$"):
            continue  # `unsafe fn`, `my_safe fn`...
        if out is None:
            out = bytearray(source)
        out[start : start + 4] = b"    "
    return bytes(out) if out is not None else source
