"""Sites found by reading tokens where the syntax tree cannot help.

An ``unsafe`` that no tree-based site accounts for (the tree has an error there) is classified
by the tokens after it, and pg_sys uses in a macro token tree that would not parse are found by
their ``pg_sys::name`` / imported-name shape. Pure: tokens only (no tree-sitter).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from unsafe_audit.extract.tokens import Token, matching_close, tokenize
from unsafe_audit.model import SiteKind


@dataclass(frozen=True, slots=True)
class TokenSite:
    """A site read from tokens: byte offsets in the file."""

    kind: SiteKind
    start: int
    anchor: int
    end: int
    name: str | None
    unclassified: bool = False
    """True when the tokens after an ``unsafe`` fit no site kind (listed as a block)."""


class ByteMap:
    """Maps character offsets in a decoded chunk back to byte offsets in the file."""

    __slots__ = ("ascii", "base", "chunk")

    def __init__(self, chunk: str, base: int) -> None:
        self.chunk = chunk
        self.base = base
        self.ascii = chunk.isascii()

    def __call__(self, char_offset: int) -> int:
        if self.ascii:
            return self.base + char_offset
        return self.base + len(self.chunk[:char_offset].encode("utf-8"))


def tokens_between(source: bytes, start: int, end: int) -> tuple[list[Token], ByteMap]:
    """The tokens of ``source[start:end]`` and the map from their offsets to the file's."""
    chunk = source[start:end].decode("utf-8", "replace")
    return list(tokenize(chunk)), ByteMap(chunk, start)


def unsafe_site(source: bytes, pos: int) -> TokenSite | None:
    """The site the ``unsafe`` at byte ``pos`` opens, by the tokens after it; None when it is
    part of a fn-pointer type (not a site) or has no tokens."""
    # Most sites close within a few KB; widen the window only when the braces do not.
    for window in (4_096, 65_536, 1_048_576):
        end_limit = min(len(source), pos + window)
        toks, base = tokens_between(source, pos, end_limit)
        if end_limit == len(source) or _braces_close(toks):
            break
    if not toks:
        return None
    texts = [t.text for t in toks]
    kind = SiteKind.UNSAFE_BLOCK
    name: str | None = None
    last = 0
    j = 1
    if texts[1:2] == ["extern"]:
        j = 2
        if j < len(toks) and toks[j].kind == "str":
            j += 1
    follow = toks[j].text if j < len(toks) else ""
    unclassified = False
    if follow == "{" and j > 1:
        kind, last = SiteKind.UNSAFE_EXTERN_BLOCK, matching_close(texts, j)
    elif follow == "fn":
        if j + 1 < len(toks) and toks[j + 1].text == "(":
            return None  # fn-pointer type
        kind = SiteKind.UNSAFE_FN
        name = toks[j + 1].text if j + 1 < len(toks) else None
        last = _item_end(texts, j)
    elif follow == "impl":
        kind, last = SiteKind.UNSAFE_IMPL, _item_end(texts, j)
    elif follow in ("trait", "auto"):
        kind, last = SiteKind.UNSAFE_TRAIT, _item_end(texts, j)
        name = toks[j + 1].text if j + 1 < len(toks) else None
    elif follow == "(" and _preceded_by_attribute(source, pos):
        kind, last = SiteKind.UNSAFE_ATTRIBUTE, matching_close(texts, 1)
        name = toks[2].text if len(toks) > 2 else None
    elif follow == "{":
        kind, last = SiteKind.UNSAFE_BLOCK, matching_close(texts, 1)
    else:
        unclassified = True
        last = min(len(toks) - 1, 1)
    return TokenSite(kind, pos, pos, base(toks[last].end), name, unclassified)


def pg_sys_uses(
    source: bytes,
    start: int,
    end: int,
    modules: frozenset[str],
    named: Mapping[str, str],
    statics: frozenset[str],
) -> Iterator[TokenSite]:
    """pg_sys calls and statics in ``source[start:end]`` by their token shape: a path through
    one of ``modules``, or a name imported from pg_sys (``named``: local name -> pg_sys name)."""
    toks, base = tokens_between(source, start, end)
    texts = [t.text for t in toks]
    for i, tok in enumerate(toks):
        symbol: str | None = None
        if i >= 2 and tok.kind == "ident" and texts[i - 1] == "::" and texts[i - 2] in modules:
            symbol = tok.text
        elif tok.kind == "ident" and tok.text in named and (i == 0 or texts[i - 1] != "::"):
            symbol = named[tok.text]
        if symbol is None:
            continue
        is_call = i + 1 < len(toks) and texts[i + 1] == "("
        kind = SiteKind.PG_SYS_CALL if is_call else SiteKind.PG_SYS_STATIC
        if kind is SiteKind.PG_SYS_STATIC and symbol not in statics:
            continue
        first = i - 2 if texts[i - 1] == "::" else i
        while first >= 2 and texts[first - 1] == "::":
            first -= 2
        last = matching_close(texts, i + 1) if is_call else i
        start_at, end_at = base(toks[first].start), base(toks[last].end)
        yield TokenSite(kind, start_at, base(tok.start), end_at, symbol)


def _preceded_by_attribute(source: bytes, pos: int) -> bool:
    before = source[max(0, pos - 400) : pos]
    return before.rfind(b"#[") > max(before.rfind(b"]"), before.rfind(b";"), before.rfind(b"}"))


def _braces_close(toks: list[Token]) -> bool:
    """True when the first bracket group in ``toks`` is closed within them."""
    texts = [t.text for t in toks]
    first = next((i for i, t in enumerate(texts) if t in ("(", "[", "{")), None)
    if first is None:
        return ";" in texts
    closer = {"(": ")", "[": "]", "{": "}"}[texts[first]]
    return texts[matching_close(texts, first)] == closer


def _item_end(texts: list[str], start: int) -> int:
    """Index of the ``;`` or closing ``}`` that ends the item starting at ``texts[start]``."""
    for i in range(start, len(texts)):
        if texts[i] == ";":
            return i
        if texts[i] == "{":
            return matching_close(texts, i)
    return len(texts) - 1
