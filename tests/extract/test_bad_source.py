"""Files the parser cannot fully read: not UTF-8, or with syntax errors."""

from __future__ import annotations

from tests.extract.cases import rust, summary
from unsafe_audit.extract import extract_file
from unsafe_audit.model import SiteKind


def test_non_utf8_file_gives_one_warning_and_no_sites() -> None:
    source = b"fn f() {\n    unsafe { g() };\n}\n// caf\xe9\n"
    result = extract_file("src/lib.rs", source)
    assert result.sites == ()
    assert result.unreadable is True
    assert [(w.path, w.line) for w in result.warnings] == [("src/lib.rs", 4)]
    assert "UTF-8" in result.warnings[0].message


def test_readable_file_is_not_marked_unreadable() -> None:
    result = extract_file("src/lib.rs", rust("fn f() {}\n"))
    assert (result.unreadable, result.warnings) == (False, ())


def test_syntax_error_keeps_sites_before_and_after_and_names_its_line() -> None:
    source = rust("""
        use pgrx::pg_sys;

        fn before(p: *const i32) -> i32 {
            unsafe { *p }
        }

        fn broken( {
            let x = ;
        }

        unsafe fn after() {
            pg_sys::SPI_connect();
        }
    """)
    result = extract_file("src/lib.rs", source)
    got = [summary(s) for s in result.sites]
    assert (SiteKind.UNSAFE_BLOCK, 4, None, False) in got
    assert (SiteKind.UNSAFE_FN, 11, "after", False) in got
    assert len(result.warnings) >= 1
    assert result.warnings[0].line in (7, 8)
    assert "syntax error" in result.warnings[0].message or "missing" in result.warnings[0].message


def test_unclosed_brace_keeps_unsafe_sites_after_it() -> None:
    source = rust("""
        fn before(p: *const i32) -> i32 {
            unsafe { *p }
        }

        fn broken() {
            if true {

        unsafe impl Send for Holder {}

        pub unsafe fn after() {}
    """)
    result = extract_file("src/lib.rs", source)
    got = [(s.kind, s.span.line) for s in result.sites]
    assert got == [
        (SiteKind.UNSAFE_BLOCK, 2),
        (SiteKind.UNSAFE_IMPL, 8),
        (SiteKind.UNSAFE_FN, 10),
    ]
    assert result.warnings != ()


def test_a_named_unsafe_fn_that_error_recovery_reads_as_a_type_is_still_a_site() -> None:
    # Tree-sitter's error recovery reads `unsafe fn f()` here as a fn-pointer type, which is
    # no site; a fn-pointer type has no name, so the token scan lists it as the fn it is.
    result = extract_file("src/lib.rs", b"impl [unsafe fn f() {}\n")
    assert [(s.kind, s.span.column, s.name) for s in result.sites] == [(SiteKind.UNSAFE_FN, 7, "f")]


def test_an_unsafe_block_in_a_matcher_outside_any_rule_is_still_a_site() -> None:
    # A rule without its `=>`: error recovery leaves a "matcher" outside any macro_rules! rule,
    # where an `unsafe` is no literal token a macro expects.
    result = extract_file("src/lib.rs", b"macro_rules! m { {unsafe { f() }} }\n")
    assert [(s.kind, s.span.column) for s in result.sites] == [(SiteKind.UNSAFE_BLOCK, 19)]


def test_literal_unsafe_tokens_in_real_matchers_are_not_sites() -> None:
    source = b"macro_rules! m { (unsafe) => {}; ( $( ( unsafe ) )* ) => {} }\n"
    assert extract_file("src/lib.rs", source).sites == ()
