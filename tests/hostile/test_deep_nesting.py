"""Rust nested thousands of levels deep: found exactly, in bounded time, without recursion.

Issue 10: a 10.8 KB file with 3,000 nested braces took 262 s to scan, because every site walked
tree-sitter's parents from the root (each ``Node.parent`` itself a search from the root), so time
grew with the square of the depth, or the cube with a site on every level. Extraction now finds
what encloses its sites in one walk per tree (:mod:`unsafe_audit.extract.ancestry`) and lexes a
file of nested sites once (:mod:`unsafe_audit.extract.file_tokens`).

Each case is a real file 3,000 levels deep in one way of nesting (blocks, unsafe blocks, closures,
modules, macro calls, impls and fns, use lists, paths, calls, unclosed braces) and asserts the
exact sites found, a time bound that quadratic work at this depth could not meet (the old code
took minutes for most of them), and that the extraction never needed a Python stack as deep as
the nesting: it runs with the recursion limit just above the test's own stack. One case runs the
real CLI on the file from the issue.
"""

from __future__ import annotations

import inspect
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.harness import spawn
from unsafe_audit.extract import extract_file
from unsafe_audit.model import FileResult, SiteKind

DEPTH = 3_000
SECONDS = 20.0
"""Per file at depth 3,000. The slowest case takes about 2.5 s on an idle two-core machine (a
site on every level whose code holds all the deeper levels: its hash input alone grows with the
square of the depth, at the speed of C); the old code took from 4 minutes to hours on the cases
with a site per level, and work in Python per level and site would take minutes again."""
B, FN, CALL = SiteKind.UNSAFE_BLOCK, SiteKind.UNSAFE_FN, SiteKind.PG_SYS_CALL


