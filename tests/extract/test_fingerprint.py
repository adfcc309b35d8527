"""Site ids: blind to layout, comments and line moves; sensitive to any token inside the site."""

from __future__ import annotations

from tests.extract.cases import rust
from unsafe_audit.extract import extract_file
from unsafe_audit.model import Site, SiteKind

Key = tuple[SiteKind, str | None]

BASE = rust("""
    use pgrx::prelude::*;
    use pgrx::pg_sys;

    pub struct TupleCache {
        ctx: pg_sys::MemoryContext,
    }

    impl TupleCache {
        #[pg_guard]
        pub unsafe extern "C" fn reset(&mut self) {
            pg_sys::MemoryContextReset(self.ctx);
        }

        pub fn copy(&self, len: usize) -> *mut u8 {
            let buf = unsafe {
                let old = pg_sys::MemoryContextSwitchTo(self.ctx);
                let p = pg_sys::palloc(len, 16);
                pg_sys::MemoryContextSwitchTo(old);
                p
            };
            buf.cast()
        }
    }

    #[pg_extern]
    fn cache_user() -> i64 {
        let id = unsafe { pg_sys::GetUserId() };
        id.as_u32() as i64
    }
""")

REFORMATTED = rust("""
    use pgrx::prelude::*;
    use pgrx::pg_sys;

    pub struct TupleCache { ctx: pg_sys::MemoryContext }

    impl TupleCache {
            #[pg_guard]
            pub unsafe extern "C" fn reset(&mut self) { pg_sys::MemoryContextReset(self.ctx); }

            pub fn copy(&self, len: usize) -> *mut u8 {
                let buf = unsafe { let old = pg_sys::MemoryContextSwitchTo(self.ctx);
                    let p = pg_sys::palloc(
                        len,
                        16,
                    );
                    pg_sys::MemoryContextSwitchTo(old); p };
                buf.cast()
            }
    }

    #[pg_extern]
    fn cache_user() -> i64 {
        let id = unsafe {
            pg_sys::GetUserId()
        };
        id.as_u32() as i64
    }
""")


def _sites(source: bytes) -> list[Site]:
    return list(extract_file("src/cache.rs", source).sites)


def _ids(source: bytes) -> list[tuple[SiteKind, str | None, str]]:
    return [(s.kind, s.name, s.id) for s in _sites(source)]


def _variant(old: str, new: str, count: int = 1) -> bytes:
    text = BASE.decode()
    assert text.count(old) == count, old
    return text.replace(old, new).encode()


def _id_of(source: bytes, kind: SiteKind, line: int) -> str:
    found = [s.id for s in _sites(source) if s.kind is kind and s.span.line == line]
    assert len(found) == 1
    return found[0]


def test_base_snippet_sites() -> None:
    assert [(s.kind, s.span.line, s.name) for s in _sites(BASE)] == [
        (SiteKind.UNSAFE_FN, 10, "reset"),
        (SiteKind.PG_SYS_CALL, 11, "MemoryContextReset"),
        (SiteKind.UNSAFE_BLOCK, 15, None),
        (SiteKind.PG_SYS_CALL, 16, "MemoryContextSwitchTo"),
        (SiteKind.PG_SYS_CALL, 17, "palloc"),
        (SiteKind.PG_SYS_CALL, 18, "MemoryContextSwitchTo"),
        (SiteKind.UNSAFE_BLOCK, 27, None),
        (SiteKind.PG_SYS_CALL, 27, "GetUserId"),
    ]


def test_ids_are_distinct() -> None:
    ids = [s.id for s in _sites(BASE)]
    assert len(set(ids)) == len(ids)


def test_ids_are_sixteen_hex_digits() -> None:
    assert all(len(s.id) == 16 and int(s.id, 16) >= 0 for s in _sites(BASE))


def test_reformatting_and_trailing_commas_keep_ids() -> None:
    assert sorted(_ids(REFORMATTED)) == sorted(_ids(BASE))


def test_comments_keep_ids() -> None:
    variant = _variant(
        "            let old = pg_sys::MemoryContextSwitchTo(self.ctx);\n",
        "            // SAFETY: ctx lives as long as the cache.\n"
        "            let old = pg_sys::MemoryContextSwitchTo(/* the cache's */ self.ctx);\n",
    )
    assert _ids(variant) == _ids(BASE)


def test_blank_lines_and_code_above_keep_ids() -> None:
    variant = b"\n\n\n// Tuple cache for the extension.\nconst VERSION: u32 = 3;\n\n" + BASE
    assert _ids(variant) == _ids(BASE)
    assert [s.span.line for s in _sites(variant)] == [s.span.line + 6 for s in _sites(BASE)]


def test_moving_a_fn_down_keeps_ids() -> None:
    text = BASE.decode()
    head, sep, user_fn = text.partition("#[pg_extern]\n")
    moved = (sep + user_fn + "\n" + head).encode()
    assert sorted(_ids(moved)) == sorted(_ids(BASE))


