"""The code shown for a site: its lines and the fn signature that explains them, found by the
parser rather than by a pattern over lines."""

from __future__ import annotations

from unsafe_audit.extract.code_view import code_view
from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.model import Site, SiteId, SiteKind, Span


def _block_site(text: str, needle: str = "unsafe {") -> Site:
    data = text.encode()
    start = data.index(needle.encode())
    end = data.index(b"}", start) + 1
    line = data.count(b"\n", 0, start) + 1
    return Site(
        id=SiteId("0" * 16),
        kind=SiteKind.UNSAFE_BLOCK,
        path="a.rs",
        span=Span(line, 5, data.count(b"\n", 0, end) + 1, start, end),
        item="f",
        token_hash="t",
    )


def test_code_view_includes_the_fn_signature_and_attributes() -> None:
    text = (
        'use x;\n\n#[pg_guard]\npub unsafe extern "C" fn f() {\n'
        "    let a = 1;\n    unsafe { g() }\n}\n"
    )
    view = code_view(RustSyntax(text.encode()), _block_site(text))
    assert view.start_line == 3
    assert view.text.splitlines() == [
        "#[pg_guard]",
        'pub unsafe extern "C" fn f() {',
        "    let a = 1;",
        "    unsafe { g() }",
        "}",
    ]
    assert view.site_lines == (6, 6)
    assert (view.header_line, view.header) == (0, "")


def test_a_long_fn_shows_its_signature_as_a_header_over_the_lines_near_the_site() -> None:
    filler = "".join(f"    let v{n} = {n};\n" for n in range(20))
    text = (
        "#[pg_extern]\nfn long(\n    a: i32,\n    b: i32,\n) -> i32 {\n"
        + filler
        + "    unsafe { g() }\n}\n"
    )
    site = _block_site(text)
    view = code_view(RustSyntax(text.encode()), site)
    assert view.header_line == 1
    assert view.header.splitlines() == [
        "#[pg_extern]",
        "fn long(",
        "    a: i32,",
        "    b: i32,",
        ") -> i32 {",
    ]
    assert view.start_line == site.line - 2
    assert view.text.splitlines()[-2:] == ["    unsafe { g() }", "}"]


def test_a_site_in_no_fn_shows_only_the_lines_around_it() -> None:
    text = "fn before() {\n}\n\nstatic X: u8 = 1;\nunsafe impl Send for T {}\n"
    site = _block_site(text, "unsafe impl")
    view = code_view(RustSyntax(text.encode()), site)
    assert (view.start_line, view.header) == (3, "")
    assert view.text.splitlines() == ["", "static X: u8 = 1;", "unsafe impl Send for T {}"]
