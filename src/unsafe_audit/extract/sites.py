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
    }
)


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
) -> list[Site]:
    """The sites of one file, in line, column and kind order."""
    seen: set[tuple[SiteKind, int]] = set()
    raws: list[RawSite] = []
    for raw in sorted(found, key=lambda r: (r.start, -r.end, r.anchor)):
        key = (raw.kind, raw.anchor)
        if key not in seen:
            seen.add(key)
            raws.append(raw)
    fingerprints = Fingerprints(crate_root)
    codes: list[str] = []
    identities: list[tuple[SiteId, str, str]] = []
    for raw in raws:
        code = source[raw.start : raw.end].decode("utf-8", "replace")
        codes.append(code)
        identities.append(fingerprints.identify(raw.kind, "::".join(raw.item), code))
    parents = _parents(raws)
    inside: dict[int, list[str]] = {}
    for i, raw in enumerate(raws):
        if raw.kind.is_pg_sys and raw.name:
            p = parents[i]
            while p is not None:
                inside.setdefault(p, []).append(raw.name)
                p = parents[p]

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
                safety_comment=context.safety_comment(lines, stmt_row, row),
                attributes=raw.attributes,
                pg_sys_calls=tuple(inside.get(i, ())),
                wrapped_attribute=(
                    attribute_inner(codes[i]) if raw.kind is SiteKind.UNSAFE_ATTRIBUTE else None
                ),
                whole_fn_body=p is not None and _wraps_fn_body(source, raws[p], raw),
            )
        )
    sites.sort(key=lambda s: (s.span.line, s.span.column, s.kind.value))
    return sites


def _parents(raws: Sequence[RawSite]) -> list[int | None]:
    """Index of each site's innermost enclosing container site (raws in start order)."""
    parents: list[int | None] = [None] * len(raws)
    stack: list[int] = []
    for i, raw in enumerate(raws):
        while stack and raws[stack[-1]].end <= raw.start:
            stack.pop()
        if stack:
            parents[i] = stack[-1]
        if raw.kind in _CONTAINERS:
            stack.append(i)
    return parents


def _wraps_fn_body(source: bytes, parent: RawSite, block: RawSite) -> bool:
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
    fn_code = source[parent.start : parent.end].decode("utf-8", "replace")
    start = len(source[parent.start : block.start].decode("utf-8", "replace"))
    end = len(source[parent.start : block.end].decode("utf-8", "replace"))
    return is_whole_body(fn_code, start, end)
