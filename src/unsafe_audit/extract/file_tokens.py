"""The tokens of a whole file, lexed once, for the many overlapping spans of nested sites.

A site's identity hashes the tokens of its code (:mod:`~unsafe_audit.extract.fingerprint`), and
whether an ``unsafe {}`` block is all of its fn's body is read from the fn's tokens
(:mod:`~unsafe_audit.extract.edition2024`). Lexing each site's code on its own costs time in
proportion to the sum of the sites' lengths, which grows with the square of the nesting depth
when sites nest (each of 3,000 nested unsafe blocks holds all the deeper ones). When the sites
of a file overlap that much, the file is lexed once here and each site's tokens are a slice.

A slice holds exactly the tokens that lexing the span alone gives when a token of the file
starts where the span starts and one ends where it ends: the lexer keeps no state between
tokens, and each token pattern matches the same text whether or not more text follows it, so
neither where lexing starts nor cutting the text right after a token changes any token in
between. :meth:`FileTokens.span` answers None for any other span, and the caller lexes it
alone. Pure (no tree-sitter).
"""

from __future__ import annotations

import bisect
import re

from unsafe_audit.extract.tokens import Token, tokenize

SEP = "\x1f"
"""Joins token texts (as :mod:`~unsafe_audit.extract.fingerprint` does)."""
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_CLOSERS = frozenset({")", "]", "}"})
_OPENERS = "([{"


