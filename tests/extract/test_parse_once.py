"""Each file is parsed once, the same way, for the site walker and the hints' syntax view."""

from __future__ import annotations

import subprocess
import sys

import pytest

from unsafe_audit.extract import extract_file, extract_parsed, parsed_source
from unsafe_audit.extract.masking import mask_safe_qualifier, skip_layout
from unsafe_audit.extract.parsed import syntax_of
from unsafe_audit.extract.parser import parse_file
from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.source import Snapshot

EDITION_2024 = (
    b'unsafe extern "C" {\n    pub safe fn getpid() -> i32;\n    pub safe static N: u8;\n}\n'
    b"pub unsafe fn after(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n"
)


def test_safe_qualifier_is_blanked_without_moving_a_byte() -> None:
    masked = mask_safe_qualifier(EDITION_2024)
    assert len(masked) == len(EDITION_2024)
    assert b"safe fn getpid" not in masked and b"pub      fn getpid" in masked
    assert b"pub      static N" in masked
    assert b"pub unsafe fn after" in masked
    assert mask_safe_qualifier(b"unsafe fn f() {}") == b"unsafe fn f() {}"


def test_skip_layout_passes_spaces_and_comments_only() -> None:
    text = "#[a]  // c\n /* d */ #[b]"
    assert text[skip_layout(text, 4) :] == "#[b]"
    assert skip_layout(text, 0) == 0


def test_walker_and_syntax_view_parse_the_masked_bytes_cleanly() -> None:
    # Raw bytes do not parse (tree-sitter-rust 0.24 does not know `safe fn`).
    assert not parse_file(EDITION_2024).root_node.has_error
    syntax = RustSyntax(EDITION_2024)
    assert [(f.name, f.line, f.is_unsafe) for f in syntax.fns] == [("after", 5, True)]
    assert [(s.name, s.kind, s.line) for s in syntax.statics] == [("N", "static", 3)]
    assert [s.kind.value for s in extract_file("src/lib.rs", EDITION_2024).sites] == [
        "unsafe_extern_block",
        "unsafe_fn",
        "unsafe_block",
    ]


def test_a_parsed_source_hands_its_one_tree_to_extraction_and_syntax() -> None:
    source = parsed_source("src/once.rs", EDITION_2024)
    tree = source.tree
    assert source.syntax is source.syntax
    assert source.syntax.fns[0].name == "after"
    assert extract_parsed(source) == extract_file("src/once.rs", EDITION_2024)
    assert source.tree is tree


def test_the_parse_is_kept_per_path_while_the_bytes_are_the_same() -> None:
    first = parsed_source("src/memo.rs", b"fn a() {}\n").syntax
    assert parsed_source("src/memo.rs", b"".join([b"fn a() ", b"{}\n"])).syntax is first
    changed = parsed_source("src/memo.rs", b"fn b() {}\n").syntax
    assert changed is not first
    assert [f.name for f in changed.fns] == ["b"]


def test_a_snapshot_file_is_parsed_once_for_every_reader() -> None:
    file = Snapshot({"src/snap.rs": b"fn c() { unsafe { g() } }\n"}).file("src/snap.rs")
    assert file is not None
    assert syntax_of(file) is syntax_of(file)
    assert syntax_of(file) is parsed_source("src/snap.rs", file.data).syntax


@pytest.mark.parametrize(
    "module",
    [
        "unsafe_audit.extract",
        "unsafe_audit.extract.tokens",
        "unsafe_audit.extract.facts",
        "unsafe_audit.extract.fingerprint",
        "unsafe_audit.extract.edition2024",
        "unsafe_audit.extract.masking",
        "unsafe_audit.extract.token_scan",
        "unsafe_audit.extract.syntax",
        "unsafe_audit.diff",
        "unsafe_audit.source",
    ],
)
def test_pure_modules_do_not_load_the_parser(module: str) -> None:
    code = f"import sys, {module}; print('tree_sitter' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False\n"
