"""Classifying base and head sites (pure): every status, and the cases that must not be changed."""

from __future__ import annotations

import pytest

from unsafe_audit.diff import Delta, SiteDelta, Status, classify
from unsafe_audit.extract import extract_file
from unsafe_audit.source import Snapshot

Files = dict[str, str]
Row = tuple[str, str, str, int]


def _classify(base: Files, head: Files) -> Delta:
    base_files = [extract_file(p, t.encode()) for p, t in base.items()]
    head_files = [extract_file(p, t.encode()) for p, t in head.items()]
    return classify(base_files, head_files)


def _row(d: SiteDelta) -> Row:
    s = d.site
    return (d.status.value, s.kind.value, s.path, s.span.line)


def rows(base: Files, head: Files) -> list[Row]:
    """(status, kind, path, line) per site; the line is head's, or base's for removed sites."""
    return [_row(d) for d in _classify(base, head).sites]


LIB = "src/lib.rs"
PG = "use pgrx::pg_sys;\n"
SAFE_FN = PG + "pub fn alloc() -> *mut u8 {\n    let n = 8;\n    unsafe { pg_sys::palloc(n) }\n}\n"


def test_every_status_needs_review_or_not() -> None:
    for status in Status:
        expected = status in (Status.NEW, Status.CHANGED)
        assert status.needs_review is expected, status


def test_a_revision_against_itself_is_all_unchanged() -> None:
    files = {LIB: SAFE_FN, "src/ffi.rs": 'extern "C" { fn f(); }\n'}
    assert rows(files, files) == [
        ("unchanged", "extern_block", "src/ffi.rs", 1),
        ("unchanged", "unsafe_block", LIB, 4),
        ("unchanged", "pg_sys_call", LIB, 4),
    ]


def test_added_site_is_new() -> None:
    base = {LIB: PG + "pub fn alloc() -> *mut u8 {\n    std::ptr::null_mut()\n}\n"}
    assert rows(base, {LIB: SAFE_FN}) == [
        ("new", "unsafe_block", LIB, 4),
        ("new", "pg_sys_call", LIB, 4),
    ]


def test_deleted_site_is_removed_with_its_base_location() -> None:
    head = {LIB: PG + "pub fn alloc() -> *mut u8 {\n    std::ptr::null_mut()\n}\n"}
    delta = _classify({LIB: SAFE_FN}, head)
    assert [_row(d) for d in delta.sites] == [
        ("removed", "unsafe_block", LIB, 4),
        ("removed", "pg_sys_call", LIB, 4),
    ]
    assert all(d.head is None and d.base is not None for d in delta.sites)


def test_edit_inside_a_site_is_changed_and_keeps_both_versions() -> None:
    head = {LIB: SAFE_FN.replace("palloc(n)", "palloc0(n)")}
    delta = _classify({LIB: SAFE_FN}, head)
    # Another pg_sys function is another site: palloc0 is new, palloc removed.
    assert [_row(d) for d in delta.sites] == [
        ("new", "pg_sys_call", LIB, 4),
        ("changed", "unsafe_block", LIB, 4),
        ("removed", "pg_sys_call", LIB, 4),
    ]
    changed = delta.with_status(Status.CHANGED)[0]
    base_files = Snapshot({LIB: SAFE_FN.encode()})
    head_files = Snapshot({path: text.encode() for path, text in head.items()})
    assert changed.base is not None and changed.head is not None
    assert (base_files.code(changed.base), head_files.code(changed.head)) == (
        "unsafe { pg_sys::palloc(n) }",
        "unsafe { pg_sys::palloc0(n) }",
    )
    assert (
        base_files.code(changed.base, whole_lines=True),
        head_files.code(changed.head, whole_lines=True),
    ) == ("    unsafe { pg_sys::palloc(n) }", "    unsafe { pg_sys::palloc0(n) }")


