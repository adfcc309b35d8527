"""Search a file too large to parse for the words a site needs, in one streaming pass.

Pure (no tree-sitter), over bytes fed in chunks, in memory bounded by the chunk size: a
multi-gigabyte file is read once and never held whole. The pass follows Rust's lexical
grammar as far as it decides what is code — line and (nested) block comments, string, byte
string and raw string literals, character literals against lifetimes, raw identifiers — and
counts, in code only, the ``unsafe`` keyword, the word ``pg_sys``, and ``extern`` other than
``extern crate`` and ``extern "ABI" fn`` (what opens an extern block). Where it must guess it
counts: a word it is unsure of is one more reason to stop, never one fewer. It also checks
that the bytes are UTF-8, which Rust source must be.
"""

from __future__ import annotations

import codecs
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(rb"unsafe|pg_sys|extern")
_NOT_A_BLOCK = re.compile(rb'\s*(?:crate|(?:"[^"\n]*"\s*)?fn)(?![\w\x80-\xff])')
"""What after ``extern`` makes it no extern block: ``extern crate``, ``extern "C" fn``."""
# What leaves plain code: a comment, a string or raw string, a character or a lifetime.
_SWITCH = re.compile(rb"//|/\*|\"|'|r\#*\"")
_CHAR = re.compile(
    rb"""'(?:[^'\\\n\x80-\xff]|[\xc0-\xff][\x80-\xbf]{1,3}"""
    rb"""|\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]{1,8}\}|[^\n]))'"""
)
_LIFETIME = re.compile(rb"'[A-Za-z_\x80-\xff][\w\x80-\xff]*")
_BLOCK_EDGE = re.compile(rb"/\*|\*/")
_STRING_BODY = re.compile(rb'[^"\\]*(?:\\[\s\S][^"\\]*)*')
_BACKSLASH = ord("\\")
_IDENT_BYTES = frozenset(string.ascii_letters.encode() + string.digits.encode() + b"_") | frozenset(
    range(0x80, 0x100)
)
"""Bytes an identifier may hold (any byte of a multi-byte UTF-8 character counts)."""
_CONTEXT = 2
"""Bytes kept before the next unread one, to tell ``r#unsafe`` or ``br"`` from what follows."""
_MARGIN = 320
"""Bytes kept back at the end of each chunk but the last: longer than any token the pass must
see whole (a word with what follows it, a raw string's opening with up to 255 ``#``)."""
FIRST_LINES = 5
"""How many line numbers of words found are kept."""


@dataclass(frozen=True, slots=True)
class KeywordCount:
    """What the pass found in one file."""

    size: int
    """Bytes read."""
    words: dict[str, int]
    """How often each word was found in code: ``unsafe``, ``pg_sys``, ``extern``."""
    lines: tuple[int, ...]
    """The lines (1-based) of the first :data:`FIRST_LINES` words found."""
    utf8_error: int | None
    """Offset of the first byte that is not UTF-8, or None."""

    @property
    def found(self) -> int:
        """How many words in all."""
        return sum(self.words.values())

    def describe(self) -> str:
        """``2 unsafe, 1 pg_sys (first on line 3)``; empty when nothing was found."""
        counts = ", ".join(f"{n} {word}" for word, n in self.words.items() if n)
        if not counts:
            return ""
        return f"{counts} (first on line {self.lines[0]})"


