"""The edition-2024 facts recorded at extraction, which diff compares instead of source."""

from __future__ import annotations

import pytest

from tests.extract.cases import rust
from unsafe_audit.extract import extract_file, unparsed_result
from unsafe_audit.extract.edition2024 import (
    attribute_inner,
    edition_neutral_joined,
    is_whole_body,
    plain_attributes,
)
from unsafe_audit.model import PlainAttribute, SiteKind


def test_plain_attributes_are_the_ones_rust_wants_in_unsafe_with_their_item_header() -> None:
    source = rust("""
        #[derive(Debug)]
        pub struct S;
        #[no_mangle]
        // the hook
        #[inline]
        pub extern "C" fn hook() -> u32 { 1 }
        #[export_name = "ext_g"]
        pub static G: u32 = 2;
        #[link_section = ".init"] fn init() {}
    """)
    assert plain_attributes(source) == (
        PlainAttribute("no_mangle", 'pub extern "C" fn hook() -> u32 '),
        PlainAttribute('export_name="ext_g"', "pub static G: u32 "),
        PlainAttribute('link_section=".init"', "fn init() "),
    )


def test_a_file_without_such_attributes_records_none() -> None:
    assert plain_attributes(b"#[derive(Debug)]\n#[repr(C)]\npub struct S;\n") == ()
    assert plain_attributes(b"#[no_mangle_please]\nfn f() {}\n") == ()


def test_unparsed_files_still_record_their_plain_attributes() -> None:
    result = unparsed_result("src/lib.rs", b"#[no_mangle]\npub fn f() {}\n")
    assert result.sites == ()
    assert result.plain_attributes == (PlainAttribute("no_mangle", "pub fn f() "),)


@pytest.mark.parametrize(
    ("code", "inner"),
    [
        ("unsafe(no_mangle)", "no_mangle"),
        ('unsafe ( export_name = "f" )', 'export_name="f"'),
        ("no_mangle", None),
    ],
)
def test_attribute_inner(code: str, inner: str | None) -> None:
    assert attribute_inner(code) == inner


def test_plain_attribute_is_on_an_item_by_whole_word() -> None:
    attr = PlainAttribute("no_mangle", 'pub extern "C" fn hook_fn() ')
    assert attr.is_on("hook_fn")
    assert not attr.is_on("hook")
    assert attr.is_on("")


@pytest.mark.parametrize(
    ("fn", "whole"),
    [
        ("unsafe fn f(p: *const u8) -> u8 { unsafe { *p } }", True),
        ("unsafe fn f(p: *const u8) -> u8 {\n    // why\n    unsafe { *p } /* ok */\n}", True),
        ('unsafe fn f(p: *const u8) -> u8 { unsafe { g("}"); *p } }', True),
        ("unsafe fn f(p: *const u8) -> u8 { let a = 1; unsafe { *p } }", False),
        ("unsafe fn f(p: *const u8) { unsafe { g(p) }; }", False),
        ("unsafe fn f(p: *const u8) { unsafe { g(p) } h() }", False),
    ],
)
def test_whole_body(fn: str, whole: bool) -> None:
    start = fn.index("unsafe {")
    end = fn.index("}", fn.index("*p") if "*p" in fn else fn.index("g(p)")) + 1
    assert is_whole_body(fn, start, end) is whole


def test_whole_body_is_recorded_on_the_block_of_an_unsafe_fn_only() -> None:
    source = rust("""
        pub unsafe fn read(p: *const u8) -> u8 {
            unsafe { *p }
        }
        pub fn safe_read(p: *const u8) -> u8 {
            unsafe { *p }
        }
        pub unsafe fn partly(p: *const u8) -> u8 {
            let q = p;
            unsafe { *q }
        }
    """)
    blocks = [
        s for s in extract_file("src/lib.rs", source).sites if s.kind is SiteKind.UNSAFE_BLOCK
    ]
    assert [(b.line, b.whole_fn_body) for b in blocks] == [(2, True), (5, False), (9, False)]


def test_wrapped_attribute_is_recorded_on_unsafe_attributes() -> None:
    source = b'#[unsafe(export_name = "g")]\npub extern "C" fn g() {}\n'
    sites = extract_file("src/lib.rs", source).sites
    assert [(s.kind, s.wrapped_attribute) for s in sites] == [
        (SiteKind.UNSAFE_ATTRIBUTE, 'export_name="g"'),
        (SiteKind.EXTERN_FN, None),
    ]


@pytest.mark.parametrize(
    ("edition_2024", "edition_2021"),
    [
        (
            'unsafe extern "C" { safe fn f(); unsafe static X: u8; }',
            'extern "C" { fn f(); static X: u8; }',
        ),
        ("#[unsafe(no_mangle)]", "#[no_mangle]"),
        ("fn f() { unsafe { g() } }", "fn f() { g() }"),
        ("fn f() { let a = 1; unsafe { g() } }", "fn f() { let a = 1; unsafe { g() } }"),
    ],
)
def test_edition_neutral_tokens(edition_2024: str, edition_2021: str) -> None:
    def joined(code: str) -> str:
        from unsafe_audit.extract.tokens import token_texts

        return "\x1f".join(token_texts(code))

    assert edition_neutral_joined(joined(edition_2024)) == joined(edition_2021)
