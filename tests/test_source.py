"""Slicing a site's code from its file's bytes (unsafe_audit.source)."""

from __future__ import annotations

from unsafe_audit.extract import extract_file
from unsafe_audit.model import SiteKind
from unsafe_audit.source import Snapshot, site_code

DATA = "pub fn f() -> u8 {\n    let x = unsafe { *P };  // é\n    x\n}\n".encode()


def test_site_code_is_the_span_or_its_whole_lines() -> None:
    [block] = [s for s in extract_file("src/lib.rs", DATA).sites if s.kind is SiteKind.UNSAFE_BLOCK]
    assert site_code(DATA, block) == "unsafe { *P }"
    assert site_code(DATA, block, whole_lines=True) == "    let x = unsafe { *P };  // é"
    assert site_code(DATA[:20], block) is None
    assert Snapshot({"src/lib.rs": DATA}).code(block) == "unsafe { *P }"
    assert Snapshot({}).code(block) is None
