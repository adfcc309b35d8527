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
