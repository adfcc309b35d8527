"""The bug-class rules on a large file: every repeat of each INVALID snippet found, in time that
grows with the file, not with hints times sites.

Asking :meth:`HintContext.innermost_site` once per hint, or reading ``RustSyntax.code`` (a copy
of the file) once per fn or call, made these rules take minutes on a 9 MB file; they now answer
from :class:`~unsafe_audit.hints.site_index.SiteIndex` and one copy of the code per file.
"""

from __future__ import annotations

import textwrap
import time

from tests.hints.test_rules import MARKER
from unsafe_audit.extract import extract_file
from unsafe_audit.hints.registry import ALL_RULES
from unsafe_audit.hints.rule import HintContext
from unsafe_audit.hints.site_index import SiteIndex

BUG_CLASS_RULES = (
    "pg-sys-in-drop",
    "discarded-result",
    "current-context-deleted",
    "datum-null-ignored",
    "fn-pointer-unguarded",
    "raw-pointer-outlives-owner",
    "method-table-not-static",
)
REPEATS = 200


def test_each_repeat_is_found_in_less_than_half_the_extraction_time() -> None:
    rules = [r for r in ALL_RULES if r.id in BUG_CLASS_RULES]
    assert [r.id for r in rules] == list(BUG_CLASS_RULES)
    one = "\n".join(textwrap.dedent(s).strip("\n") for r in rules for s in r.INVALID) + "\n"
    source = (one * REPEATS).encode()
    started = time.perf_counter()
    sites = extract_file("src/lib.rs", source).sites
    extraction = time.perf_counter() - started
    ctx = HintContext("src/lib.rs", source, sites)
    assert ctx.syntax.fns  # parse and walk the file once, outside the timed part
    expected_lines = {
        n for n, text in enumerate(source.decode().splitlines(), start=1) if MARKER in text
    }

    started = time.perf_counter()
    found = {r.id: {h.line for h in r.check(ctx)} for r in rules}
    took = time.perf_counter() - started

    per_rule = {
        r.id: sum(textwrap.dedent(s).count(MARKER) for s in r.INVALID) * REPEATS for r in rules
    }
    assert {rid: len(lines) for rid, lines in found.items()} == per_rule
    assert set().union(*found.values()) == expected_lines
    # Measured on two cores: the rules take a quarter of the extraction of the same file; with
    # one innermost-site scan per hint they took more than the whole extraction.
    assert took < extraction / 2, f"rules {took:.2f} s, extraction {extraction:.2f} s"


def test_site_index_agrees_with_the_context_on_every_byte() -> None:
    source = textwrap.dedent(
        """
        unsafe fn outer(p: *mut pg_sys::List) {
            let a = pg_sys::lappend(p, std::ptr::null_mut());
            unsafe { let b = pg_sys::list_length(a); }
        }
        fn plain() {}
        unsafe impl Send for X {}
        """
    ).encode()
    sites = extract_file("src/lib.rs", source).sites
    ctx = HintContext("src/lib.rs", source, sites)
    index = SiteIndex(sites)
    assert len(sites) >= 4
    assert [index.innermost(b) for b in range(len(source))] == [
        ctx.innermost_site(b) for b in range(len(source))
    ]