class FileTokens:
    """One file's tokens (:func:`~unsafe_audit.extract.tokens.tokenize`), with their offsets."""

    __slots__ = (
        "_byte_starts",
        "_char_starts",
        "_closer",
        "_extra",
        "_neutral",
        "_opener",
        "_scan",
        "_separator",
        "ends",
        "kinds",
        "starts",
        "texts",
    )

    def __init__(self, source: bytes) -> None:
        """``source``: the file's bytes, valid UTF-8."""
        text = source.decode("utf-8")
        tokens: list[Token] = list(tokenize(text))
        self.texts = [t.text for t in tokens]
        """Each token's text, in order."""
        self.kinds = [t.kind for t in tokens]
        """Each token's kind (:attr:`~unsafe_audit.extract.tokens.Token.kind`)."""
        self.starts = [t.start for t in tokens]
        """Each token's first character (an offset in the decoded file)."""
        self.ends = [t.end for t in tokens]
        """Offset just past each token's last character."""
        # Byte and character offsets differ by the extra bytes of the multi-byte characters
        # before them: kept per such character, so an offset converts by one bisection.
        self._char_starts: list[int] = []
        self._byte_starts: list[int] = []
        self._extra: list[int] = [0]
        extra = 0
        for m in _NON_ASCII_RE.finditer(text):
            self._char_starts.append(m.start())
            self._byte_starts.append(m.start() + extra)
            extra += len(m.group().encode("utf-8")) - 1
            self._extra.append(extra)
        self._closer: list[int] | None = None
        self._opener: list[int] = []
        self._neutral: _Neutral | None = None
        self._separator = SEP in text
        self._scan: _ScanTables | None = None

    def char_of(self, byte: int) -> int | None:
        """The character offset of a byte offset, or None inside a multi-byte character."""
        k = bisect.bisect_right(self._byte_starts, byte)  # multi-byte characters starting <= byte
        if k:
            at = self._byte_starts[k - 1]
            if byte == at:
                return byte - self._extra[k - 1]
            if byte <= at + self._extra[k] - self._extra[k - 1]:
                return None  # a continuation byte of that character
        return byte - self._extra[k]

    def char_floor(self, byte: int) -> int:
        """How many whole characters the first ``byte`` bytes hold."""
        k = bisect.bisect_right(self._byte_starts, byte)
        if k and byte <= self._byte_starts[k - 1] + self._extra[k] - self._extra[k - 1]:
            return self._byte_starts[k - 1] - self._extra[k - 1]  # inside (or at) that one
        return byte - self._extra[k]

    def byte_of(self, char: int) -> int:
        """The byte offset of a character offset."""
        return char + self._extra[bisect.bisect_left(self._char_starts, char)]

    def index_at(self, byte: int) -> int | None:
        """Index of the token that starts at ``byte``, if one does."""
        char = self.char_of(byte)
        if char is None:
            return None
        i = bisect.bisect_left(self.starts, char)
        return i if i < len(self.starts) and self.starts[i] == char else None

    def stop_before(self, first: int, end_byte: int) -> int:
        """The index after the last token from ``first`` on that ends by byte ``end_byte``."""
        return bisect.bisect_right(self.ends, self.char_floor(end_byte), first)

    def bracket_close(self, index: int, stop: int) -> tuple[int, int]:
        """``(close, -1)``: the bracket at ``index`` is closed at ``close`` before ``stop``
        (counting only brackets of its kind, as
        :func:`~unsafe_audit.extract.tokens.matching_close` does); else ``(-1, depth)``: how
        many of its kind are still open at ``stop``, itself included."""
        tables = self._scan or self._make_scan_tables()
        kind = _OPENERS.index(self.texts[index])
        close = tables.close[kind][index]
        if 0 <= close < stop:
            return close, -1
        depth = tables.depth[kind]
        return -1, depth[stop] - depth[index]

    def next_of(self, which: str, start: int, stop: int) -> int:
        """Index of the first token from ``start`` to before ``stop`` that is an opening
        bracket (``which="open"``), a ``;`` (``";"``), or a ``;`` or ``{`` (``";{"``); -1 when
        there is none."""
        found = (self._scan or self._make_scan_tables()).next[which][start]
        return found if found < stop else -1

    def _make_scan_tables(self) -> _ScanTables:
        texts = self.texts
        n = len(texts)
        close: list[list[int]] = []
        depth: list[list[int]] = []
        for opener, closer in zip(_OPENERS, ")]}", strict=True):
            matched = [-1] * n
            counts = [0] * (n + 1)
            opened: list[int] = []
            count = 0
            for i, t in enumerate(texts):
                if t == opener:
                    opened.append(i)
                    count += 1
                elif t == closer:
                    if opened:
                        matched[opened.pop()] = i
                    count -= 1
                counts[i + 1] = count
            close.append(matched)
            depth.append(counts)
        nexts: dict[str, list[int]] = {}
        kinds = (("open", frozenset(_OPENERS)), (";", frozenset(";")), (";{", frozenset(";{")))
        for which, wanted in kinds:
            nxt = [n] * (n + 1)
            for i in range(n - 1, -1, -1):
                nxt[i] = i if texts[i] in wanted else nxt[i + 1]
            nexts[which] = nxt
        self._scan = _ScanTables(close, depth, nexts)
        return self._scan

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """``(first, stop)``: the tokens ``texts[first:stop]`` are those of the bytes
        ``start..end`` lexed alone, when a token starts at ``start`` and one ends at ``end``;
        None otherwise."""
        if end <= start:
            return None
        first_char, end_char = self.char_of(start), self.char_of(end)
        if first_char is None or end_char is None:
            return None
        first = bisect.bisect_left(self.starts, first_char)
        last = bisect.bisect_left(self.ends, end_char)
        if first >= len(self.starts) or self.starts[first] != first_char:
            return None
        if last >= len(self.ends) or self.ends[last] != end_char or last < first:
            return None
        return first, last + 1

    def closing_brace(self, index: int) -> int:
        """Index of the ``}`` that closes the ``{`` at ``index`` (counting only braces), or -1
        when none does."""
        return self._braces()[0][index]

    def _braces(self) -> tuple[list[int], list[int]]:
        """Each ``{``'s closing ``}`` and each ``}``'s opening ``{`` (-1: none), matched once."""
        if self._closer is None:
            n = len(self.texts)
            closer, opener = [-1] * n, [-1] * n
            opened: list[int] = []
            for i, t in enumerate(self.texts):
                if t == "{":
                    opened.append(i)
                elif t == "}" and opened:
                    o = opened.pop()
                    closer[o], opener[i] = i, o
            self._closer, self._opener = closer, opener
        return self._closer, self._opener

    def neutral_joined(self, first: int, stop: int) -> str | None:
        """The edition-neutral form (:func:`~unsafe_audit.extract.edition2024.
        edition_neutral_joined`) of the tokens ``texts[first:stop]`` once rustfmt's trailing
        commas are dropped (:func:`~unsafe_audit.extract.fingerprint.token_digests`), when all
        it does is unwrap unsafe bodies and the slice is a braced item or block; None when the
        caller must work it out from the slice alone.

        The unwrapping is decided once for the whole file (:class:`_Neutral`): inside a slice
        that ends with the ``}`` closing its first brace, every ``{`` closes inside it, so each
        ``{ unsafe {`` is decided there as in the file, and the slice's neutral tokens are a
        slice of the file's; only the slice's own first ``unsafe {``, which the file may unwrap
        from the ``{`` just before it, is put back.
        """
        texts = self.texts
        if self._separator or stop - first < 2 or texts[stop - 1] != "}" or texts[first] == ",":
            return None
        closer, opener = self._braces()
        body = opener[stop - 1]
        if body < first or any(texts[k] in ("{", "}") for k in range(first, body)):
            return None  # a brace of the slice closes outside it
        neutral = self._neutral or self._decide()
        kept, at, drops = neutral.kept, neutral.at, neutral.drops
        if first - 1 in drops:
            return None  # unwrapped from outside: the slice starts inside an unwrapped block
        if first not in drops:
            return SEP.join(kept[at[first] : at[stop]])
        # `{ unsafe { .. } }` around the slice: the file drops the slice's own `unsafe {` and
        # its `}`, which the slice alone keeps.
        if body != first + 1 or closer[body] != stop - 1:
            return None
        inside = kept[at[first + 2] : at[stop - 1]]
        return SEP.join(["unsafe", "{", *inside, "}"])

    def _decide(self) -> _Neutral:
        texts = self.texts
        n = len(texts)
        closer = self._braces()[0]
        # rustfmt's commas: a `,` right before a closing bracket is not part of the identity.
        comma = [t == "," and i + 1 < n and texts[i + 1] in _CLOSERS for i, t in enumerate(texts)]
        drops: set[int] = set()
        gone: set[int] = set()
        for u in (i for i, t in enumerate(texts) if t == "unsafe"):
            if u == 0 or u + 1 >= n or texts[u - 1] != "{" or texts[u + 1] != "{":
                continue
            inner = closer[u + 1]
            outer = closer[u - 1] if closer[u - 1] >= 0 else n - 1
            if inner < 0:
                continue
            after = inner + 1
            while after < n and comma[after]:
                after += 1
            if after == outer:
                drops.add(u)
                gone.update((u, u + 1, inner))
        kept: list[str] = []
        at = [0] * (n + 1)
        for i, t in enumerate(texts):
            if not comma[i] and i not in gone:
                kept.append(t)
            at[i + 1] = len(kept)
        self._neutral = _Neutral(kept, at, drops)
        return self._neutral


class _ScanTables:
    """Bracket matches and the next bracket or ``;``, for reading windows of the file."""

    __slots__ = ("close", "depth", "next")

    def __init__(
        self, close: list[list[int]], depth: list[list[int]], nexts: dict[str, list[int]]
    ) -> None:
        self.close = close
        """Per bracket kind (``(``, ``[``, ``{``): the index closing each opener, or -1."""
        self.depth = depth
        """Per bracket kind: openers minus closers among the first ``i`` tokens."""
        self.next = nexts
        """Per kind of token: the index of the first one at or after ``i`` (``n``: none)."""


class _Neutral:
    """The file's tokens without rustfmt's commas and with every unsafe body unwrapped."""

    __slots__ = ("at", "drops", "kept")

    def __init__(self, kept: list[str], at: list[int], drops: set[int]) -> None:
        self.kept = kept
        """The tokens that remain."""
        self.at = at
        """``at[i]``: how many of the first ``i`` tokens remain."""
        self.drops = drops
        """Indexes of the ``unsafe`` tokens that open an unwrapped body."""
