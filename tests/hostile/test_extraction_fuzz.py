"""Property tests of the Rust extraction on hostile input: generated nesting and token soup.

Issue 10, principle 5. Hypothesis writes files two ways: *nesting* (a random cycle of blocks,
unsafe blocks, closures, fns, impls, modules, macro calls, attributes, comments and strings,
repeated to a random depth, with code at each level) and *token soup* (Rust-ish tokens in any
order: unbalanced braces, stray ``unsafe``, ``extern "C"``, pg_sys paths, raw and byte strings,
lifetimes, nested comments, non-ASCII, bytes that are not UTF-8). Of every file it checks:

- extraction finishes within a time bound (``time.perf_counter``) and raises nothing: what it
  cannot read is a result with a warning, never an exception;
- every ``unsafe`` keyword that the project's own lexer (not tree-sitter) sees in code is
  accounted for: it is a site's anchor, the start of a fn-pointer type, or, where tree-sitter
  reads the file so, in a comment, a string or a ``macro_rules!`` matcher; and every site with
  the keyword sits on an ``unsafe`` word. In generated nesting, where both read the code alike,
  the anchors are exactly the keywords;
- every span lies inside the file, a parent encloses its child, ids are unique per file;
- the shortcuts taken for nested sites (the file lexed once, the token scan's windows read from
  it) give exactly what lexing each site or window alone gives, and the same bytes always give
  the same result (the file is extracted three times).

Examples are derandomized, so CI sees the same ones each run, and few enough that the module
takes seconds; the deep cases are in a test of their own with fewer examples.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unsafe_audit.extract import extract_file, token_scan
from unsafe_audit.extract import sites as sites_module
from unsafe_audit.extract.candidates import word_positions
from unsafe_audit.extract.file_tokens import FileTokens
from unsafe_audit.extract.masking import NOT_CODE_NODES
from unsafe_audit.extract.parser import parse_file
from unsafe_audit.extract.tokens import tokenize
from unsafe_audit.model import FileResult

SECONDS = 2.0
"""Per extraction of a generated file (they are at most a few thousand tokens)."""
DEEP_SECONDS = 10.0
"""Per extraction of a file nested up to 3,000 deep. With a site on every level each site's
code holds all the deeper ones, so hashing alone grows with the square of the depth (about
2.5 s at 3,000 on an idle two-core machine); the old walk took minutes to hours."""

_COMMON = settings(
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------------- nesting

FRAMES: tuple[tuple[str, str], ...] = (
    ("{ ", "} "),
    ("unsafe { ", "} "),
    ("let c = || { ", "}; "),
    ("fn f() { ", "} "),
    ("unsafe fn g() { ", "} "),
    ("impl T { fn h() { ", "} } "),
    ("unsafe impl Send for T { fn s() { ", "} } "),
    ("mod m { fn i() { ", "} } "),
    ("m!{ ", "} "),
    ("m!( ", ") "),
    ("#[pg_guard] fn a() { ", "} "),
    ('#[unsafe(no_mangle)] pub extern "C" fn b() { ', "} "),
    ("// a comment with } and unsafe {\n{ ", "} "),
    ("/* { unsafe */ unsafe { ", "} "),
    ('{ let s = "} unsafe {"; ', "} "),
    ('{ let r = r#"{ unsafe "#; ', "} "),
    ('extern "C" { fn c(); } { ', "} "),
    ("trait U { unsafe fn d(); } { ", "} "),
    ("{ let p: unsafe fn(i32) = q; ", "} "),
)
"""What opens and closes one level of nesting."""
CODE = (
    "",
    "g(); ",
    "unsafe { g() }; ",
    "pg_sys::palloc(1); ",
    "unsafe { pg_sys::palloc(8) }; ",
    "unsafe fn e() {} ",
    "let c = 'x'; ",
    'let b = b"bytes"; ',
    "/* /* nested */ comment */ ",
    'let é = "日本"; ',
    "x = &'static y; ",
)
"""What a level holds besides the next level."""


def _nesting(cycle: list[int], code: list[str], depth: int) -> str:
    opens, closes = [], []
    for level in range(depth):
        opener, closer = FRAMES[cycle[level % len(cycle)]]
        opens.append(opener + (code[level % len(code)] if code else ""))
        closes.append(closer)
    return "fn top() {\n" + "".join(opens) + "".join(reversed(closes)) + "\n}\n"


def nestings(max_depth: int, min_depth: int = 0) -> st.SearchStrategy[str]:
    return st.builds(
        _nesting,
        st.lists(st.integers(0, len(FRAMES) - 1), min_size=1, max_size=5),
        st.lists(st.sampled_from(CODE), max_size=3),
        st.integers(min_depth, max_depth),
    )


# --------------------------------------------------------------------------------- token soup

# fmt: off
_SOUP_TOKENS = (
    "unsafe", "unsafe", "unsafe", "{", "{", "}", "}", "(", ")", "[", "]", ";", ",", "fn",
    "f", "impl", "trait", "mod", "struct S;", "extern", '"C"', 'extern "C"', "pg_sys::x",
    "pg_sys::palloc(1)", "use pg_sys::*;", "use pgrx::pg_sys as sys;", "sys::f()", "m!",
    "macro_rules! m { ($x:expr) => { unsafe { $x } } }", "#[", "#[unsafe(no_mangle)]",
    'r#"', '"#', 'r#"raw { unsafe }"#', 'b"bytes"', 'br"raw"', "b'x'", "'a", "'static",
    "'x'", "//", "/*", "*/", "/* /* nested */ */", '"', '"}"', "\\", "é", "日本", "🦀",
    "\x1f", "\t", "\r", "=>", "->", "::", "||", "&", "*", "r#unsafe", "unsafe_x", "0",
    "1.5", "unsafe fn(", "safe fn", "=",
)
# fmt: on
SOUP: tuple[bytes, ...] = (*(t.encode() for t in _SOUP_TOKENS), b"\xff", b"\xc3")
"""Tokens of a soup; the last two are bytes no UTF-8 text holds."""


def soups(max_tokens: int) -> st.SearchStrategy[bytes]:
    piece = st.tuples(st.sampled_from(SOUP), st.sampled_from((b"", b" ", b"\n")))
    return st.lists(piece, max_size=max_tokens).map(lambda ps: b"".join(a + b for a, b in ps))


def repeated_soups() -> st.SearchStrategy[bytes]:
    """A short soup repeated up to 200 times: unbalanced braces pile up into deep nesting."""
    return st.builds(lambda s, n: s * n, soups(10), st.integers(1, 200))


# --------------------------------------------------------------------------------- checks


def _extract(source: bytes, seconds: float = SECONDS) -> FileResult:
    started = time.perf_counter()
    result = extract_file("src/lib.rs", source)
    took = time.perf_counter() - started
    assert took < seconds, f"{took:.2f} s for {len(source)} bytes"
    return result


def _line_starts(source: bytes) -> list[int]:
    starts = [0]
    pos = source.find(b"\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = source.find(b"\n", pos + 1)
    return starts


def _keyword_anchors(result: FileResult, source: bytes) -> set[int]:
    """Byte offsets of the ``unsafe`` each unsafe-keyword site is anchored on."""
    starts = _line_starts(source)
    return {
        starts[s.span.line - 1] + s.span.column - 1
        for s in result.sites
        if s.kind.has_unsafe_keyword
    }


def _lexed_keywords(source: bytes) -> set[int]:
    """Byte offsets of the ``unsafe`` keywords our lexer sees in code, fn-pointer types left
    out (``unsafe fn(``, ``unsafe extern "ABI" fn(``), as scripts/count_unsafe_tokens.py."""
    text = source.decode("utf-8")
    toks = list(tokenize(text))
    found = set()
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or tok.text != "unsafe":
            continue
        j = i + 1
        if j < len(toks) and toks[j].text == "extern":
            j += 1
            if j < len(toks) and toks[j].kind == "str":
                j += 1
        if j + 1 < len(toks) and toks[j].text == "fn" and toks[j + 1].text == "(":
            continue
        found.add(len(text[: tok.start].encode("utf-8")))
    return found


def _not_code_for_tree_sitter(source: bytes) -> Callable[[int], bool]:
    """Whether tree-sitter reads the word at a byte as no site: in a comment or a literal, or
    a literal token of a ``macro_rules!`` matcher."""
    root = parse_file(source).root_node

    def check(pos: int) -> bool:
        node = root.descendant_for_byte_range(pos, pos + 6)
        cur = node
        for _ in range(3):
            if cur is None:
                break
            if cur.type in NOT_CODE_NODES:
                return True
            cur = cur.parent
        part = node.parent if node is not None else None
        if part is None or part.type not in ("token_tree_pattern", "token_repetition_pattern"):
            return False
        while part.parent is not None and part.parent.type in (
            "token_tree_pattern",
            "token_repetition_pattern",
        ):
            part = part.parent
        return part.parent is not None and part.parent.type == "macro_rule"

    return check


def _check_shape(result: FileResult, source: bytes) -> None:
    """Spans inside the file, parents around their children, unique ids, anchors on words."""
    starts = _line_starts(source)
    ids = [s.id for s in result.sites]
    assert len(ids) == len(set(ids))
    by_id = {s.id: s for s in result.sites}
    for site in result.sites:
        span = site.span
        assert 0 <= span.start_byte <= span.end_byte <= len(source), site
        assert 1 <= span.line <= span.end_line <= len(starts), site
        anchor = starts[span.line - 1] + span.column - 1
        assert span.start_byte <= anchor <= span.end_byte, site
        if site.parent is not None:
            outer = by_id[site.parent].span
            assert outer.start_byte <= span.start_byte < outer.end_byte, (site, outer)
    words = set(word_positions(source, b"unsafe"))
    assert _keyword_anchors(result, source) <= words


def _check_shortcuts(result: FileResult, source: bytes) -> None:
    """Lexing the file once for nested sites, and reading token-scan windows from that, give
    what lexing each site and window alone gives; and each extraction gives the same result.
    (Windows are compared at 25 words at most: lexing each alone is the slow way.)"""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sites_module, "_SHARE_TOKENS_ABOVE", -1)  # always share
        shared = extract_file("src/lib.rs", source)
        mp.setattr(sites_module, "_SHARE_TOKENS_ABOVE", sys.maxsize)  # never
        alone = extract_file("src/lib.rs", source)
    assert shared == alone == result
    tokens = FileTokens(source)
    words = word_positions(source, b"unsafe")
    for pos in words[:: max(1, len(words) // 25)]:
        assert token_scan.unsafe_site(source, pos, tokens) == token_scan.unsafe_site(source, pos)


# --------------------------------------------------------------------------------- tests


@settings(_COMMON, max_examples=100, deadline=timedelta(seconds=4 * SECONDS))
@given(nestings(max_depth=100))
def test_generated_nesting(code: str) -> None:
    source = code.encode()
    result = _extract(source)
    assert not result.unreadable
    _check_shape(result, source)
    # Both readers agree on what is code here, so the sites are exactly the keywords.
    assert _keyword_anchors(result, source) == _lexed_keywords(source)
    _check_shortcuts(result, source)


@settings(_COMMON, max_examples=6, deadline=timedelta(seconds=3 * DEEP_SECONDS))
@given(nestings(min_depth=1_000, max_depth=3_000))
def test_generated_nesting_thousands_deep(code: str) -> None:
    source = code.encode()
    result = _extract(source, DEEP_SECONDS)
    _check_shape(result, source)
    assert _keyword_anchors(result, source) == _lexed_keywords(source)


@settings(_COMMON, max_examples=150, deadline=timedelta(seconds=4 * SECONDS))
@given(st.one_of(soups(max_tokens=120), repeated_soups()))
def test_token_soup(source: bytes) -> None:
    result = _extract(source)
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        assert result.unreadable and result.sites == ()
        assert result.warnings[0].message.startswith("not valid UTF-8")
        return
    _check_shape(result, source)
    anchors = _keyword_anchors(result, source)
    not_code = _not_code_for_tree_sitter(source)
    missed = [p for p in sorted(_lexed_keywords(source) - anchors) if not not_code(p)]
    assert missed == [], [source[max(0, p - 20) : p + 20] for p in missed]
    _check_shortcuts(result, source)


# --------------------------------------------------------------------------------- found by it

# Inputs the properties above found, kept as plain examples.
FOUND = {
    "unsafe extern before an attribute's parenthesis (KeyError in the token scan)": (
        b"#[unsafe extern (x)]\nfn f() {}\n"
    ),
    "a named unsafe fn read as a fn-pointer type by error recovery": b"impl [unsafe fn f() {}\n",
    "a matcher outside any rule": b"macro_rules! m { {unsafe { f() }} }\n",
    "the keyword after an identifier and a '#', taken for r#unsafe": b"unsafer#unsafe {}\n",
}


@pytest.mark.parametrize("name", sorted(FOUND))
def test_inputs_the_properties_found(name: str) -> None:
    source = FOUND[name]
    result = _extract(source)
    _check_shape(result, source)
    not_code = _not_code_for_tree_sitter(source)
    anchors = _keyword_anchors(result, source)
    assert [p for p in sorted(_lexed_keywords(source) - anchors) if not not_code(p)] == []
    _check_shortcuts(result, source)


CRASHED_THE_QUERY_CURSOR = (
    "'a=>extern \"C\" /*//\"#//{,日} }[*/fn unsafe fn f() { ]日)struct S;ftrait 'a)'a/*unsafe"
    'r#"trait fn  unsafe unsafe {mod m unsafe fn f() {#[;m!extern "C" '
).encode()
"""One of 199 random files (of 4,020) on which the old query start, ``first_child_for_byte``,
made tree-sitter's query cursor crash the interpreter (SIGSEGV)."""


def test_a_file_that_crashed_the_query_cursor_is_extracted_in_a_process_of_its_own() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from unsafe_audit.extract import extract_file\n"
            "print(len(extract_file('src/lib.rs', sys.stdin.buffer.read()).sites))",
        ],
        input=CRASHED_THE_QUERY_CURSOR,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert (run.returncode, run.stderr) == (0, b"")
    assert int(run.stdout) >= 4