def test_changed_argument_of_a_pg_sys_call_is_changed() -> None:
    base = {LIB: PG + "fn f() { unsafe { pg_sys::palloc(8); } }\n"}
    head = {LIB: PG + "fn f() { unsafe { pg_sys::palloc(16); } }\n"}
    assert rows(base, head) == [
        ("changed", "unsafe_block", LIB, 2),
        ("changed", "pg_sys_call", LIB, 2),
    ]


def test_a_call_that_now_goes_to_another_pg_sys_function_is_a_new_call() -> None:
    # pgrx 0.12.6 did this: pg_sys::pgrx_list_nth -> pg_sys::list_nth. The block around it is
    # the same site with other tokens; the call is to a function with another contract.
    before = (
        PG + "pub fn head(l: *mut pg_sys::List) {\n    unsafe { pg_sys::pgrx_list_nth(l, 0) };\n}\n"
    )
    after = before.replace("pgrx_list_nth", "list_nth")
    assert rows({LIB: before}, {LIB: after}) == [
        ("new", "pg_sys_call", LIB, 3),
        ("changed", "unsafe_block", LIB, 3),
        ("removed", "pg_sys_call", LIB, 3),
    ]


def test_edit_next_to_a_site_leaves_it_unchanged() -> None:
    head = {LIB: SAFE_FN.replace("let n = 8;", "let n = 16; // bigger")}
    assert rows({LIB: SAFE_FN}, head) == [
        ("unchanged", "unsafe_block", LIB, 4),
        ("unchanged", "pg_sys_call", LIB, 4),
    ]


def test_edit_inside_an_unsafe_fn_changes_the_fn_but_not_its_untouched_block() -> None:
    base = {LIB: "pub unsafe fn f(p: *const u8) -> u8 {\n    let a = 1;\n    unsafe { *p }\n}\n"}
    head = {LIB: base[LIB].replace("let a = 1;", "let a = 2;")}
    assert rows(base, head) == [
        ("changed", "unsafe_fn", LIB, 1),
        ("unchanged", "unsafe_block", LIB, 3),
    ]


def test_reformatting_comments_and_shifted_lines_never_change_a_site() -> None:
    base = {
        LIB: PG
        + "pub fn alloc(n: usize, zero: bool) -> *mut u8 {\n"
        + "    unsafe { if zero { pg_sys::palloc0(n) } else { pg_sys::palloc(n,) } }\n"
        + "}\n"
    }
    head = {
        LIB: "//! A crate comment that shifts everything down.\n\n"
        + PG
        + "\n/// Allocates.\npub fn alloc(\n    n: usize,\n    zero: bool,\n) -> *mut u8 {\n"
        + "    // SAFETY: palloc never returns null.\n"
        + "    unsafe {\n        if zero {\n            pg_sys::palloc0(n) /* zeroed */\n"
        + "        } else {\n            pg_sys::palloc(n)\n        }\n    }\n}\n"
    }
    assert rows(base, head) == [
        ("unchanged", "unsafe_block", LIB, 11),
        ("unchanged", "pg_sys_call", LIB, 13),
        ("unchanged", "pg_sys_call", LIB, 15),
    ]


def test_identical_sites_in_one_fn_are_matched_one_to_one() -> None:
    block = "    unsafe { pg_sys::palloc(8) };\n"
    base = {LIB: PG + "fn f() {\n" + block * 2 + "}\n"}
    more = {LIB: PG + "fn f() {\n" + block * 3 + "}\n"}
    fewer = {LIB: PG + "fn f() {\n" + block + "}\n"}
    assert rows(base, more) == [
        ("new", "unsafe_block", LIB, 5),
        ("new", "pg_sys_call", LIB, 5),
        ("unchanged", "unsafe_block", LIB, 3),
        ("unchanged", "pg_sys_call", LIB, 3),
        ("unchanged", "unsafe_block", LIB, 4),
        ("unchanged", "pg_sys_call", LIB, 4),
    ]
    assert rows(base, fewer) == [
        ("unchanged", "unsafe_block", LIB, 3),
        ("unchanged", "pg_sys_call", LIB, 3),
        ("removed", "unsafe_block", LIB, 4),
        ("removed", "pg_sys_call", LIB, 4),
    ]


