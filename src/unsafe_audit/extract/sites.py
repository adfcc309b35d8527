"""From the raw sites a walk of one file found to its :class:`~unsafe_audit.model.Site` values.

Duplicates (the same kind on the same anchor, found twice) are dropped, each site gets its
identity (:mod:`unsafe_audit.extract.fingerprint`), its parent (the innermost enclosing unsafe
site), the pg_sys names used inside it, its SAFETY comment and the edition-2024 facts a diff
needs (:mod:`unsafe_audit.extract.edition2024`).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from unsafe_audit.extract import context
from unsafe_audit.extract.edition2024 import attribute_inner, is_whole_body
from unsafe_audit.extract.file_tokens import FileTokens
from unsafe_audit.extract.fingerprint import Fingerprints
from unsafe_audit.model import Site, SiteId, SiteKind, Span

_CONTAINERS = frozenset(
    {
        SiteKind.UNSAFE_BLOCK,
        SiteKind.UNSAFE_FN,
        SiteKind.UNSAFE_IMPL,
        SiteKind.UNSAFE_TRAIT,
        SiteKind.UNSAFE_EXTERN_BLOCK,
        SiteKind.EXTERN_BLOCK,
        SiteKind.EXTERN_FN,
    }
)
_SHARE_TOKENS_ABOVE = 4
"""Lex the file once when its sites' code adds up to more than this many times its length."""


@dataclass(slots=True)
class RawSite:
    """A site as the walk found it: byte offsets in the file, before identity and nesting."""

    kind: SiteKind
    anchor: int
    start: int
    end: int
    name: str | None
    in_macro: bool
    item: list[str]
    attributes: tuple[str, ...]
    stmt_row: int | None = None
    """Row where the statement holding the site starts, when known (for comments above it)."""


class LazyLines(Sequence[str]):
    """A file's lines, decoded only when a SAFETY-comment search looks at them."""

    __slots__ = ("raw",)

    def __init__(self, raw: list[bytes]) -> None:
        self.raw = raw

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return self.raw[index].decode("utf-8", "replace")


def build_sites(
    path: str,
    source: bytes,
    crate_root: str,
    found: Sequence[RawSite],
    line_starts: Sequence[int],
    lines: Sequence[str],
    tokens: FileTokens | None = None,
) -> list[Site]:
    """The sites of one file, in line, column and kind order; ``tokens``: the file's tokens,
    if they were lexed already."""
    seen: set[tuple[SiteKind, int]] = set()
    raws: list[RawSite] = []
    for raw in sorted(found, key=lambda r: (r.start, -r.end, r.anchor)):
        key = (raw.kind, raw.anchor)
        if key not in seen:
            seen.add(key)
            raws.append(raw)
    fingerprints = Fingerprints(crate_root)
    if tokens is None:
        tokens = _shared_tokens(source, raws)
    identities: list[tuple[SiteId, str, str]] = []
    for raw in raws:
        span = tokens.span(raw.start, raw.end) if tokens is not None else None
        item = "::".join(raw.item)
        if tokens is None or span is None:
            code = source[raw.start : raw.end].decode("utf-8", "replace")
            identities.append(fingerprints.identify(raw.kind, item, code))
        else:
            texts = tokens.texts[span[0] : span[1]]
            shared = (tokens, *span)
            identities.append(fingerprints.identify_tokens(raw.kind, item, texts, shared))
    parents, ends = _parents(raws)
    # The pg_sys names used inside each container: those of the pg_sys sites between it and
    # the site that took it off the stack of open containers, sliced from one list.
    pg_sys = [(i, raw.name) for i, raw in enumerate(raws) if raw.kind.is_pg_sys and raw.name]
    pg_sys_at = [i for i, _ in pg_sys]
    pg_sys_names = [name for _, name in pg_sys]

    def used_inside(i: int) -> tuple[str, ...]:
        if raws[i].kind not in _CONTAINERS or not pg_sys_names:
            return ()
        lo = bisect.bisect_right(pg_sys_at, i)
        return tuple(pg_sys_names[lo : bisect.bisect_left(pg_sys_at, ends[i], lo)])

    safety: dict[tuple[int, int], str | None] = {}

    def row_of(byte: int) -> int:
        return bisect.bisect_right(line_starts, byte) - 1

    sites: list[Site] = []
    for i, raw in enumerate(raws):
        row = row_of(raw.anchor)
        end_row = row_of(max(raw.start, raw.end - 1))
        stmt_row = raw.stmt_row if raw.stmt_row is not None else row
        p = parents[i]
        site_id, token_hash, compat_hash = identities[i]
        sites.append(
            Site(
                id=site_id,
                kind=raw.kind,
                path=path,
                span=Span(
                    line=row + 1,
                    column=raw.anchor - line_starts[row] + 1,
                    end_line=end_row + 1,
                    start_byte=raw.start,
                    end_byte=raw.end,
                ),
                item="::".join(raw.item),
                token_hash=token_hash,
                compat_hash=compat_hash,
                in_macro=raw.in_macro,
                parent=identities[p][0] if p is not None else None,
                name=raw.name,
                safety_comment=_safety(safety, lines, stmt_row, row),
                attributes=raw.attributes,
                pg_sys_calls=used_inside(i),
                wrapped_attribute=(
                    attribute_inner(source[raw.start : raw.end].decode("utf-8", "replace"))
                    if raw.kind is SiteKind.UNSAFE_ATTRIBUTE
                    else None
                ),
                whole_fn_body=p is not None and _wraps_fn_body(source, raws[p], raw, tokens),
            )
        )
    sites.sort(key=lambda s: (s.span.line, s.span.column, s.kind.value))
    return sites


