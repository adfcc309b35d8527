"""The site index answers as ``HintContext.innermost_site`` does, at every byte."""

from __future__ import annotations

from unsafe_audit.extract import extract_file
from unsafe_audit.hints.rule import HintContext
from unsafe_audit.hints.site_index import SiteIndex

SOURCE = b"""use pgrx::pg_sys;
unsafe fn outer(k: pg_sys::Datum) -> usize {
    let a = unsafe { pg_sys::SearchSysCache1(1, k) };
    let b = unsafe { unsafe { pg_sys::palloc(8) } };
    inner(a, b)
}
fn plain() {}
unsafe impl Send for Holder {}
"""


def test_innermost_matches_the_context_at_every_byte() -> None:
    ctx = HintContext("src/lib.rs", SOURCE, extract_file("src/lib.rs", SOURCE).sites)
    index = SiteIndex(ctx.sites)
    expected = [ctx.innermost_site(b) for b in range(len(SOURCE) + 1)]
    assert [index.innermost(b) for b in range(len(SOURCE) + 1)] == expected
    # the answers include nested sites, so the comparison is not trivially all-None
    kinds = {s.kind.value for s in expected if s is not None}
    assert kinds == {"unsafe_fn", "unsafe_block", "pg_sys_call", "unsafe_impl"}


def test_no_sites_no_answer() -> None:
    assert SiteIndex(()).innermost(0) is None
