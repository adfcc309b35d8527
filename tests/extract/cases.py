"""Rust snippets that define what the extractor must find, Fixit-style.

Each site kind and each way of reaching pg_sys has VALID snippets (the file must produce
exactly the listed sites, all kinds included) and INVALID snippets (the file must produce no
site of that kind). ``test_site_kinds`` and ``test_pg_sys_forms`` generate one test per snippet.
A new site kind or import form arrives here with the snippets that prove it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from unsafe_audit.model import Site, SiteKind

Expected = tuple[SiteKind, int, str | None, bool]
"""(kind, line, name, in_macro) of one site; name is None for kinds that have no name."""

# The kinds whose ``name`` the contract defines; for blocks, impls and extern blocks the name is
# a label for humans, so the tests leave it out rather than freeze its wording.
NAMED_KINDS = frozenset(
    {
        SiteKind.UNSAFE_FN,
        SiteKind.UNSAFE_TRAIT,
        SiteKind.UNSAFE_ATTRIBUTE,
        SiteKind.EXTERN_FN,
        SiteKind.PG_SYS_CALL,
        SiteKind.PG_SYS_STATIC,
    }
)

B = SiteKind.UNSAFE_BLOCK
FN = SiteKind.UNSAFE_FN
IMPL = SiteKind.UNSAFE_IMPL
TRAIT = SiteKind.UNSAFE_TRAIT
UEXT = SiteKind.UNSAFE_EXTERN_BLOCK
EXT = SiteKind.EXTERN_BLOCK
EXTFN = SiteKind.EXTERN_FN
ATTR = SiteKind.UNSAFE_ATTRIBUTE
CALL = SiteKind.PG_SYS_CALL
STATIC = SiteKind.PG_SYS_STATIC


def rust(text: str) -> bytes:
    """A snippet written indented in Python, as file bytes whose line 1 is its first line."""
    return textwrap.dedent(text).lstrip("\n").encode("utf-8")


def summary(site: Site) -> Expected:
    """What a case compares for one site."""
    name = site.name if site.kind in NAMED_KINDS else None
    return (site.kind, site.span.line, name, site.in_macro)


@dataclass(frozen=True, slots=True)
class Valid:
    """A snippet and every site it must produce, in file order."""

    id: str
    source: bytes
    sites: tuple[Expected, ...]
    path: str = "src/lib.rs"


@dataclass(frozen=True, slots=True)
class Invalid:
    """A snippet that must produce no site of the kind it is listed under."""

    id: str
    source: bytes
    path: str = "src/lib.rs"


# ------------------------------------------------------------------------------ site kinds

VALID: dict[SiteKind, list[Valid]] = {
    B: [
        Valid(
            "block_in_fn",
            rust("""
                fn datum_len(p: *const u8) -> u8 {
                    unsafe { *p }
                }
            """),
            ((B, 2, None, False),),
        ),
        Valid(
            "nested_blocks",
            rust("""
                fn f(p: *mut i32) {
                    unsafe {
                        let q = unsafe { p.add(1) };
                        *q = 0;
                    }
                }
            """),
            ((B, 2, None, False), (B, 3, None, False)),
        ),
        Valid(
            "block_in_format_args",
            rust("""
                fn show(p: *const i32) -> String {
                    format!("{}", unsafe { *p })
                }
            """),
            ((B, 2, None, True),),
        ),
        Valid(
            "block_in_pgrx_error_macro",
            rust("""
                use pgrx::prelude::*;

                fn check(p: *const i32) {
                    error!(
                        "bad value {}",
                        unsafe { *p }
                    );
                }
            """),
            ((B, 6, None, True),),
        ),
        Valid(
            "block_in_assert",
            rust("""
                fn check(p: *const i32) {
                    assert!(unsafe { *p } > 0, "negative");
                }
            """),
            ((B, 2, None, True),),
        ),
        Valid(
            "block_in_nested_macros",
            rust("""
                fn names(p: *const i32) -> Vec<String> {
                    vec![
                        format!("{}", unsafe { *p }),
                    ]
                }
            """),
            ((B, 3, None, True),),
        ),
        Valid(
            "block_in_user_macro",
            rust("""
                fn run(p: *const i32) {
                    with_spi!(client, {
                        let v = unsafe { *p };
                        client.update(v);
                    });
                }
            """),
            ((B, 3, None, True),),
        ),
        Valid(
            "block_in_macro_rules",
            rust("""
                macro_rules! deref_ptr {
                    ($p:expr) => {
                        unsafe { *$p }
                    };
                }
            """),
            ((B, 3, None, True),),
        ),
        Valid(
            "block_in_macro_rules_repetition",
            rust("""
                macro_rules! free_all {
                    ($($p:expr),* $(,)?) => {
                        $(
                            unsafe { pgrx::pg_sys::pfree($p as *mut _) };
                        )*
                    };
                }
            """),
            ((B, 4, None, True), (CALL, 4, "pfree", True)),
        ),
        Valid(
            "block_in_unparseable_macro_rule",
            rust("""
                macro_rules! guarded {
                    ($name:ident => $($body:tt)+) => {
                        fn $name() { $($body)+ ; unsafe { touch() } }
                        => @ nope @ ;
                    };
                }
            """),
            ((B, 3, None, True),),
        ),
        Valid(
            "block_in_closure_and_const",
            rust("""
                static INIT: fn() = || {
                    unsafe { setup() }
                };
            """),
            ((B, 2, None, False),),
        ),
    ],
    FN: [
        Valid(
            "free_fn",
            rust("""
                pub unsafe fn read_datum(p: *const u8) -> u8 {
                    *p
                }
            """),
            ((FN, 1, "read_datum", False),),
        ),
        Valid(
            "method",
            rust("""
                struct Cache;

                impl Cache {
                    pub unsafe fn raw_get(&self) -> *mut u8 {
                        std::ptr::null_mut()
                    }
                }
            """),
            ((FN, 4, "raw_get", False),),
        ),
        Valid(
            "trait_method_declaration",
            rust("""
                trait FromDatumRaw {
                    unsafe fn from_raw(d: usize) -> Self;
                }
            """),
            ((FN, 2, "from_raw", False),),
        ),
        Valid(
            "unsafe_extern_c_definition",
            rust("""
                #[no_mangle]
                pub unsafe extern "C" fn my_hook(arg: i32) -> i32 {
                    arg
                }
            """),
            ((FN, 2, "my_hook", False),),
        ),
        Valid(
            "const_unsafe_fn",
            rust("""
                pub const unsafe fn oid_from_raw(raw: u32) -> u32 {
                    raw
                }
            """),
            ((FN, 1, "oid_from_raw", False),),
        ),
        Valid(
            "foreign_item_in_unsafe_extern_block",
            rust("""
                unsafe extern "C" {
                    pub unsafe fn strlen(s: *const u8) -> usize;
                    pub safe fn abs(x: i32) -> i32;
                }
            """),
            ((UEXT, 1, None, False), (FN, 2, "strlen", False)),
        ),
        Valid(
            "unsafe_fn_taking_fn_pointer",
            rust("""
                unsafe fn call_hook(hook: Option<unsafe extern "C" fn(i32)>) {
                    if let Some(h) = hook {
                        h(1)
                    }
                }
            """),
            ((FN, 1, "call_hook", False),),
        ),
        Valid(
            "unsafe_fn_in_macro_rules",
            rust("""
                macro_rules! raw_getter {
                    ($t:ty) => {
                        pub unsafe fn read_raw(p: *const $t) -> $t {
                            *p
                        }
                    };
                }
            """),
            ((FN, 3, "read_raw", True),),
        ),
    ],
    IMPL: [
        Valid(
            "send_impl",
            rust("""
                struct SharedState(*mut u8);

                unsafe impl Send for SharedState {}
                unsafe impl Sync for SharedState {}
            """),
            ((IMPL, 3, None, False), (IMPL, 4, None, False)),
        ),
        Valid(
            "generic_impl",
            rust("""
                unsafe impl<T: Copy> pgrx::datum::SqlTranslatable for Wrapper<T> {
                    fn argument_sql() {}
                }
            """),
            ((IMPL, 1, None, False),),
        ),
    ],
    TRAIT: [
        Valid(
            "unsafe_trait",
            rust("""
                pub unsafe trait PodDatum {
                    fn size() -> usize;
                }
            """),
            ((TRAIT, 1, "PodDatum", False),),
        ),
        Valid(
            "unsafe_trait_with_unsafe_method",
            rust("""
                unsafe trait Slot {
                    unsafe fn load(&self) -> u64;
                }
            """),
            ((TRAIT, 1, "Slot", False), (FN, 2, "load", False)),
        ),
    ],
    UEXT: [
        Valid(
            "unsafe_extern_c",
            rust("""
                unsafe extern "C" {
                    static MyCounter: i32;
                }
            """),
            ((UEXT, 1, None, False),),
        ),
        Valid(
            "unsafe_extern_c_unwind",
            rust("""
                unsafe extern "C-unwind" {
                    fn pg_hook(arg: i32);
                }
            """),
            ((UEXT, 1, None, False),),
        ),
    ],
    EXT: [
        Valid(
            "extern_c",
            rust("""
                extern "C" {
                    fn strlen(s: *const u8) -> usize;
                }
            """),
            ((EXT, 1, None, False),),
        ),
        Valid(
            "extern_without_abi",
            rust("""
                extern {
                    fn abort() -> !;
                }
            """),
            ((EXT, 1, None, False),),
        ),
        Valid(
            "extern_block_with_unsafe_fn",
            rust("""
                #[link(name = "m")]
                extern "C" {
                    pub unsafe fn cos(x: f64) -> f64;
                }
            """),
            ((EXT, 2, None, False), (FN, 3, "cos", False)),
        ),
    ],
    EXTFN: [
        Valid(
            "pg_guard_init",
            rust("""
                #[pg_guard]
                pub extern "C-unwind" fn _PG_init() {
                    GucRegistry::define_bool_guc(c"x.on", c"", c"", &ON, GucContext::Userset, 0);
                }
            """),
            ((EXTFN, 2, "_PG_init", False),),
        ),
        Valid(
            "no_mangle_export_without_abi_string",
            rust("""
                #[no_mangle]
                pub extern fn abi_version() -> u32 {
                    1
                }
            """),
            ((EXTFN, 2, "abi_version", False),),
        ),
        Valid(
            "callback_method_holding_an_unsafe_block",
            rust("""
                impl Hooks {
                    extern "C" fn on_exit(code: i32, arg: pg_sys::Datum) {
                        unsafe { pg_sys::pfree(arg.cast_mut_ptr()) }
                    }
                }
            """),
            (
                (EXTFN, 2, "on_exit", False),
                (B, 3, None, False),
                (CALL, 3, "pfree", False),
            ),
        ),
        Valid(
            "const_extern_fn_anchored_on_extern",
            rust("""
                pub const extern "C" fn magic() -> u32 { 42 }
            """),
            ((EXTFN, 1, "magic", False),),
        ),
        Valid(
            "extern_fn_in_macro_rules",
            rust("""
                macro_rules! export_hook {
                    ($body:block) => {
                        #[pg_guard]
                        pub extern "C-unwind" fn exported_hook() { $body }
                    };
                }
            """),
            ((EXTFN, 4, "exported_hook", True),),
        ),
        Valid(
            "extern_fn_in_macro_arguments",
            rust("""
                cfg_if! {
                    if #[cfg(feature = "pg17")] {
                        extern "C" fn hook17(q: *mut u8) {}
                    }
                }
            """),
            ((EXTFN, 3, "hook17", True),),
        ),
    ],
    ATTR: [
        Valid(
            "unsafe_no_mangle",
            rust("""
                #[unsafe(no_mangle)]
                pub extern "C" fn pg_finfo_hello() -> i32 {
                    1
                }
            """),
            ((ATTR, 1, "no_mangle", False), (EXTFN, 2, "pg_finfo_hello", False)),
        ),
        Valid(
            "unsafe_export_name",
            rust("""
                #[unsafe(export_name = "hello_v2")]
                pub extern "C" fn hello() {}
            """),
            ((ATTR, 1, "export_name", False), (EXTFN, 2, "hello", False)),
        ),
        Valid(
            "unsafe_in_cfg_attr",
            rust("""
                #[cfg_attr(feature = "pg17", unsafe(no_mangle))]
                pub extern "C" fn hello() {}
            """),
            ((ATTR, 1, "no_mangle", False), (EXTFN, 2, "hello", False)),
        ),
        Valid(
            "unsafe_attribute_on_unsafe_fn",
            rust("""
                #[unsafe(no_mangle)]
                pub unsafe extern "C" fn _PG_init() {}
            """),
            ((ATTR, 1, "no_mangle", False), (FN, 2, "_PG_init", False)),
        ),
    ],
}

INVALID: dict[SiteKind, list[Invalid]] = {
    B: [
        Invalid(
            "comments_and_strings",
            rust("""
                // unsafe { a }
                /* unsafe { b } */
                /// ```
                /// unsafe { doc_test() }
                /// ```
                fn f() -> &'static str {
                    let _r = r#"unsafe { raw }"#;
                    "unsafe { s }"
                }
            """),
        ),
        Invalid(
            "inner_doc_comment",
            rust("""
                //! Call `unsafe { pgrx::pg_sys::palloc(1) }` only in a memory context.
                fn f() {}
            """),
        ),
        Invalid(
            "unsafe_in_safety_comment",
            rust("""
                fn f() {
                    // SAFETY: no unsafe { } needed here
                    let _x = 1;
                }
            """),
        ),
        Invalid(
            "raw_identifier",
            rust("""
                fn f(r#unsafe: i32) -> i32 {
                    r#unsafe
                }
            """),
        ),
        Invalid(
            "string_in_macro_args",
            rust("""
                fn f() {
                    println!("unsafe {{ x }} is {}", "unsafe { y }");
                }
            """),
        ),
    ],
    FN: [
        Invalid(
            "fn_pointer_type_alias",
            rust("""
                type Hook = unsafe extern "C" fn(i32) -> i32;
            """),
        ),
        Invalid(
            "fn_pointer_in_option_field",
            rust("""
                struct Hooks {
                    prev: Option<unsafe extern "C" fn()>,
                    cb: unsafe fn(i32),
                }
            """),
        ),
        Invalid(
            "fn_pointer_parameter",
            rust("""
                fn install(hook: unsafe extern "C" fn(i32)) -> Option<unsafe fn()> {
                    let _ = hook;
                    None
                }
            """),
        ),
        Invalid(
            "fn_pointer_static",
            rust("""
                static mut PREV_HOOK: Option<unsafe extern "C-unwind" fn(*mut u8)> = None;
            """),
        ),
        Invalid(
            "extern_c_fn_without_unsafe",
            rust("""
                #[no_mangle]
                pub extern "C" fn hello() {}
            """),
        ),
        Invalid(
            "unsafe_fn_in_doc_comment",
            rust("""
                /// Do not write `unsafe fn helper()` here.
                fn helper() {}
            """),
        ),
    ],
    IMPL: [
        Invalid(
            "plain_impl",
            rust("""
                struct S;
                impl Send2 for S {}
                impl S {}
            """),
        ),
    ],
    TRAIT: [
        Invalid(
            "plain_trait",
            rust("""
                trait Datumish {
                    unsafe fn raw(&self);
                }
            """),
        ),
    ],
    UEXT: [
        Invalid(
            "extern_without_unsafe",
            rust("""
                extern "C" {
                    fn f();
                }
            """),
        ),
        Invalid(
            "unsafe_extern_fn",
            rust("""
                pub unsafe extern "C" fn f() {}
            """),
        ),
    ],
    EXT: [
        Invalid(
            "extern_crate",
            rust("""
                extern crate alloc;
                extern crate pgrx as px;
            """),
        ),
        Invalid(
            "extern_fn_definition",
            rust("""
                pub extern "C" fn f() {}
                type H = extern "C" fn();
            """),
        ),
        Invalid(
            "unsafe_extern_block",
            rust("""
                unsafe extern "C" {
                    fn f();
                }
            """),
        ),
    ],
    EXTFN: [
        Invalid(
            "unsafe_extern_fn_is_an_unsafe_fn_only",
            rust("""
                #[pg_guard]
                pub unsafe extern "C-unwind" fn hook(q: *mut u8) {}
            """),
        ),
        Invalid(
            "declarations_and_pointer_types",
            rust("""
                extern "C" {
                    fn getpid() -> i32;
                }
                trait Callback {
                    extern "C" fn call(arg: i32);
                }
                type Hook = Option<extern "C" fn(i32)>;
                static mut PREV: Option<extern "C-unwind" fn()> = None;
                fn install(h: extern "C" fn()) {}
            """),
        ),
        Invalid(
            "rust_abi_and_plain_fns",
            rust("""
                extern "Rust" fn plain() {}
                #[pg_extern]
                fn hello() -> &'static str { "extern \"C\" fn x() {}" }
                // extern "C" fn in_comment() {}
                extern crate alloc;
            """),
        ),
    ],
    ATTR: [
        Invalid(
            "safe_attributes",
            rust("""
                #[no_mangle]
                #[export_name = "x"]
                #[cfg_attr(feature = "f", no_mangle)]
                #[doc = "unsafe(no_mangle)"]
                pub extern "C" fn f() {}
            """),
        ),
        Invalid(
            "unsafe_block_call_in_attribute_position",
            rust("""
                fn f() {
                    let _x = unsafe { g() };
                }
            """),
        ),
    ],
}

# ------------------------------------------------------------------------------ pg_sys forms

PG_VALID: dict[str, list[Valid]] = {
    "qualified": [
        Valid(
            "pg_sys_path",
            rust("""
                use pgrx::pg_sys;

                fn alloc() -> *mut std::ffi::c_void {
                    unsafe { pg_sys::palloc(16) }
                }
            """),
            ((B, 4, None, False), (CALL, 4, "palloc", False)),
        ),
        Valid(
            "pgrx_pg_sys_path",
            rust("""
                fn user() -> u32 {
                    unsafe { pgrx::pg_sys::GetUserId() }
                }
            """),
            ((B, 2, None, False), (CALL, 2, "GetUserId", False)),
        ),
        Valid(
            "absolute_path",
            rust("""
                fn user() -> u32 {
                    unsafe { ::pgrx::pg_sys::GetUserId() }
                }
            """),
            ((B, 2, None, False), (CALL, 2, "GetUserId", False)),
        ),
        Valid(
            "crate_pg_sys_path",
            rust("""
                fn connect() {
                    unsafe {
                        crate::pg_sys::SPI_connect();
                    }
                }
            """),
            ((B, 2, None, False), (CALL, 3, "SPI_connect", False)),
        ),
        Valid(
            "turbofish",
            rust("""
                use pgrx::pg_sys;

                fn f() {
                    unsafe { pg_sys::palloc0::<u8>(8) };
                }
            """),
            ((B, 4, None, False), (CALL, 4, "palloc0", False)),
        ),
        Valid(
            "multiline_call",
            rust("""
                use pgrx::pg_sys;

                unsafe fn f(p: *mut u8) {
                    pg_sys::pfree(
                        p.cast(),
                    );
                }
            """),
            ((FN, 3, "f", False), (CALL, 4, "pfree", False)),
        ),
    ],
    "prelude": [
        Valid(
            "prelude_brings_pg_sys",
            rust("""
                use pgrx::prelude::*;

                #[pg_extern]
                fn my_db() -> i64 {
                    unsafe { pg_sys::GetUserId().as_u32() as i64 }
                }
            """),
            ((B, 5, None, False), (CALL, 5, "GetUserId", False)),
        ),
    ],
    "named_import": [
        Valid(
            "named_and_renamed",
            rust("""
                use pgrx::pg_sys::{palloc, pfree as release};

                unsafe fn roundtrip() {
                    let p = palloc(8);
                    release(p);
                }
            """),
            ((FN, 3, "roundtrip", False), (CALL, 4, "palloc", False), (CALL, 5, "pfree", False)),
        ),
        Valid(
            "single_named",
            rust("""
                use pgrx::pg_sys::SPI_finish;

                fn done() {
                    unsafe { SPI_finish() };
                }
            """),
            ((B, 4, None, False), (CALL, 4, "SPI_finish", False)),
        ),
        Valid(
            "named_turbofish",
            rust("""
                use pgrx::pg_sys::palloc0;

                fn zeroed() -> *mut u8 {
                    unsafe { palloc0::<u8>(8) }
                }
            """),
            ((B, 4, None, False), (CALL, 4, "palloc0", False)),
        ),
    ],
    "glob_import": [
        Valid(
            "glob_then_bare",
            rust("""
                use pgrx::pg_sys::*;

                fn f() {
                    unsafe {
                        SPI_connect();
                        let p = palloc(4);
                        pfree(p);
                    }
                }
            """),
            (
                (B, 4, None, False),
                (CALL, 5, "SPI_connect", False),
                (CALL, 6, "palloc", False),
                (CALL, 7, "pfree", False),
            ),
        ),
        Valid(
            "glob_with_local_fn_shadowing",
            rust("""
                use pgrx::pg_sys::*;

                fn palloc(n: usize) -> Vec<u8> {
                    vec![0; n]
                }

                fn f() {
                    let _buf = palloc(4);
                    unsafe { pfree(std::ptr::null_mut()) };
                }
            """),
            ((B, 9, None, False), (CALL, 9, "pfree", False)),
        ),
    ],
    "alias": [
        Valid(
            "module_alias",
            rust("""
                use pgrx::pg_sys as sys;

                fn f() {
                    unsafe { sys::SPI_connect() };
                }
            """),
            ((B, 4, None, False), (CALL, 4, "SPI_connect", False)),
        ),
    ],
    "scoped_import": [
        Valid(
            "import_inside_fn",
            rust("""
                fn inside() {
                    use pgrx::pg_sys::palloc;
                    unsafe { palloc(1) };
                }

                fn outside() {
                    palloc(1);
                }
            """),
            ((B, 3, None, False), (CALL, 3, "palloc", False)),
        ),
        Valid(
            "glob_inside_block",
            rust("""
                fn f() {
                    {
                        use pgrx::pg_sys::*;
                        unsafe { pfree(std::ptr::null_mut()) };
                    }
                    pfree(std::ptr::null_mut());
                }
            """),
            ((B, 4, None, False), (CALL, 4, "pfree", False)),
        ),
    ],
    "macro_args": [
        Valid(
            "call_in_format",
            rust("""
                use pgrx::prelude::*;

                fn f() {
                    notice!("user {}", unsafe { pg_sys::GetUserId() }.as_u32());
                }
            """),
            ((B, 4, None, True), (CALL, 4, "GetUserId", True)),
        ),
        Valid(
            "call_in_macro_rules",
            rust("""
                macro_rules! switch_to {
                    ($ctx:expr) => {
                        pgrx::pg_sys::MemoryContextSwitchTo($ctx)
                    };
                }
            """),
            ((CALL, 3, "MemoryContextSwitchTo", True),),
        ),
        Valid(
            "glob_static_in_log_macro",
            rust("""
                use pgrx::pg_sys::*;
                use pgrx::prelude::*;

                fn log_db() {
                    info!("database {:?}", unsafe { MyDatabaseId });
                }
            """),
            ((B, 5, None, True), (STATIC, 5, "MyDatabaseId", True)),
        ),
    ],
    "statics": [
        Valid(
            "qualified_read_and_write",
            rust("""
                use pgrx::pg_sys;

                unsafe fn switch() {
                    let old = pg_sys::CurrentMemoryContext;
                    pg_sys::CurrentMemoryContext = pg_sys::TopMemoryContext;
                    let _ = (old, pg_sys::MyDatabaseId);
                }
            """),
            (
                (FN, 3, "switch", False),
                (STATIC, 4, "CurrentMemoryContext", False),
                (STATIC, 5, "CurrentMemoryContext", False),
                (STATIC, 5, "TopMemoryContext", False),
                (STATIC, 6, "MyDatabaseId", False),
            ),
        ),
        Valid(
            "alias_static",
            rust("""
                use pgrx::pg_sys as sys;

                fn ctx() -> usize {
                    unsafe { sys::CurrentMemoryContext as usize }
                }
            """),
            ((B, 4, None, False), (STATIC, 4, "CurrentMemoryContext", False)),
        ),
        Valid(
            "named_static",
            rust("""
                use pgrx::pg_sys::{CurrentMemoryContext};

                fn ctx() -> usize {
                    unsafe { CurrentMemoryContext as usize }
                }
            """),
            ((B, 4, None, False), (STATIC, 4, "CurrentMemoryContext", False)),
        ),
        Valid(
            "glob_static",
            rust("""
                use pgrx::pg_sys::*;

                fn db() -> u32 {
                    unsafe { MyDatabaseId.as_u32() }
                }
            """),
            ((B, 4, None, False), (STATIC, 4, "MyDatabaseId", False)),
        ),
    ],
}

PG_INVALID: dict[str, list[Invalid]] = {
    "qualified": [
        Invalid(
            "use_lines_types_constants",
            rust("""
                use pgrx::pg_sys;
                use pgrx::pg_sys::{palloc, Datum};

                fn f(d: pg_sys::Datum) -> pg_sys::Oid {
                    let _level = pg_sys::WARNING;
                    let _null = pg_sys::InvalidOid;
                    pg_sys::Oid::from(d.value() as u32)
                }
            """),
        ),
        Invalid(
            "fn_reference_without_call",
            rust("""
                use pgrx::pg_sys;

                fn hook() -> unsafe extern "C" fn(usize) -> *mut std::ffi::c_void {
                    pg_sys::palloc
                }
            """),
        ),
        Invalid(
            "method_calls_with_pg_sys_names",
            rust("""
                fn f(spi: &mut Client) {
                    spi.palloc(3);
                    spi.SPI_connect();
                }
            """),
        ),
        Invalid(
            "other_module_with_same_fn_name",
            rust("""
                mod mem {
                    pub fn palloc(n: usize) -> Vec<u8> { vec![0; n] }
                }

                fn f() {
                    let _v = mem::palloc(3);
                }
            """),
        ),
        Invalid(
            "pg_sys_in_comments_and_strings",
            rust("""
                // pg_sys::palloc(8)
                fn f() -> &'static str {
                    "pg_sys::palloc(8); pg_sys::CurrentMemoryContext"
                }
            """),
        ),
    ],
    "glob_import": [
        Invalid(
            "no_import_bare_names",
            rust("""
                fn f() {
                    palloc(3);
                    let _ = CurrentMemoryContext;
                }
            """),
        ),
        Invalid(
            "glob_non_pg_sys_names",
            rust("""
                use pgrx::pg_sys::*;

                fn f() -> i32 {
                    my_helper(3)
                }
            """),
        ),
        Invalid(
            "glob_local_fn_shadows",
            rust("""
                use pgrx::pg_sys::*;

                fn GetUserId() -> u32 {
                    7
                }

                fn f() -> u32 {
                    GetUserId()
                }
            """),
        ),
    ],
    "scoped_import": [
        Invalid(
            "import_in_other_fn",
            rust("""
                fn a() {
                    use pgrx::pg_sys::SPI_connect;
                }

                fn b() {
                    SPI_connect();
                }
            """),
        ),
    ],
    "non_pgrx_import": [
        Invalid(
            "other_crate_named_pg_sys",
            rust("""
                use other::sys as pg;

                fn f() {
                    pg::palloc(3);
                }
            """),
        ),
    ],
}