def test_editing_one_of_two_identical_sites_changes_only_that_one() -> None:
    base = {
        LIB: PG
        + "fn f() {\n    unsafe { pg_sys::palloc(8) };\n    unsafe { pg_sys::palloc(8) };\n}\n"
    }
    head = {LIB: base[LIB].replace("palloc(8) };\n}", "palloc(9) };\n}")}
    assert rows(base, head) == [
        ("changed", "unsafe_block", LIB, 4),
        ("changed", "pg_sys_call", LIB, 4),
        ("unchanged", "unsafe_block", LIB, 3),
        ("unchanged", "pg_sys_call", LIB, 3),
    ]


def test_fn_moved_to_another_module_is_moved() -> None:
    fn = "pub unsafe fn read(p: *const u8) -> u8 {\n    *p\n}\n"
    base = {LIB: "pub mod io;\n" + fn, "src/io.rs": ""}
    head = {LIB: "pub mod io;\n", "src/io.rs": "// moved here\n\n" + fn}
    delta = _classify(base, head)
    assert [_row(d) for d in delta.sites] == [("moved", "unsafe_fn", "src/io.rs", 3)]
    moved = delta.sites[0]
    assert moved.base is not None and moved.head is not None
    assert (moved.base.path, moved.base.item, moved.head.item) == (LIB, "read", "io::read")


def test_file_renamed_keeping_its_module_is_moved() -> None:
    files = {"src/cache.rs": SAFE_FN}
    renamed = {"src/cache/mod.rs": SAFE_FN}
    assert rows(files, renamed) == [
        ("moved", "unsafe_block", "src/cache/mod.rs", 4),
        ("moved", "pg_sys_call", "src/cache/mod.rs", 4),
    ]


def test_edit_in_a_renamed_file_is_changed_not_new() -> None:
    base = {"src/a.rs": SAFE_FN + "pub unsafe fn g() {}\n"}
    head = {"src/b.rs": SAFE_FN.replace("palloc(n)", "palloc(n + 1)") + "pub unsafe fn g() {}\n"}
    assert rows(base, head) == [
        ("changed", "unsafe_block", "src/b.rs", 4),
        ("changed", "pg_sys_call", "src/b.rs", 4),
        ("moved", "unsafe_fn", "src/b.rs", 6),
    ]


EXTERN_2021 = 'extern "C" {\n    fn getpid() -> i32;\n    fn strlen(s: *const u8) -> usize;\n}\n'
EXTERN_2024 = (
    'unsafe extern "C" {\n    pub safe fn getpid() -> i32;\n'
    "    pub unsafe fn strlen(s: *const u8) -> usize;\n}\n"
)


def test_migration_to_unsafe_extern_block_is_migrated() -> None:
    base = {LIB: 'extern "C" {\n    fn strlen(s: *const u8) -> usize;\n}\n'}
    head = {LIB: 'unsafe extern "C" {\n    unsafe fn strlen(s: *const u8) -> usize;\n}\n'}
    assert rows(base, head) == [
        ("migrated", "unsafe_extern_block", LIB, 1),
        ("migrated", "unsafe_fn", LIB, 2),
    ]


def test_unsafe_extern_block_that_also_gains_a_declaration_is_changed() -> None:
    base = {LIB: 'extern "C" {\n    fn getpid() -> i32;\n}\n'}
    assert rows(base, {LIB: EXTERN_2024}) == [
        ("new", "unsafe_fn", LIB, 3),
        ("changed", "unsafe_extern_block", LIB, 1),
    ]


def test_extern_block_that_also_changes_its_abi_is_changed_not_new() -> None:
    # pgrx 0.13 and edition 2024 together: the same block, now allowed to unwind.
    base = {LIB: 'extern "C" {\n    fn strlen(s: *const u8) -> usize;\n}\n'}
    head = {LIB: 'unsafe extern "C-unwind" {\n    unsafe fn strlen(s: *const u8) -> usize;\n}\n'}
    delta = _classify(base, head)
    assert [_row(d) for d in delta.sites] == [
        ("new", "unsafe_fn", LIB, 2),
        ("changed", "unsafe_extern_block", LIB, 1),
    ]
    changed = delta.with_status(Status.CHANGED)[0]
    assert changed.base is not None and changed.head is not None
    assert (changed.base.name, changed.head.name) == ('extern "C"', 'extern "C-unwind"')


