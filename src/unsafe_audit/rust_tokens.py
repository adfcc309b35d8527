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


def token_digest(texts: Sequence[str]) -> str:
    """A short stable digest of a token sequence (16 hex digits)."""
    h = hashlib.blake2b(digest_size=8)
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


# The same token grammar as _TOKEN_RE, as one capturing group for re.findall (C speed).
# Skipped text (whitespace, comments) matches the first, non-capturing alternatives and yields ''.
# Nested block comments and raw strings with more than three hashes take the slow path.
# The group first tries the two commonest shapes that no later alternative can start with: an
# identifier whose first letter is not b, c or r (the prefixes of byte, C and raw literals) and a
# bracket or separator that no operator starts with. About a fifth faster on generated bindings,
# with the same tokens (tests/test_rust_tokens.py compares it with the exact lexer).
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
_SEP = "\x1f"
_UNSAFE_ATTR_RE = re.compile(r"#\x1f\[\x1funsafe\x1f\(\x1f((?:[^\x1f]+\x1f)*?)\)\x1f\]")


def token_texts(code: str) -> list[str]:
    """The token texts of ``code`` (comments and whitespace dropped), as fast as possible."""
    if "/*" in code or '####"' in code:
        # A block comment might nest, which the fast regex cannot follow.
        return [t.text for t in tokenize(code)]
    return [t for t in _FAST_RE.findall(code) if t]


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def code_digests(kind: str, compat_kind: str, code: str) -> tuple[str, str]:
    """(token hash, edition-neutral hash) of a site's code.

    The token hash ignores whitespace, comments and rustfmt's trailing commas. The neutral hash
    also ignores edition 2024's extra markers: ``unsafe extern "C" {`` reads as ``extern "C" {``,
    ``#[unsafe(no_mangle)]`` as ``#[no_mangle]``, ``safe fn``/``unsafe fn`` inside an extern block
    as ``fn``, and a fn body that is one ``unsafe { .. }`` block as the bare body.
    """
    joined = _SEP.join(token_texts(code))
    if "," in joined:
        # rustfmt adds and removes trailing commas; a `)`/`]`/`}` token is always one character.
        joined = joined.replace("\x1f,\x1f)", "\x1f)").replace("\x1f,\x1f]", "\x1f]")
        joined = joined.replace("\x1f,\x1f}", "\x1f}").removesuffix("\x1f,")
    token_hash = _digest(kind + _SEP + joined)
    return token_hash, _digest(compat_kind + _SEP + edition_neutral_joined(joined))


def edition_neutral_joined(joined: str) -> str:
    """See :func:`code_digests`; works on token texts joined with ``\\x1f``."""
    if "unsafe" not in joined and "safe" not in joined:
        return joined
    out = joined
    if "#\x1f[\x1funsafe\x1f(" in out:
        out = _UNSAFE_ATTR_RE.sub("#\x1f[\x1f\\1]", out)
    if out.startswith(("unsafe\x1fextern\x1f", "extern\x1f")):
        # An extern block: drop `unsafe` before it and `safe`/`unsafe` on its foreign items.
        out = out.removeprefix("unsafe\x1f")
        for qualifier in ("\x1funsafe\x1f", "\x1fsafe\x1f"):
            out = out.replace(qualifier + "fn\x1f", "\x1ffn\x1f")
            out = out.replace(qualifier + "static\x1f", "\x1fstatic\x1f")
    if "{\x1funsafe\x1f{" in out:
        out = _SEP.join(_unwrap_unsafe_bodies(out.split(_SEP)))
    return out


def _unwrap_unsafe_bodies(texts: list[str]) -> list[str]:
    """``{ unsafe { BODY } }`` -> ``{ BODY }`` wherever a block is one unsafe block (a fn body
    wrapped for ``unsafe_op_in_unsafe_fn``, also in methods inside an impl or trait)."""
    out = list(texts)
    i = len(out) - 3
    while i >= 0:
        if out[i] == "{" and out[i + 1] == "unsafe" and out[i + 2] == "{":
            inner_close = matching_close(out, i + 2)
            outer_close = matching_close(out, i)
            if outer_close == inner_close + 1:
                del out[inner_close]
                del out[i + 1 : i + 3]
        i -= 1
    return out


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
