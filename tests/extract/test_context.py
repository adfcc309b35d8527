"""What surrounds a site: item paths, parents, pg_sys_calls, SAFETY comments and attributes."""

from __future__ import annotations

from tests.extract.cases import rust
from unsafe_audit.extract import extract_file
from unsafe_audit.model import Site, SiteKind


def _sites(source: bytes, path: str = "src/lib.rs") -> list[Site]:
    return list(extract_file(path, source).sites)


def _one(sites: list[Site], kind: SiteKind, line: int) -> Site:
    found = [s for s in sites if s.kind is kind and s.span.line == line]
    assert len(found) == 1, [(s.kind, s.span.line) for s in sites]
    return found[0]


# ------------------------------------------------------------------------------ item paths


def test_item_path_of_block_in_method_includes_module_and_impl() -> None:
    source = rust("""
        pub struct Cache;

        impl Cache {
            fn get(&self, p: *const u8) -> u8 {
                unsafe { *p }
            }
        }
    """)
    assert [(s.kind, s.item) for s in _sites(source, "src/cache.rs")] == [
        (SiteKind.UNSAFE_BLOCK, "cache::Cache::get"),
    ]


def test_item_path_of_top_level_fn_in_lib_rs_is_the_fn_name() -> None:
    source = rust("""
        fn f(p: *const u8) -> u8 {
            unsafe { *p }
        }
    """)
    assert [s.item for s in _sites(source)] == ["f"]


def test_item_path_of_unsafe_fn_includes_its_own_name() -> None:
    source = rust("""
        pub unsafe fn detoast(p: *mut u8) -> *mut u8 {
            p
        }
    """)
    assert [(s.kind, s.item) for s in _sites(source, "src/datum/mod.rs")] == [
        (SiteKind.UNSAFE_FN, "datum::detoast"),
    ]


def test_item_path_through_inline_module() -> None:
    source = rust("""
        mod inner {
            fn g(p: *const u8) -> u8 {
                unsafe { *p }
            }
        }
    """)
    assert [s.item for s in _sites(source)] == ["inner::g"]


def test_item_path_inside_macro_rules_is_macro_name_with_bang() -> None:
    source = rust("""
        macro_rules! read {
            ($p:expr) => {
                unsafe { *$p }
            };
        }
    """)
    assert [(s.kind, s.item, s.in_macro) for s in _sites(source)] == [
        (SiteKind.UNSAFE_BLOCK, "read!", True),
    ]


def test_item_path_of_block_in_macro_args_is_enclosing_fn() -> None:
    source = rust("""
        mod report {
            fn show(p: *const i32) -> String {
                format!("{}", unsafe { *p })
            }
        }
    """)
    assert [(s.item, s.in_macro) for s in _sites(source)] == [("report::show", True)]


# ------------------------------------------------------------------------------ parents


def test_pg_sys_call_in_block_has_block_as_parent_and_block_lists_calls() -> None:
    source = rust("""
        use pgrx::pg_sys;

        fn copy_ctx() {
            unsafe {
                let p = pg_sys::palloc(8);
                let _ctx = pg_sys::CurrentMemoryContext;
                pg_sys::pfree(p);
            }
        }
    """)
    sites = _sites(source)
    block = _one(sites, SiteKind.UNSAFE_BLOCK, 4)
    assert block.parent is None
    assert block.pg_sys_calls == ("palloc", "CurrentMemoryContext", "pfree")
    assert [(s.kind, s.span.line, s.parent) for s in sites if s.kind.is_pg_sys] == [
        (SiteKind.PG_SYS_CALL, 5, block.id),
        (SiteKind.PG_SYS_STATIC, 6, block.id),
        (SiteKind.PG_SYS_CALL, 7, block.id),
    ]


def test_block_in_unsafe_fn_has_fn_as_parent() -> None:
    source = rust("""
        use pgrx::pg_sys;

        unsafe fn reset() {
            pg_sys::SPI_connect();
            unsafe {
                pg_sys::SPI_finish();
            }
        }
    """)
    sites = _sites(source)
    fn = _one(sites, SiteKind.UNSAFE_FN, 3)
    block = _one(sites, SiteKind.UNSAFE_BLOCK, 5)
    assert fn.parent is None
    assert block.parent == fn.id
    assert _one(sites, SiteKind.PG_SYS_CALL, 4).parent == fn.id
    assert _one(sites, SiteKind.PG_SYS_CALL, 6).parent == block.id
    assert block.pg_sys_calls == ("SPI_finish",)
    assert fn.pg_sys_calls == ("SPI_connect", "SPI_finish")