def test_extern_block_whose_abi_alone_changes_is_changed() -> None:
    base = {LIB: 'extern "C" {\n    fn getpid() -> i32;\n}\n'}
    head = {LIB: 'extern "C-unwind" {\n    fn getpid() -> i32;\n}\n'}
    assert rows(base, head) == [("changed", "extern_block", LIB, 1)]


def test_a_new_extern_block_beside_an_abi_change_is_still_new() -> None:
    # The block of the same ABI pairs first; only the other one is the ABI change.
    base = {LIB: 'mod ffi {\n    extern "C" {\n        fn a();\n    }\n}\n'}
    head = {
        LIB: 'mod ffi {\n    extern "C-unwind" {\n        fn b();\n    }\n'
        + '    extern "C" {\n        fn a();\n    }\n}\n'
    }
    assert rows(base, head) == [
        ("new", "extern_block", LIB, 2),
        ("unchanged", "extern_block", LIB, 5),
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("#[no_mangle]", "#[unsafe(no_mangle)]"),
        ('#[export_name = "ext_f"]', '#[unsafe(export_name = "ext_f")]'),
        ("#[no_mangle]\n#[inline]", "#[inline]\n#[unsafe( no_mangle )]"),
    ],
)
def test_unsafe_attribute_migration_is_migrated(before: str, after: str) -> None:
    fn = '\npub extern "C" fn f() -> u32 {\n    1\n}\n'
    assert rows({LIB: before + fn}, {LIB: after + fn}) == [
        ("migrated", "unsafe_attribute", LIB, after[: after.index("unsafe")].count("\n") + 1),
        # The fn's tokens leave its attributes out: the migration does not touch it.
        ("unchanged", "extern_fn", LIB, after.count("\n") + 2),
    ]


def test_unsafe_attribute_on_an_item_that_had_no_plain_attribute_is_new() -> None:
    base = {LIB: '#[no_mangle]\npub extern "C" fn f() {}\npub extern "C" fn g() {}\n'}
    head = {
        LIB: '#[no_mangle]\npub extern "C" fn f() {}\n'
        + '#[unsafe(no_mangle)]\npub extern "C" fn g() {}\n'
    }
    assert rows(base, head) == [
        ("new", "unsafe_attribute", LIB, 3),
        ("unchanged", "extern_fn", LIB, 2),
        ("unchanged", "extern_fn", LIB, 4),
    ]


def test_unsafe_op_in_unsafe_fn_wrapping_is_migrated() -> None:
    base = {LIB: "pub unsafe fn read(p: *const u8) -> u8 {\n    *p\n}\n"}
    head = {
        LIB: "pub unsafe fn read(p: *const u8) -> u8 {\n"
        "    // SAFETY: the caller passes a valid pointer.\n    unsafe { *p }\n}\n"
    }
    assert rows(base, head) == [
        ("migrated", "unsafe_fn", LIB, 1),
        ("migrated", "unsafe_block", LIB, 3),
    ]


def test_unsafe_block_that_is_not_the_whole_body_is_not_a_migration() -> None:
    base = {LIB: "pub unsafe fn read(p: *const u8) -> u8 {\n    let q = p;\n    *q\n}\n"}
    head = {LIB: "pub unsafe fn read(p: *const u8) -> u8 {\n    let q = p;\n    unsafe { *q }\n}\n"}
    assert rows(base, head) == [
        ("new", "unsafe_block", LIB, 3),
        ("changed", "unsafe_fn", LIB, 1),
    ]