class KeywordScanner:
    """Feed chunks in order with :meth:`feed`, then call :meth:`finish`."""

    def __init__(self) -> None:
        self._buffer = b""
        self._pos = 0  # the next unread byte of the buffer (those before it are context)
        self._state = "code"
        self._depth = 0  # of nested block comments
        self._closer = b""  # what ends the raw string being read: '"' and its '#'s
        self._line = 1  # the line of self._buffer[self._pos]
        self._size = 0
        self._words = {"unsafe": 0, "pg_sys": 0, "extern": 0}
        self._lines: list[int] = []
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._utf8_error: int | None = None

    def feed(self, chunk: bytes) -> None:
        self._check_utf8(chunk, final=False)
        self._size += len(chunk)
        self._buffer += chunk
        self._run(final=False)

    def finish(self) -> KeywordCount:
        self._check_utf8(b"", final=True)
        self._run(final=True)
        return KeywordCount(self._size, dict(self._words), tuple(self._lines), self._utf8_error)

    def _check_utf8(self, chunk: bytes, *, final: bool) -> None:
        if self._utf8_error is not None:
            return
        pending = len(self._decoder.getstate()[0])  # bytes of a character begun before
        try:
            self._decoder.decode(chunk, final)
        except UnicodeDecodeError as e:
            self._utf8_error = self._size - pending + e.start

    def _run(self, *, final: bool) -> None:
        """Lex as far as the buffer allows; keep what may be the start of a token."""
        buf = self._buffer
        end = len(buf)
        limit = end if final else end - _MARGIN
        pos = self._counted = self._pos
        while pos < end:
            state = self._state
            if state == "code":
                m = _SWITCH.search(buf, pos)
                if m is None or m.start() >= limit:  # what is left may be cut short: wait
                    stop = max(pos, limit)
                    self._words_in(buf, pos, stop)
                    pos = stop
                    break
                self._words_in(buf, pos, m.start())
                pos = self._switch(buf, m)
            elif state == "line":
                newline = buf.find(b"\n", pos)
                if newline < 0:
                    pos = end
                    break
                self._state, pos = "code", newline + 1
            elif state == "block":
                m = _BLOCK_EDGE.search(buf, pos)
                if m is None:
                    pos = end if final else max(pos, end - 1)  # a '/' or '*' may be half of one
                    break
                pos = m.end()
                self._depth += 1 if m.group() == b"/*" else -1
                if self._depth == 0:
                    self._state = "code"
            elif state == "string":
                body_end = _STRING_BODY.match(buf, pos).end()  # type: ignore[union-attr]
                if body_end == end:
                    pos = end
                    break
                if buf[body_end] == _BACKSLASH:  # the last byte; its escaped byte comes next
                    pos = end if final else body_end
                    break
                self._state, pos = "code", body_end + 1  # past the closing quote
            else:  # a raw string: ends at '"' and as many '#' as it opened with
                close = buf.find(self._closer, pos)
                if close < 0:
                    pos = end if final else max(pos, end - len(self._closer) + 1)
                    break
                self._state, pos = "code", close + len(self._closer)
        self._line += buf.count(b"\n", self._counted, pos)
        keep = max(0, pos - _CONTEXT)
        self._buffer, self._pos = buf[keep:], pos - keep

    def _switch(self, buf: bytes, m: re.Match[bytes]) -> int:
        """Leave code at what ``m`` found; the position after it."""
        text, at = m.group(), m.start()
        if text == b"//":
            self._state = "line"
        elif text == b"/*":
            self._state, self._depth = "block", 1
        elif text == b"'":
            quoted = _CHAR.match(buf, at) or _LIFETIME.match(buf, at)
            return quoted.end() if quoted is not None else at + 1
        elif text == b'"':
            self._state = "string"
        elif _ident_before(buf, at) and not (
            buf[at - 1 : at] in (b"b", b"c") and not _ident_before(buf, at - 1)
        ):
            # ``xr"``: an identifier, then a plain string (rustc would refuse it anyway)
            self._state = "string"
        else:
            self._state, self._closer = "raw", b'"' + text[1:-1]
        return m.end()

    def _words_in(self, buf: bytes, pos: int, stop: int) -> None:
        """Count the words that start in ``buf[pos:stop]``, plain code."""
        while pos < stop:
            m = _WORD.search(buf, pos, stop + 6)
            if m is None or m.start() >= stop:
                return
            at, pos = m.start(), m.end()
            if _ident_before(buf, at) or buf[at - 2 : at] == b"r#":
                continue  # part of a longer identifier, or a raw identifier (r#unsafe)
            if pos < len(buf) and buf[pos] in _IDENT_BYTES:
                continue
            word = m.group()
            if word == b"extern" and _NOT_A_BLOCK.match(buf, pos):
                continue
            self._words[word.decode()] += 1
            if len(self._lines) < FIRST_LINES:
                self._line += buf.count(b"\n", self._counted, at)
                self._counted = at
                self._lines.append(self._line)


def _ident_before(buf: bytes, at: int) -> bool:
    return at > 0 and buf[at - 1] in _IDENT_BYTES


def scan_keywords(chunks: Iterable[bytes]) -> KeywordCount:
    """Run the pass over a file given as chunks (see :class:`KeywordScanner`)."""
    scanner = KeywordScanner()
    for chunk in chunks:
        scanner.feed(chunk)
    return scanner.finish()