def test_pg_sys_call_outside_any_unsafe_site_has_no_parent() -> None:
    source = rust("""
        use pgrx::pg_sys;

        fn ctx() -> usize {
            pg_sys::GetUserId().as_u32() as usize
        }
    """)
    assert [(s.kind, s.parent) for s in _sites(source)] == [(SiteKind.PG_SYS_CALL, None)]


def test_block_in_macro_args_lists_its_pg_sys_calls() -> None:
    source = rust("""
        use pgrx::prelude::*;

        fn f() {
            info!("{:?}", unsafe { pg_sys::GetUserId() });
        }
    """)
    sites = _sites(source)
    block = _one(sites, SiteKind.UNSAFE_BLOCK, 4)
    assert block.pg_sys_calls == ("GetUserId",)
    assert _one(sites, SiteKind.PG_SYS_CALL, 4).parent == block.id


# ------------------------------------------------------------------------------ safety comments


def test_safety_comment_directly_above_statement() -> None:
    source = rust("""
        fn f(p: *const i32) -> i32 {
            // SAFETY: p comes from a live palloc'd tuple.
            let v = unsafe { *p };
            v
        }
    """)
    assert [s.safety_comment for s in _sites(source)] == ["p comes from a live palloc'd tuple."]


def test_safety_comment_over_several_lines() -> None:
    source = rust("""
        fn f(p: *const i32) -> i32 {
            // SAFETY: p is valid for reads
            // because the caller holds the buffer pin.
            unsafe { *p }
        }
    """)
    assert [s.safety_comment for s in _sites(source)] == [
        "p is valid for reads\nbecause the caller holds the buffer pin."
    ]


def test_safety_comment_with_attribute_between() -> None:
    source = rust("""
        // SAFETY: Cache only holds pointers into TopMemoryContext.
        #[allow(clippy::non_send_fields_in_send_ty)]
        unsafe impl Send for Cache {}
    """)
    assert [s.safety_comment for s in _sites(source)] == [
        "Cache only holds pointers into TopMemoryContext."
    ]


def test_no_safety_comment_when_separated_by_code() -> None:
    source = rust("""
        fn f(p: *const i32) -> i32 {
            // SAFETY: this justified the line below, not the block.
            let q = p;
            unsafe { *q }
        }
    """)
    assert [s.safety_comment for s in _sites(source)] == [None]


def test_ordinary_comment_is_not_a_safety_comment() -> None:
    source = rust("""
        fn f(p: *const i32) -> i32 {
            // read the value
            unsafe { *p }
        }
    """)
    assert [s.safety_comment for s in _sites(source)] == [None]


def test_safety_doc_section_above_unsafe_fn() -> None:
    source = rust("""
        /// Reads a varlena header.
        ///
        /// # Safety
        /// `p` must point to a detoasted varlena.
        pub unsafe fn varsize(p: *const u8) -> usize {
            0
        }
    """)
    assert [s.safety_comment for s in _sites(source)] == ["`p` must point to a detoasted varlena."]


# ------------------------------------------------------------------------------ attributes


def test_pg_guard_and_extern_c_recorded_on_unsafe_fn_and_its_blocks() -> None:
    source = rust("""
        use pgrx::prelude::*;

        #[pg_guard]
        pub unsafe extern "C" fn _PG_init() {
            unsafe { pg_sys::SPI_connect() };
        }
    """)
    sites = _sites(source)
    fn = _one(sites, SiteKind.UNSAFE_FN, 4)
    block = _one(sites, SiteKind.UNSAFE_BLOCK, 5)
    assert "pg_guard" in fn.attributes
    assert 'extern "C"' in fn.attributes
    assert "pg_guard" in block.attributes
    assert 'extern "C"' in block.attributes


def test_pg_extern_recorded_on_block_in_function() -> None:
    source = rust("""
        use pgrx::prelude::*;

        #[pg_extern(immutable, parallel_safe)]
        fn add_one(p: *const i32) -> i32 {
            unsafe { *p + 1 }
        }
    """)
    assert [s.attributes for s in _sites(source)] == [("pg_extern",)]


def test_extern_c_unwind_recorded() -> None:
    source = rust("""
        #[pg_guard]
        pub unsafe extern "C-unwind" fn hook(p: *const i32) -> i32 {
            *p
        }
    """)
    sites = _sites(source)
    assert [s.attributes for s in sites] == [("pg_guard", 'extern "C-unwind"')]


def test_noise_attributes_are_left_out() -> None:
    source = rust("""
        #[inline]
        #[allow(clippy::missing_safety_doc)]
        #[doc = "raw read"]
        pub unsafe fn read(p: *const i32) -> i32 {
            *p
        }
    """)
    assert [s.attributes for s in _sites(source)] == [()]