def test_unsafe_impl_whose_method_was_only_wrapped_is_migrated() -> None:
    base = {
        LIB: "unsafe impl Read for i64 {\n    unsafe fn read(p: *const u8) -> Self {\n"
        "        std::ptr::read_unaligned(p.cast())\n    }\n}\n"
    }
    head = {
        LIB: "unsafe impl Read for i64 {\n    unsafe fn read(p: *const u8) -> Self {\n"
        "        unsafe { std::ptr::read_unaligned(p.cast()) }\n    }\n}\n"
    }
    assert rows(base, head) == [
        ("migrated", "unsafe_impl", LIB, 1),
        ("migrated", "unsafe_fn", LIB, 2),
        ("migrated", "unsafe_block", LIB, 3),
    ]


def test_whole_edition_2024_migration_of_a_file() -> None:
    base = {
        LIB: EXTERN_2021.replace("    fn getpid() -> i32;\n", "")
        + '#[no_mangle]\npub extern "C" fn abi() -> u32 {\n    2\n}\n'
        + "pub unsafe fn len(s: *const u8) -> usize {\n    strlen(s)\n}\n"
    }
    head = {
        LIB: 'unsafe extern "C" {\n    unsafe fn strlen(s: *const u8) -> usize;\n}\n'
        + '#[unsafe(no_mangle)]\npub extern "C" fn abi() -> u32 {\n    2\n}\n'
        + "pub unsafe fn len(s: *const u8) -> usize {\n    unsafe { strlen(s) }\n}\n"
    }
    delta = _classify(base, head)
    assert [_row(d) for d in delta.sites] == [
        ("migrated", "unsafe_extern_block", LIB, 1),
        ("migrated", "unsafe_fn", LIB, 2),
        ("migrated", "unsafe_attribute", LIB, 4),
        ("migrated", "unsafe_fn", LIB, 8),
        ("migrated", "unsafe_block", LIB, 9),
        ("unchanged", "extern_fn", LIB, 5),
    ]
    assert delta.needs_review() == ()
    assert delta.summary() == {
        "new": 0,
        "changed": 0,
        "moved": 0,
        "migrated": 5,
        "unchanged": 1,
        "removed": 0,
    }


def test_summary_counts_every_status_in_order() -> None:
    base = {LIB: SAFE_FN, "src/old.rs": "pub unsafe fn gone() {}\n"}
    head = {LIB: SAFE_FN.replace("let n = 8;", "let n = 8;\n    unsafe { pg_sys::pfree(p) };")}
    delta = _classify(base, head)
    assert list(delta.summary().items()) == [
        ("new", 2),
        ("changed", 0),
        ("moved", 0),
        ("migrated", 0),
        ("unchanged", 2),
        ("removed", 1),
    ]
    assert [_row(d) for d in delta.needs_review()] == [
        ("new", "unsafe_block", LIB, 4),
        ("new", "pg_sys_call", LIB, 4),
    ]


def test_untouched_file_pairs_as_unchanged_even_when_a_copy_of_its_site_appears_elsewhere() -> None:
    # The unchanged file's sites pair with themselves (the fast path for untouched files); the
    # copy pasted into a new module is new, not "moved" away from the untouched original.
    copy = "src/copy.rs"
    base = {LIB: SAFE_FN}
    head = {LIB: SAFE_FN, copy: SAFE_FN}
    assert rows(base, head) == [
        ("new", "unsafe_block", copy, 4),
        ("new", "pg_sys_call", copy, 4),
        ("unchanged", "unsafe_block", LIB, 4),
        ("unchanged", "pg_sys_call", LIB, 4),
    ]


def test_file_with_one_site_more_is_classified_site_by_site() -> None:
    # Equal length is required for the untouched-file path: here the file gained a site, and
    # the old ones still pair as unchanged through the ordinary rules.
    extra = SAFE_FN + "pub fn pid() -> i32 {\n    unsafe { pg_sys::MyProcPid }\n}\n"
    assert rows({LIB: SAFE_FN}, {LIB: extra}) == [
        ("new", "unsafe_block", LIB, 7),
        ("new", "pg_sys_static", LIB, 7),
        ("unchanged", "unsafe_block", LIB, 4),
        ("unchanged", "pg_sys_call", LIB, 4),
    ]
