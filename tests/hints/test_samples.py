"""All rules on the bundled sample releases: the exact hints, checked by reading the code."""

from __future__ import annotations

from pathlib import Path

from unsafe_audit.extract import extract_file
from unsafe_audit.hints.registry import (
    ALL_RULES,
    ScanHints,
    hints_for,
    hints_for_scan,
    hints_of_file,
    scoped_hints,
)
from unsafe_audit.model import Site
from unsafe_audit.samples import sample_dir
from unsafe_audit.source import Snapshot


def _scan(tree: Path) -> tuple[list[Site], dict[str, bytes]]:
    files = {str(f.relative_to(tree)): f.read_bytes() for f in sorted(tree.rglob("*.rs"))}
    sites = [s for path, data in files.items() for s in extract_file(path, data).sites]
    return sites, files


def _locations(result: ScanHints) -> set[tuple[str, str, int]]:
    every = [h for hs in result.by_site.values() for h in hs] + result.unattached
    return {(h.hint_id, h.path, h.line) for h in every}


PG_CACHE_V020 = {
    # context.rs
    ("safety-comment-missing", "src/context.rs", 19),  # unsafe impl Sync: the SAFETY is on Send
    ("long-lived-static", "src/context.rs", 21),  # OnceLock<CacheContext(pg_sys::MemoryContext)>
    ("safety-comment-missing", "src/context.rs", 48),
    ("context-switch-back", "src/context.rs", 54),  # `return None` on 56 skips the switch back
    ("safety-comment-missing", "src/context.rs", 54),  # and the blocks on 60 and 61: one a fn
    ("context-reset", "src/context.rs", 78),  # MemoryContextDelete(scratch)
    ("safety-comment-missing", "src/context.rs", 78),
    ("context-reset", "src/context.rs", 85),  # MemoryContextReset(ctx.0)
    ("safety-comment-missing", "src/context.rs", 85),
    ("context-switch-back", "src/context.rs", 95),  # CurrentMemoryContext = ctx, never restored
    # lib.rs
    ("safety-comment-missing", "src/lib.rs", 17),  # extern "C" { fn getpid() }
    ("safety-comment-missing", "src/lib.rs", 60),
    ("raw-error-calls", "src/lib.rs", 61),  # errstart
    ("raw-error-calls", "src/lib.rs", 62),  # errmsg_internal
    ("raw-error-calls", "src/lib.rs", 63),  # errfinish
    ("safety-comment-missing", "src/lib.rs", 75),  # unsafe inside error!(..)
    ("safety-comment-missing", "src/lib.rs", 85),
    ("safety-comment-missing", "src/lib.rs", 92),
    ("pg-guard-missing", "src/lib.rs", 101),  # #[no_mangle] extern "C" fn pg_cache_abi_version
    # loader.rs
    ("safety-comment-missing", "src/loader.rs", 29),
    # store.rs
    ("safety-comment-missing", "src/store.rs", 38),  # unsafe impl FixedWidth for i64
    ("safety-comment-missing", "src/store.rs", 91),
    ("safety-comment-missing", "src/store.rs", 102),
}


def test_pg_cache_v0_2_0_hints_are_exactly_the_ones_read_from_the_code() -> None:
    tree = sample_dir("pg_cache") / "releases" / "v0.2.0"
    sites, files = _scan(tree)
    assert _locations(hints_for_scan(sites, Snapshot(files))) == PG_CACHE_V020


def test_pg_cache_v0_2_0_hints_attach_to_the_sites_they_are_about() -> None:
    tree = sample_dir("pg_cache") / "releases" / "v0.2.0"
    sites, files = _scan(tree)
    result = hints_for_scan(sites, Snapshot(files))
    by_id = {s.id: s for s in sites}
    attached = {
        (h.hint_id, by_id[sid].kind.value, by_id[sid].line)
        for sid, hs in result.by_site.items()
        for h in hs
    }
    # The static's hint goes with the unsafe impls that let CacheContext into a static.
    assert ("long-lived-static", "unsafe_impl", 18) in attached
    assert ("long-lived-static", "unsafe_impl", 19) in attached
    # Each raw error call's hint goes with its own pg_sys_call site.
    assert {(k, line) for h, k, line in attached if h == "raw-error-calls"} == {
        ("pg_sys_call", 61),
        ("pg_sys_call", 62),
        ("pg_sys_call", 63),
    }
    # pg_cache_abi_version holds no unsafe, but is an extern fn site: its hint goes there.
    assert {(k, line) for h, k, line in attached if h == "pg-guard-missing"} == {("extern_fn", 101)}
    assert result.unattached == []


