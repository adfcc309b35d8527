"""The streaming token pass over files too large to parse: it finds in code exactly the words the
exact lexer (:mod:`unsafe_audit.extract.tokens`) finds, however the bytes are cut into chunks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from unsafe_audit.extract.keyword_scan import FIRST_LINES, scan_keywords
from unsafe_audit.extract.tokens import tokenize

HIDING_PLACES = r"""
// unsafe in a line comment
/* unsafe /* nested unsafe */ still a comment: pg_sys */
fn strings() {
    let a = "unsafe \" pg_sys \\";
    let b = b"unsafe";
    let c = r"unsafe \";
    let d = r#"unsafe "# ;
    let e = br##"unsafe "# pg_sys"##;
    let f = '"'; let g = '\''; let h = b'"';
    let i = 'é'; let j = '\u{1F600}';
    let r#unsafe = 1;
}
fn lifetimes<'a, 'pg_sys>(x: &'a u8) -> &'a u8 { x }
extern crate alloc;
pub extern "C" fn exported() {}
pub unsafe extern "C-unwind" fn exported_unsafe() {}
"""
"""No word in code but the one ``unsafe`` of ``exported_unsafe`` (line 17)."""

FOUND_EVERYWHERE = """\
use pgrx::pg_sys;
pub fn a() { unsafe { pg_sys::palloc(8) }; }
extern "C" { fn f(); }
unsafe extern "C" { fn g(); }
extern {
    fn h();
}
#[unsafe(no_mangle)]
pub extern "C" fn i() {}
"""


def chunks(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    i = 0
    n = 0
    while i < len(data):
        size = sizes[n % len(sizes)]
        yield data[i : i + size]
        i += size
        n += 1


def exact(text: str) -> tuple[dict[str, int], list[int]]:
    """What the exact lexer sees: the words in code and the lines of the first few."""
    tokens = list(tokenize(text))
    words = {"unsafe": 0, "pg_sys": 0, "extern": 0}
    lines: list[int] = []
    for i, t in enumerate(tokens):
        if t.kind != "ident" or t.text not in words:
            continue
        if t.text == "extern":
            after = [x.text for x in tokens[i + 1 : i + 3]]
            if after[:1] in (["crate"], ["fn"]) or (
                len(after) == 2 and tokens[i + 1].kind == "str" and after[1] == "fn"
            ):
                continue
        words[t.text] += 1
        lines.append(text.count("\n", 0, t.start) + 1)
    return words, lines[:FIRST_LINES]


@pytest.mark.parametrize("sizes", [[1], [2], [3, 5], [7], [64], [1 << 20]], ids=str)
def test_words_hidden_in_comments_strings_chars_and_raw_identifiers_are_not_counted(
    sizes: list[int],
) -> None:
    found = scan_keywords(chunks(HIDING_PLACES.encode(), sizes))

    assert (found.words, found.lines) == ({"unsafe": 1, "pg_sys": 0, "extern": 0}, (17,))
    assert (found.words, list(found.lines)) == exact(HIDING_PLACES)


@pytest.mark.parametrize("sizes", [[1], [3, 5], [1 << 20]], ids=str)
def test_words_in_code_are_counted_with_their_lines(sizes: list[int]) -> None:
    found = scan_keywords(chunks(FOUND_EVERYWHERE.encode(), sizes))

    assert found.words == {"unsafe": 3, "pg_sys": 2, "extern": 3}
    assert found.lines == (1, 2, 2, 3, 4)
    assert (found.words, list(found.lines)) == exact(FOUND_EVERYWHERE)
    assert found.describe() == "3 unsafe, 2 pg_sys, 3 extern (first on line 1)"
    assert (found.size, found.utf8_error) == (len(FOUND_EVERYWHERE), None)


def test_a_word_after_megabytes_of_comment_is_found_on_its_line() -> None:
    padding = b"/*" + b"unsafe pg_sys " * 100_000 + b"*/\n" + b"// unsafe\n" * 1_000
    data = padding + b"fn f() { unsafe { g() } }\n"

    found = scan_keywords(chunks(data, [65_536]))

    assert (found.words["unsafe"], found.lines) == (1, (1_002,))


def test_an_unterminated_comment_or_string_hides_what_follows_as_rustc_would() -> None:
    assert scan_keywords([b"fn f() {}\n/* unsafe {"]).found == 0
    assert scan_keywords([b'let s = "unsafe {']).found == 0


def test_the_first_byte_that_is_not_utf8_is_reported() -> None:
    data = b"fn f() { unsafe { 1 } }\n// caf\xe9\n"

    found = scan_keywords(chunks(data, [1]))

    assert (found.utf8_error, found.words["unsafe"]) == (data.index(b"\xe9"), 1)


def test_random_chunkings_of_real_sources_agree_with_the_exact_lexer() -> None:
    sources = sorted((Path(__file__).parent.parent / "fixtures").rglob("*.rs"))
    sample_repos = Path(__file__).parents[2] / "sample_repos"
    sources += sorted(sample_repos.rglob("*.rs"))
    assert len(sources) > 20
    rng = random.Random(7)
    for path in sources:
        data = path.read_bytes()
        sizes = [rng.choice([1, 2, 3, 17, 300, 4096]) for _ in range(5)]
        found = scan_keywords(chunks(data, sizes))
        assert (found.words, list(found.lines)) == exact(data.decode()), path
