"""A small Rust lexer: tokens without comments or whitespace, for fingerprints and token scans.

Pure (no tree-sitter): importing it never loads the parser. Tree-sitter finds sites; this lexer
gives the *identity* of a site's code (see :mod:`unsafe_audit.extract.fingerprint`), so
whitespace, comments and line moves never change an id, while any change to a token does.
Punctuation is split into single characters except for operators whose spelling rustfmt never
changes, so ``Vec<Vec<u8>>`` and ``Vec<Vec<u8> >`` are the same code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_TOKEN_RE = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<line_comment>//[^\n]*)
    | (?P<block_open>/\*)
    | (?P<raw_str>(?:br|cr|r)(?P<hashes>\#*)"(?:.|\n)*?"(?P=hashes))
    | (?P<str>[bc]?"(?:[^"\\]|\\.|\\\n)*")
    | (?P<char>b?'(?:[^'\\\n]|\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]{1,8}\}|.))')
    | (?P<lifetime>'[^\W\d]\w*)
    | (?P<raw_ident>r\#[^\W\d]\w*)
    | (?P<ident>[^\W\d]\w*)
    | (?P<num>\d\w*(?:\.\d\w*)?)
    | (?P<op>::|->|=>|==|!=|<=|>=|&&|\|\||\+=|-=|\*=|/=|%=|\^=|&=|\|=|\.\.=|\.\.\.|\.\.)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token of Rust source."""

    kind: str
    """One of ident, lifetime, str, char, num, op, punct."""
    text: str
    start: int
    """Offset of the first character in the lexed text."""
    end: int


def _skip_block_comment(text: str, pos: int) -> int:
    """Return the offset past the (possibly nested) block comment opening at ``pos``."""
    depth = 0
    i = pos
    n = len(text)
    while i < n:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


def tokenize(text: str, start: int = 0, end: int | None = None) -> Iterator[Token]:
    """Yield the tokens of ``text[start:end]``, skipping whitespace and comments."""
    stop = len(text) if end is None else end
    pos = start
    while pos < stop:
        m = _TOKEN_RE.match(text, pos, stop)
        if m is None:  # pragma: no cover - the punct branch matches any character
            break
        kind = m.lastgroup or "punct"
        if kind == "hashes":  # lastgroup of a raw string is its inner group
            kind = "raw_str"
        if kind == "block_open":
            pos = _skip_block_comment(text, pos)
            continue
        pos = m.end()
        if kind in ("ws", "line_comment"):
            continue
        if kind == "raw_str":
            kind = "str"
        yield Token(kind, m.group(), m.start(), pos)


# The same token grammar as _TOKEN_RE, as one capturing group for re.findall (C speed).
# Skipped text (whitespace, comments) matches the first, non-capturing alternatives and yields ''.
# Nested block comments and raw strings with more than three hashes take the slow path.
# The group first tries the two commonest shapes that no later alternative can start with: an
# identifier whose first letter is not b, c or r (the prefixes of byte, C and raw literals) and a
# bracket or separator that no operator starts with. About a fifth faster on generated bindings,
# with the same tokens (tests/extract/test_tokens.py compares it with the exact lexer).
_FAST_RE = re.compile(
    r"""
      \s+
    | //[^\n]*
    | /\*(?:[^*]|\*(?!/))*\*/
    | (
        [A-Zad-qs-z_]\w*
      | [(){}\[\];,?@~$\#]
      | (?:br|cr|r)(?:"(?:.|\n)*?"|\#"(?:.|\n)*?"\#|\#\#"(?:.|\n)*?"\#\#|\#\#\#"(?:.|\n)*?"\#\#\#)
      | [bc]?"(?:[^"\\]|\\.|\\\n)*"
      | b?'(?:[^'\\\n]|\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]{1,8}\}|.))'
      | '[^\W\d]\w*
      | r\#[^\W\d]\w*
      | [^\W\d]\w*
      | \d\w*(?:\.\d\w*)?
      | ::|->|=>|==|!=|<=|>=|&&|\|\||\+=|-=|\*=|/=|%=|\^=|&=|\|=|\.\.=|\.\.\.|\.\.
      | .
    )
    """,
    re.VERBOSE | re.DOTALL,
)


def token_texts(code: str) -> list[str]:
    """The token texts of ``code`` (comments and whitespace dropped), as fast as possible."""
    if "/*" in code or '####"' in code:
        # A block comment might nest, which the fast regex cannot follow.
        return [t.text for t in tokenize(code)]
    return [t for t in _FAST_RE.findall(code) if t]


def matching_close(texts: Sequence[str], open_index: int) -> int:
    """Index of the bracket closing ``texts[open_index]`` (token texts, or the characters of a
    string), or the last index if it is never closed."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opener = texts[open_index]
    closer = pairs[opener]
    depth = 0
    for i in range(open_index, len(texts)):
        if texts[i] == opener:
            depth += 1
        elif texts[i] == closer:
            depth -= 1
            if depth == 0:
                return i
    return len(texts) - 1