def test_reindenting_keeps_ids() -> None:
    text = BASE.decode()
    reindented = "\n".join(("\t" + line) if line else line for line in text.split("\n"))
    assert _ids(reindented.encode()) == _ids(BASE)


def test_changed_literal_changes_only_the_sites_containing_it() -> None:
    variant = _variant("pg_sys::palloc(len, 16)", "pg_sys::palloc(len, 32)")
    before, after = _sites(BASE), _sites(variant)
    changed = [(b.kind, b.span.line) for b, a in zip(before, after, strict=True) if b.id != a.id]
    assert changed == [(SiteKind.UNSAFE_BLOCK, 15), (SiteKind.PG_SYS_CALL, 17)]


def test_renamed_variable_inside_site_changes_its_id() -> None:
    variant = _variant("let p = pg_sys::palloc(len, 16);", "let q = pg_sys::palloc(len, 16);")
    variant = variant.replace(b"            p\n        };", b"            q\n        };")
    before, after = _sites(BASE), _sites(variant)
    changed = [(b.kind, b.span.line) for b, a in zip(before, after, strict=True) if b.id != a.id]
    assert changed == [(SiteKind.UNSAFE_BLOCK, 15)]


def test_renamed_variable_outside_site_keeps_ids() -> None:
    variant = _variant("    id.as_u32() as i64\n", "    uid.as_u32() as i64\n")
    variant = variant.replace(b"let id = unsafe", b"let uid = unsafe")
    assert _ids(variant) == _ids(BASE)


def test_identical_sites_in_one_fn_get_distinct_ids() -> None:
    source = rust("""
        use pgrx::pg_sys;

        fn twice() {
            unsafe { pg_sys::SPI_connect() };
            unsafe { pg_sys::SPI_connect() };
        }
    """)
    sites = _sites(source)
    blocks = [s for s in sites if s.kind is SiteKind.UNSAFE_BLOCK]
    calls = [s for s in sites if s.kind is SiteKind.PG_SYS_CALL]
    assert len(blocks) == 2 and len(calls) == 2
    assert blocks[0].id != blocks[1].id
    assert calls[0].id != calls[1].id
    assert blocks[0].token_hash == blocks[1].token_hash


def test_same_site_in_two_fns_differs_in_id_but_not_token_hash() -> None:
    source = rust("""
        use pgrx::pg_sys;

        fn first() {
            unsafe { pg_sys::SPI_connect() };
        }

        fn second() {
            unsafe { pg_sys::SPI_connect() };
        }
    """)
    blocks = [s for s in _sites(source) if s.kind is SiteKind.UNSAFE_BLOCK]
    assert [b.item for b in blocks] == ["cache::first", "cache::second"]
    assert blocks[0].id != blocks[1].id
    assert blocks[0].token_hash == blocks[1].token_hash


def test_duplicate_removed_above_keeps_second_occurrence_distinct_from_first() -> None:
    one = rust("""
        fn f(p: *const u8) {
            unsafe { *p };
        }
    """)
    two = rust("""
        fn f(p: *const u8) {
            unsafe { *p };
            unsafe { *p };
        }
    """)
    first_alone = _id_of(one, SiteKind.UNSAFE_BLOCK, 2)
    assert _id_of(two, SiteKind.UNSAFE_BLOCK, 2) == first_alone
    assert _id_of(two, SiteKind.UNSAFE_BLOCK, 3) != first_alone


HOOK = rust("""
    #[pg_guard]
    #[no_mangle]
    pub extern "C-unwind" fn _PG_init() {
        let on = GucSetting::<bool>::new(true);
        register(&on, 1);
    }
""")


def _extern_fn_id(source: bytes) -> str:
    [site] = [s for s in _sites(source) if s.kind is SiteKind.EXTERN_FN]
    return site.id


def test_an_extern_fn_keeps_its_id_through_layout_comments_attributes_and_moves() -> None:
    reformatted = rust("""
        // The extension's entry point.
        #[pg_guard]
        #[unsafe(no_mangle)]
        pub extern "C-unwind" fn _PG_init() { let on = GucSetting::<bool>::new(true); register(
            &on,
            1, // the first
        ); }
    """)
    moved = b"const VERSION: u32 = 3;\n\nfn helper() {}\n\n" + HOOK
    assert _extern_fn_id(reformatted) == _extern_fn_id(HOOK)
    assert _extern_fn_id(moved) == _extern_fn_id(HOOK)


def test_an_extern_fn_body_or_abi_change_changes_its_id() -> None:
    text = HOOK.decode()
    edited = text.replace("register(&on, 1)", "register(&on, 2)").encode()
    abi = text.replace('"C-unwind"', '"C"').encode()
    ids = {_extern_fn_id(HOOK), _extern_fn_id(edited), _extern_fn_id(abi)}
    assert len(ids) == 3
