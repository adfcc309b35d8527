"""Sites found by reading tokens where the syntax tree cannot help.

An ``unsafe`` that no tree-based site accounts for (the tree has an error there) is classified
by the tokens after it, and pg_sys uses in a macro token tree that would not parse are found by
their ``pg_sys::name`` / imported-name shape. Pure: tokens only (no tree-sitter).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from unsafe_audit.extract.file_tokens import FileTokens
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


def unsafe_site(source: bytes, pos: int, tokens: FileTokens | None = None) -> TokenSite | None:
    """The site the ``unsafe`` at byte ``pos`` opens, by the tokens after it; None when it is
    part of a fn-pointer type (not a site) or has no tokens.

    ``tokens``, the file's tokens lexed once, saves lexing the window after ``pos`` again for
    each of many such words (see :class:`_Window`); the answer is the same without it.
    """
    at = tokens.index_at(pos) if tokens is not None else None
    # Most sites close within a few KB; widen the window only when the braces do not.
    for window in (4_096, 65_536, 1_048_576):
        end_limit = min(len(source), pos + window)
        if tokens is not None and at is not None:
            toks: _Tokens = _Window(tokens, source, at, end_limit)
        else:
            toks = _Lexed(*tokens_between(source, pos, end_limit))
        if end_limit == len(source) or toks.braces_close():
            break
    if not len(toks):
        return None
    kind = SiteKind.UNSAFE_BLOCK
    name: str | None = None
    last = 0
    j = 1
    if len(toks) > 1 and toks.text(1) == "extern":
        j = 2
        if j < len(toks) and toks.kind(j) == "str":
            j += 1
    follow = toks.text(j) if j < len(toks) else ""
    unclassified = False
    if follow == "{" and j > 1:
        kind, last = SiteKind.UNSAFE_EXTERN_BLOCK, toks.matching_close(j)
    elif follow == "fn":
        if j + 1 < len(toks) and toks.text(j + 1) == "(":
            return None  # fn-pointer type
        kind = SiteKind.UNSAFE_FN
        name = toks.text(j + 1) if j + 1 < len(toks) else None
        last = toks.item_end(j)
    elif follow == "impl":
        kind, last = SiteKind.UNSAFE_IMPL, toks.item_end(j)
    elif follow in ("trait", "auto"):
        kind, last = SiteKind.UNSAFE_TRAIT, toks.item_end(j)
        name = toks.text(j + 1) if j + 1 < len(toks) else None
    elif follow == "(" and _preceded_by_attribute(source, pos):
        # `#[unsafe(x)]`; `#[unsafe extern (x)]` is no Rust, but must not stop the scan.
        kind, last = SiteKind.UNSAFE_ATTRIBUTE, toks.matching_close(j)
        name = toks.text(j + 1) if len(toks) > j + 1 else None
    elif follow == "{":
        kind, last = SiteKind.UNSAFE_BLOCK, toks.matching_close(1)
    else:
        unclassified = True
        last = min(len(toks) - 1, 1)
    return TokenSite(kind, pos, pos, toks.end_byte(last), name, unclassified)


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


_PAIRS = {"(": ")", "[": "]", "{": "}"}


class _Tokens:
    """The tokens of the window after an ``unsafe``, as :func:`unsafe_site` reads them."""

    def __len__(self) -> int:
        raise NotImplementedError

    def text(self, k: int) -> str:
        raise NotImplementedError

    def kind(self, k: int) -> str:
        raise NotImplementedError

    def end_byte(self, k: int) -> int:
        """The file offset just past token ``k``."""
        raise NotImplementedError

    def matching_close(self, k: int) -> int:
        """:func:`~unsafe_audit.extract.tokens.matching_close` of the bracket at ``k``."""
        raise NotImplementedError

    def first_bracket(self) -> int | None:
        """Index of the first opening bracket, if any."""
        raise NotImplementedError

    def has_semicolon(self) -> bool:
        raise NotImplementedError

    def next_semicolon_or_brace(self, k: int) -> int | None:
        """Index of the first ``;`` or ``{`` at or after ``k``, if any."""
        raise NotImplementedError

    def braces_close(self) -> bool:
        """True when the first bracket group is closed within the window (or, with no bracket,
        when a ``;`` ends it)."""
        first = self.first_bracket()
        if first is None:
            return self.has_semicolon()
        return self.text(self.matching_close(first)) == _PAIRS[self.text(first)]

    def item_end(self, start: int) -> int:
        """Index of the ``;`` or closing ``}`` that ends the item starting at ``start``."""
        at = self.next_semicolon_or_brace(start)
        if at is None:
            return len(self) - 1
        return at if self.text(at) == ";" else self.matching_close(at)


class _Lexed(_Tokens):
    """A window lexed on its own."""

    __slots__ = ("base", "texts", "toks")

    def __init__(self, toks: list[Token], base: ByteMap) -> None:
        self.toks = toks
        self.base = base
        self.texts = [t.text for t in toks]

    def __len__(self) -> int:
        return len(self.toks)

    def text(self, k: int) -> str:
        return self.texts[k]

    def kind(self, k: int) -> str:
        return self.toks[k].kind

    def end_byte(self, k: int) -> int:
        return self.base(self.toks[k].end)

    def matching_close(self, k: int) -> int:
        return matching_close(self.texts, k)

    def first_bracket(self) -> int | None:
        return next((i for i, t in enumerate(self.texts) if t in _PAIRS), None)

    def has_semicolon(self) -> bool:
        return ";" in self.texts

    def next_semicolon_or_brace(self, k: int) -> int | None:
        return next((i for i in range(k, len(self.texts)) if self.texts[i] in (";", "{")), None)


class _Window(_Tokens):
    """The tokens lexing a window of the file from a token's start would give, read from the
    file's tokens: those of the file up to the last one that ends inside the window, then the
    few lexed from there to the window's end (a token the end cuts in two reads differently
    alone). The lexer keeps no state between tokens and each token pattern matches the same
    text whether or not more follows, so both agree token for token (see
    :mod:`~unsafe_audit.extract.file_tokens`). Bracket matches, and the next bracket or ``;``,
    come from tables made once for the file, so a window costs a few lookups, not a lexing.
    """

    __slots__ = ("first", "ft", "kept", "tail", "tail_base", "tail_texts")

    def __init__(self, ft: FileTokens, source: bytes, first: int, end_limit: int) -> None:
        self.ft = ft
        self.first = first
        stop = ft.stop_before(first, end_limit)
        self.kept = stop - first
        cut = ft.byte_of(ft.ends[stop - 1]) if stop > first else ft.byte_of(ft.starts[first])
        chunk = source[cut:end_limit].decode("utf-8", "replace")
        self.tail = list(tokenize(chunk))
        self.tail_texts = [t.text for t in self.tail]
        self.tail_base = ByteMap(chunk, cut)

    def __len__(self) -> int:
        return self.kept + len(self.tail)

    def text(self, k: int) -> str:
        return self.ft.texts[self.first + k] if k < self.kept else self.tail_texts[k - self.kept]

    def kind(self, k: int) -> str:
        return self.ft.kinds[self.first + k] if k < self.kept else self.tail[k - self.kept].kind

    def end_byte(self, k: int) -> int:
        if k < self.kept:
            return self.ft.byte_of(self.ft.ends[self.first + k])
        return self.tail_base(self.tail[k - self.kept].end)

    def matching_close(self, k: int) -> int:
        kept, tail = self.kept, self.tail_texts
        if k >= kept:
            return kept + matching_close(tail, k - kept)
        opener = self.ft.texts[self.first + k]
        closer = _PAIRS[opener]
        close, depth = self.ft.bracket_close(self.first + k, self.first + kept)
        if close >= 0:
            return close - self.first
        # Still open where the file's tokens end: count on through the tail.
        for i, t in enumerate(tail):
            if t == opener:
                depth += 1
            elif t == closer:
                depth -= 1
                if depth == 0:
                    return kept + i
        return len(self) - 1

    def first_bracket(self) -> int | None:
        found = self.ft.next_of("open", self.first, self.first + self.kept)
        if found >= 0:
            return found - self.first
        i = next((i for i, t in enumerate(self.tail_texts) if t in _PAIRS), None)
        return None if i is None else self.kept + i

    def has_semicolon(self) -> bool:
        return self.ft.next_of(";", self.first, self.first + self.kept) >= 0 or (
            ";" in self.tail_texts
        )

    def next_semicolon_or_brace(self, k: int) -> int | None:
        if k < self.kept:
            found = self.ft.next_of(";{", self.first + k, self.first + self.kept)
            if found >= 0:
                return found - self.first
            k = self.kept
        tail = self.tail_texts
        i = next((i for i in range(k - self.kept, len(tail)) if tail[i] in (";", "{")), None)
        return None if i is None else self.kept + i