@contextmanager
def _shallow_stack(headroom: int = 100) -> Iterator[None]:
    """Lower the recursion limit to ``headroom`` frames above the caller's stack: recursion
    that follows the nesting depth raises RecursionError instead of passing unnoticed."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + headroom)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _extract(source: str) -> FileResult:
    extract_file("src/lib.rs", b"fn warm() { unsafe { pg_sys::palloc(1) } }\n")  # lazy imports
    data = source.encode()
    with _shallow_stack():
        started = time.perf_counter()
        result = extract_file("src/lib.rs", data)
        took = time.perf_counter() - started
    assert took < SECONDS, f"{took:.1f} s for {len(data)} bytes"
    return result


def _summary(result: FileResult) -> list[tuple[SiteKind, int, int, str, int | None]]:
    """(kind, line, column, item, index of the parent site) of each site."""
    index = {s.id: i for i, s in enumerate(result.sites)}
    return [
        (s.kind, s.span.line, s.span.column, s.item, index.get(s.parent) if s.parent else None)
        for s in result.sites
    ]


@dataclass(frozen=True)
class Case:
    source: str
    check: Callable[[FileResult], None]


def _braces() -> Case:
    # The issue's file: one unsafe block inside 3,000 plain blocks.
    source = "fn f() {" + "{" * DEPTH + "unsafe { g() }" + "}" * DEPTH + "}\n"

    def check(r: FileResult) -> None:
        assert _summary(r) == [(B, 1, 8 + DEPTH + 1, "f", None)]
        assert r.warnings == ()

    return Case(source, check)


def _nested_unsafe_blocks() -> Case:
    source = "fn f() {\n" + "unsafe { g();\n" * DEPTH + "}" * DEPTH + "\n}\n"

    def check(r: FileResult) -> None:
        parents = [None, *range(DEPTH - 1)]
        assert _summary(r) == [(B, k + 2, 1, "f", parents[k]) for k in range(DEPTH)]
        assert len({s.id for s in r.sites}) == DEPTH
        for outer, inner in zip(r.sites, r.sites[1:], strict=False):
            assert outer.span.start_byte < inner.span.start_byte
            assert inner.span.end_byte < outer.span.end_byte

    return Case(source, check)


def _blocks_each_with_an_unsafe_block() -> Case:
    source = "fn f() {\n" + "{ unsafe { g() }\n" * DEPTH + "}" * DEPTH + "\n}\n"
    return Case(source, lambda r: _same(r, [(B, k + 2, 3, "f", None) for k in range(DEPTH)]))


def _closures() -> Case:
    source = "fn f() {\n" + "let c = || { unsafe { g() };\n" * DEPTH + "};" * DEPTH + "\n}\n"
    return Case(source, lambda r: _same(r, [(B, k + 2, 14, "f", None) for k in range(DEPTH)]))


def _modules() -> Case:
    source = "".join(f"mod m{i} {{\n" for i in range(DEPTH)) + "unsafe fn g() {}\n" + "}\n" * DEPTH
    path = "::".join(f"m{i}" for i in range(DEPTH)) + "::g"
    return Case(source, lambda r: _same(r, [(FN, DEPTH + 1, 1, path, None)]))


def _macro_calls() -> Case:
    # Deeper than the walker re-parses macro arguments (six levels): the token scan finds the rest.
    source = "fn f() {\n" + "m!{ unsafe { g() };\n" * DEPTH + "}" * DEPTH + "\n}\n"

    def check(r: FileResult) -> None:
        assert _summary(r) == [(B, k + 2, 5, "f", None) for k in range(DEPTH)]
        assert all(s.in_macro for s in r.sites)

    return Case(source, check)


def _flat_macro_call() -> Case:
    # Not deep but wide: 3,000 blocks side by side in one macro call's token tree, which a
    # query run per word stepped through from the start each time (42 s).
    source = "fn f() {\nm!{\n" + "x unsafe { y }\n" * DEPTH + "}\n}\n"

    def check(r: FileResult) -> None:
        assert _summary(r) == [(B, k + 3, 3, "f", None) for k in range(DEPTH)]
        assert all(s.in_macro for s in r.sites)

    return Case(source, check)


def _impls_and_fns() -> Case:
    levels = DEPTH // 2
    source = (
        "".join(
            f"impl T{i} {{ unsafe fn f{i}() {{\nunsafe {{ pg_sys::palloc(1) }};\n"
            for i in range(levels)
        )
        + "} }\n" * levels
    )

    def check(r: FileResult) -> None:
        expected = []
        for i in range(levels):
            item = "::".join(f"T{k}::f{k}" for k in range(i + 1))
            expected += [
                (FN, 2 * i + 1, 10 + len(str(i)), item, 3 * i - 3 if i else None),
                (B, 2 * i + 2, 1, item, 3 * i),
                (CALL, 2 * i + 2, 18, item, 3 * i + 1),
            ]
        assert _summary(r) == expected
        fns = [s for s in r.sites if s.kind is FN]
        assert [len(s.pg_sys_calls) for s in fns] == list(range(levels, 0, -1))

    return Case(source, check)


def _use_lists() -> Case:
    # The use tree was read by recursion: RecursionError at this depth.
    source = (
        "use a::{" * DEPTH
        + "pg_sys::palloc"
        + "}" * DEPTH
        + ";\nfn f() {\nunsafe { palloc(1) }\n}\n"
    )
    return Case(source, lambda r: _same(r, [(B, 3, 1, "f", None), (CALL, 3, 10, "f", 0)]))


def _long_path() -> Case:
    source = "use pg_sys::" + "m::" * DEPTH + "x;\nfn f() {\nunsafe { x() }\n}\n"
    return Case(source, lambda r: _same(r, [(B, 3, 1, "f", None), (CALL, 3, 10, "f", 0)]))


def _nested_calls() -> Case:
    source = "fn f() {\nunsafe { " + "pg_sys::f(" * DEPTH + "0" + ")" * DEPTH + " }\n}\n"

    def check(r: FileResult) -> None:
        calls = [(CALL, 2, 18 + 10 * k, "f", 0) for k in range(DEPTH)]
        assert _summary(r) == [(B, 2, 1, "f", None), *calls]
        assert r.sites[0].pg_sys_calls == ("f",) * DEPTH

    return Case(source, check)


def _unclosed() -> Case:
    # Nothing closes: the parser leaves one flat error node of 9,000 tokens (579 s before), and
    # the token scan reads every word from a window that runs to the end of the file.
    source = "fn f() {\n" + "unsafe { (\n" * DEPTH
    parents = [None, *range(DEPTH - 1)]
    return Case(source, lambda r: _same(r, [(B, k + 2, 1, "", parents[k]) for k in range(DEPTH)]))


def _same(result: FileResult, expected: list[tuple[SiteKind, int, int, str, int | None]]) -> None:
    assert _summary(result) == expected


CASES = {
    f.__name__.lstrip("_"): f
    for f in (
        _braces,
        _nested_unsafe_blocks,
        _blocks_each_with_an_unsafe_block,
        _closures,
        _modules,
        _macro_calls,
        _flat_macro_call,
        _impls_and_fns,
        _use_lists,
        _long_path,
        _nested_calls,
        _unclosed,
    )
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sites_of_a_file_nested_3000_deep(name: str) -> None:
    case = CASES[name]()
    case.check(_extract(case.source))


def test_scan_of_the_issues_file_is_quick_and_complete(tmp_path: Path) -> None:
    crate = tmp_path / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text(_braces().source)
    started = time.perf_counter()
    ran = spawn("scan", str(crate), "--format", "json", "--no-cache", cwd=tmp_path, timeout=60)
    took = time.perf_counter() - started
    assert ran.code == 0, ran.err
    sites = json.loads(ran.out)["sites"]
    assert [(s["kind"], s["line"], s["item"]) for s in sites] == [("unsafe_block", 1, "f")]
    assert took < 30, took  # the whole CLI run, interpreter start included (262 s before)