def _parents(raws: Sequence[RawSite]) -> tuple[list[int | None], list[int]]:
    """Index of each site's innermost enclosing container site (raws in start order), and for
    each container the index of the first site it does not enclose: a site's enclosing
    containers are the stack of open containers when it comes, and a container encloses
    every site from its own until it leaves that stack."""
    n = len(raws)
    parents: list[int | None] = [None] * n
    ends = [n] * n
    stack: list[int] = []
    for i, raw in enumerate(raws):
        while stack and raws[stack[-1]].end <= raw.start:
            ends[stack.pop()] = i
        if stack:
            parents[i] = stack[-1]
        if raw.kind in _CONTAINERS:
            stack.append(i)
    return parents, ends


def _safety(
    found: dict[tuple[int, int], str | None], lines: Sequence[str], start_row: int, row: int
) -> str | None:
    """:func:`~unsafe_audit.extract.context.safety_comment`, once per pair of rows (the sites
    of a long line share it)."""
    key = (start_row, row)
    if key not in found:
        found[key] = context.safety_comment(lines, start_row, row)
    return found[key]


def _shared_tokens(source: bytes, raws: Sequence[RawSite]) -> FileTokens | None:
    """The file's tokens, lexed once, when its sites overlap so much (nested sites) that lexing
    each site's code alone would cost more; None otherwise."""
    if sum(raw.end - raw.start for raw in raws) <= _SHARE_TOKENS_ABOVE * len(source):
        return None
    return FileTokens(source)


def _wraps_fn_body(
    source: bytes, parent: RawSite, block: RawSite, tokens: FileTokens | None
) -> bool:
    """True for an unsafe block that is all the body of its parent unsafe fn."""
    if block.kind is not SiteKind.UNSAFE_BLOCK or parent.kind is not SiteKind.UNSAFE_FN:
        return False
    if not parent.start <= block.start < parent.end:
        return False
    # Most blocks have other code beside them: rule that out from the bytes around the block
    # before lexing the fn (a comment there sends the question on to the lexer).
    after = source[block.end : parent.end]
    before = source[source.rfind(b"{", parent.start, block.start) + 1 : block.start]
    if (after.strip() != b"}" and b"/" not in after) or (before.strip() and b"/" not in before):
        return False
    span = tokens.span(parent.start, parent.end) if tokens is not None else None
    if span is not None:
        assert tokens is not None
        block_start, block_end = tokens.char_of(block.start), tokens.char_of(block.end)
        if block_start is not None and block_end is not None:
            return _whole_body(tokens, span, block_start, block_end)
    fn_code = source[parent.start : parent.end].decode("utf-8", "replace")
    start = len(source[parent.start : block.start].decode("utf-8", "replace"))
    end = len(source[parent.start : block.end].decode("utf-8", "replace"))
    return is_whole_body(fn_code, start, end)


def _whole_body(tokens: FileTokens, fn: tuple[int, int], block_start: int, block_end: int) -> bool:
    """:func:`~unsafe_audit.extract.edition2024.is_whole_body` on the file's tokens: ``fn`` is
    the fn's token slice, the block's offsets are characters of the file."""
    first, stop = fn
    texts, starts = tokens.texts, tokens.starts
    if stop - first < 3 or texts[stop - 1] != "}" or tokens.ends[stop - 2] != block_end:
        return False
    at = bisect.bisect_left(starts, block_start, first, stop)
    if at >= stop or at < first + 1 or starts[at] != block_start:
        return False
    if texts[at - 1] != "{":
        return False
    # The `{` just before the block must be the one the fn's last `}` closes: the body's. A
    # brace closed after the fn's end (or never) is not closed within the fn, where the
    # question is asked, and then counts as closed by its last token.
    close = tokens.closing_brace(at - 1)
    return close == stop - 1 or not first <= close < stop
