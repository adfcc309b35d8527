"""Edition 2024's extra markers, and the facts that let a diff see through them.

Edition 2024 asks for ``unsafe extern "C" {``, ``#[unsafe(no_mangle)]``, ``unsafe fn`` / ``safe
fn`` on foreign items, and (through ``unsafe_op_in_unsafe_fn``) an ``unsafe {}`` block around
the body of an ``unsafe fn``. The code does what it did; it only says so. This module gives the
edition-neutral form of a site's tokens (for its ``compat_hash``) and the facts recorded at
extraction for the sites such a migration creates out of nothing: which ``#[attr]``s a file had
(:func:`plain_attributes`), what an ``unsafe(..)`` attribute wraps (:func:`attribute_inner`) and
whether an ``unsafe {}`` block is the whole body of its fn (:func:`is_whole_body`). Pure.
"""

from __future__ import annotations

import re

from unsafe_audit.extract.masking import skip_layout
from unsafe_audit.extract.tokens import matching_close, tokenize
from unsafe_audit.model import PlainAttribute

_SEP = "\x1f"
_UNSAFE_ATTR_RE = re.compile(r"#\x1f\[\x1funsafe\x1f\(\x1f((?:[^\x1f]+\x1f)*?)\)\x1f\]")
_ATTR_OPEN_RE = re.compile(r"#\s*\[")
_INNER_RE = re.compile(r"\s*unsafe\s*\((.*)\)\s*", re.DOTALL)

UNSAFE_ATTRIBUTES = ("no_mangle", "export_name", "link_section", "naked", "ffi_const", "ffi_pure")
"""The attributes Rust accepts only as ``#[unsafe(..)]`` in edition 2024 (a ``#[unsafe(x)]`` of
any other ``x`` does not compile, so no migration can create one)."""
_UNSAFE_ATTRIBUTE_RE = re.compile(r"(?:" + "|".join(UNSAFE_ATTRIBUTES) + r")\b")
_UNSAFE_ATTRIBUTE_BYTES = tuple(a.encode() for a in UNSAFE_ATTRIBUTES)


def edition_neutral_joined(joined: str) -> str:
    """Token texts joined with ``\\x1f``, read as edition 2021 would write them:
    ``unsafe extern "C" {`` as ``extern "C" {``, ``#[unsafe(no_mangle)]`` as ``#[no_mangle]``,
    ``safe fn``/``unsafe fn`` inside an extern block as ``fn``, and a fn body that is one
    ``unsafe { .. }`` block as the bare body."""
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


def only_unwraps(joined: str) -> bool:
    """True when all :func:`edition_neutral_joined` may do to ``joined`` is unwrap unsafe fn
    bodies (no ``#[unsafe(..)]`` attribute, not an extern block)."""
    return "#\x1f[\x1funsafe\x1f(" not in joined and not joined.startswith(
        ("unsafe\x1fextern\x1f", "extern\x1f")
    )


def _unwrap_unsafe_bodies(texts: list[str]) -> list[str]:
    """``{ unsafe { BODY } }`` -> ``{ BODY }`` wherever a block is one unsafe block (a fn body
    wrapped for ``unsafe_op_in_unsafe_fn``, also in methods inside an impl or trait).

    Each ``{ unsafe {`` is decided on the tokens as given: its ``unsafe {`` and the ``}``
    closing it go when that ``}`` is directly followed by the one closing the outer ``{`` (or,
    when the outer ``{`` is never closed, by the last token). Unwrapping one block never
    changes the decision for another, since the outer ``{`` of each stays, so one pass over
    the braces, matched once, does it all (time linear in the tokens, however deep they nest).
    """
    n = len(texts)
    closer = [-1] * n
    """Index of the ``}`` closing each ``{`` (-1: none); other brackets are not counted."""
    opened: list[int] = []
    for i, t in enumerate(texts):
        if t == "{":
            opened.append(i)
        elif t == "}" and opened:
            closer[opened.pop()] = i
    drop: set[int] = set()
    i = -1
    while True:
        i = _index(texts, "unsafe", i + 1)
        if i < 0:
            break
        if i == 0 or i + 1 >= n or texts[i - 1] != "{" or texts[i + 1] != "{":
            continue
        inner = closer[i + 1]
        outer = closer[i - 1] if closer[i - 1] >= 0 else n - 1
        if inner >= 0 and inner + 1 == outer:
            drop.update((i, i + 1, inner))
    if not drop:
        return texts
    return [t for k, t in enumerate(texts) if k not in drop]


def _index(texts: list[str], value: str, start: int) -> int:
    try:
        return texts.index(value, start)
    except ValueError:
        return -1


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _bracket_end(text: str, open_at: int) -> int:
    """Index just past the bracket matching ``text[open_at]`` (strings are not special here)."""
    return matching_close(text, open_at) + 1


def plain_attributes(source: bytes) -> tuple[PlainAttribute, ...]:
    """The ``#[attr]``s of a file that edition 2024 wants written ``#[unsafe(attr)]``, in order,
    each with the header of the item it is on."""
    if not any(name in source for name in _UNSAFE_ATTRIBUTE_BYTES):
        return ()
    text = source.decode("utf-8", "replace")
    found = []
    for m in _ATTR_OPEN_RE.finditer(text):
        bracket = m.end() - 1
        end = _bracket_end(text, bracket)
        inner = _squash(text[bracket + 1 : end - 1])
        if _UNSAFE_ATTRIBUTE_RE.match(inner) is None:
            continue
        # The item the attribute is on: skip further attributes, then read up to its body.
        rest = end
        while True:
            rest = skip_layout(text, rest)
            nxt = _ATTR_OPEN_RE.match(text, rest)
            if nxt is None:
                break
            rest = _bracket_end(text, nxt.end() - 1)
        header = re.match(r"[^{;=]*", text[rest : rest + 400])
        found.append(PlainAttribute(inner, header.group() if header else ""))
    return tuple(found)


def attribute_inner(code: str) -> str | None:
    """``no_mangle`` from ``unsafe(no_mangle)`` (whitespace removed), None for other code."""
    m = _INNER_RE.fullmatch(code)
    return _squash(m.group(1)) if m else None


def is_whole_body(fn_code: str, block_start: int, block_end: int) -> bool:
    """True when the block at ``fn_code[block_start:block_end]`` is all the fn's body holds:
    ``{ unsafe { .. } }``, give or take comments. Offsets are in characters of ``fn_code``."""
    tokens = list(tokenize(fn_code))
    if len(tokens) < 3 or tokens[-1].text != "}" or tokens[-2].end != block_end:
        return False
    first = next((i for i, t in enumerate(tokens) if t.start >= block_start), None)
    if first is None or first < 1 or tokens[first].start != block_start:
        return False
    texts = [t.text for t in tokens]
    # The `{` just before the block must be the one the fn's last `}` closes: the body's.
    return texts[first - 1] == "{" and matching_close(texts, first - 1) == len(texts) - 1