def test_pg_hooks_0_2_0_unguarded_hook_and_unchecked_tuptable() -> None:
    tree = sample_dir("pg_hooks") / "releases" / "0.2.0"
    sites, files = _scan(tree)
    found = _locations(hints_for_scan(sites, Snapshot(files)))
    others = {loc for loc in found if loc[0] != "safety-comment-missing"}
    assert others == {
        # `pg_hooks_executor_end` is unsafe extern "C-unwind" without #[pg_guard].
        ("pg-guard-missing", "src/executor.rs", 41),
        # `table = pg_sys::SPI_tuptable` is dereferenced with no is_null() test.
        ("raw-deref-no-null-check", "src/bgworker.rs", 43),
        # The previous hooks are C function pointers, called outside pg_guard_ffi_boundary.
        ("fn-pointer-unguarded", "src/executor.rs", 35),
        ("fn-pointer-unguarded", "src/executor.rs", 44),
        ("fn-pointer-unguarded", "src/planner.rs", 19),
    }


def test_hints_for_scan_reads_each_file_once_and_orders_hints_per_site() -> None:
    tree = sample_dir("pg_cache") / "releases" / "v0.2.0"
    sites, files = _scan(tree)
    reads: list[str] = []

    def read(path: str) -> bytes:
        reads.append(path)
        return files[path]

    result = hints_for_scan(sites, Snapshot(reader=read))
    assert reads == sorted(files)
    for hints in result.by_site.values():
        keys = [(h.rank, h.line, h.hint_id) for h in hints]
        assert keys == sorted(keys)


def test_hints_for_one_file_matches_the_scan() -> None:
    tree = sample_dir("pg_cache") / "releases" / "v0.2.0"
    sites, files = _scan(tree)
    path = "src/context.rs"
    one = hints_for(path, files[path], sites, ALL_RULES)
    assert {(h.hint_id, h.path, h.line) for h in one.all()} == {
        loc for loc in PG_CACHE_V020 if loc[1] == path
    }
    switch = [h for h in one.all() if h.hint_id == "context-switch-back" and h.line == 54]
    assert switch[0].evidence == (
        "let previous = unsafe { pg_sys::MemoryContextSwitchTo(cache_context()) };"
    )
    assert "line 56" in switch[0].message


def test_hints_cached_per_file_and_scoped_are_the_hints_of_the_scan() -> None:
    tree = sample_dir("pg_cache") / "releases" / "v0.2.0"
    sites, files = _scan(tree)
    cached = {
        p: hints_of_file(p, data, [s for s in sites if s.path == p]) for p, data in files.items()
    }
    assert scoped_hints(cached, sites) == hints_for_scan(sites, Snapshot(files))


def test_scoped_hints_leave_out_the_hints_of_sites_out_of_scope() -> None:
    tree = sample_dir("pg_cache") / "releases" / "v0.2.0"
    sites, files = _scan(tree)
    cached = {
        p: hints_of_file(p, data, [s for s in sites if s.path == p]) for p, data in files.items()
    }
    # The unsafe block of the first context-switch-back hint is signed off: out of scope.
    switch = next(h for h in cached["src/context.rs"] if h.hint_id == "context-switch-back")
    scope = [s for s in sites if s.id != switch.site_id]
    scoped = scoped_hints(cached, scope)
    assert switch.site_id is not None and switch.site_id not in scoped.by_site
    assert _locations(scoped) == _locations(scoped_hints(cached, sites)) - {
        (h.hint_id, h.path, h.line) for h in cached["src/context.rs"] if h.site_id == switch.site_id
    }
