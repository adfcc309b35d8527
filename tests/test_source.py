"""Slicing a site's code from its file's bytes (unsafe_audit.source)."""

from __future__ import annotations

from unsafe_audit.extract import extract_file
from unsafe_audit.model import SiteKind
from unsafe_audit.source import code_from, site_code

DATA = "pub fn f() -> u8 {\n    let x = unsafe { *P };  // é\n    x\n}\n".encode()


def test_site_code_is_the_span_or_its_whole_lines() -> None:
    [block] = [s for s in extract_file("src/lib.rs", DATA).sites if s.kind is SiteKind.UNSAFE_BLOCK]
    assert site_code(DATA, block) == "unsafe { *P }"
    assert site_code(DATA, block, whole_lines=True) == "    let x = unsafe { *P };  // é"
    assert site_code(DATA[:20], block) is None
    text = DATA.decode("utf-8", "surrogateescape")
    assert code_from(block, {"src/lib.rs": text}.get) == "unsafe { *P }"
    missing: dict[str, str] = {}
    assert code_from(block, missing.get) is None
