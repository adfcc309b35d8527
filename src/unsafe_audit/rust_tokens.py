"""A small Rust lexer: tokens without comments or whitespace, for fingerprints and token scans.

Tree-sitter finds sites; this lexer gives the *identity* of a site's code. Fingerprints hash the
token texts, so whitespace, comments and line moves never change an id, while any change to a
token does. Punctuation is split into single characters except for operators whose spelling
rustfmt never changes, so ``Vec<Vec<u8>>`` and ``Vec<Vec<u8> >`` are the same code.
"""

from __future__ import annotations

import hashlib
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


_CLOSERS = frozenset(")]}")


def normalised(tokens: Sequence[Token]) -> list[str]:
    """Token texts with the differences rustfmt makes removed (trailing commas)."""
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.text == "," and i + 1 < len(tokens) and tokens[i + 1].text in _CLOSERS:
            continue
        if tok.text == "," and i + 1 == len(tokens):
            continue
        out.append(tok.text)
    return out


def token_digest(texts: Sequence[str]) -> str:
    """A short stable digest of a token sequence (16 hex digits)."""
    h = hashlib.blake2b(digest_size=8)
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def matching_close(tokens: Sequence[Token], open_index: int) -> int:
    """Index of the bracket closing ``tokens[open_index]``, or the last index if unbalanced."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opener = tokens[open_index].text
    closer = pairs[opener]
    depth = 0
    for i in range(open_index, len(tokens)):
        t = tokens[i].text
        if t == opener:
            depth += 1
        elif t == closer:
            depth -= 1
            if depth == 0:
                return i
    return len(tokens) - 1


def edition_neutral(texts: Sequence[str]) -> list[str]:
    """Normalised tokens with edition 2024's extra ``unsafe``/``safe`` markers removed.

    ``unsafe extern "C" {`` reads as ``extern "C" {``; ``#[unsafe(no_mangle)]`` as
    ``#[no_mangle]``; ``safe fn`` / ``unsafe fn`` inside an extern block as ``fn``; and a fn body
    that is one ``unsafe { .. }`` block (added for ``unsafe_op_in_unsafe_fn``) as the bare body.
    Two sites with equal neutral tokens differ only by that migration.
    """
    out = list(texts)
    # #[unsafe(attr ...)] -> #[attr ...]
    i = 0
    while i + 3 < len(out):
        if out[i] == "#" and out[i + 1] == "[" and out[i + 2] == "unsafe" and out[i + 3] == "(":
            close = _match_texts(out, i + 3)
            del out[close]
            del out[i + 2 : i + 4]
        i += 1
    # unsafe extern "ABI" { ... } -> extern "ABI" { ... }
    i = 0
    in_extern_block = False
    while i < len(out):
        t = out[i]
        nxt = out[i + 1] if i + 1 < len(out) else ""
        if t == "unsafe" and nxt == "extern":
            j = i + 2
            if j < len(out) and out[j].startswith('"'):
                j += 1
            if j < len(out) and out[j] == "{":
                del out[i]
                in_extern_block = True
                continue
        if t == "extern" and (nxt == "{" or (nxt.startswith('"') and out[i + 2 : i + 3] == ["{"])):
            in_extern_block = True
        if in_extern_block and t in ("safe", "unsafe") and nxt in ("fn", "static"):
            del out[i]
            continue
        i += 1
    # unsafe fn f() { unsafe { BODY } } -> unsafe fn f() { BODY }
    if "fn" in out and len(out) >= 4 and out[-1] == "}" and out[-2] == "}":
        for k in range(len(out) - 3, 0, -1):
            if out[k] == "{" and out[k - 1] == "unsafe" and k >= 2 and out[k - 2] == "{":
                if (
                    _match_texts(out, k) == len(out) - 2
                    and _match_texts(out, k - 2) == len(out) - 1
                ):
                    del out[len(out) - 2]
                    del out[k - 1 : k + 1]
                break
    return out


def _match_texts(texts: Sequence[str], open_index: int) -> int:
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
