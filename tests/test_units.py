"""Review units on real Rust, extracted with the real parser: which site covers which pg_sys use,
what a sign-off records of them, and how a change to them is worded."""

from __future__ import annotations

from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.extract import extract_file
from unsafe_audit.ledger.entry import MemberUse
from unsafe_audit.model import Site, SiteKind
from unsafe_audit.units import (
    describe_uses,
    group_units,
    member_uses,
    stale_members,
    unit_items,
    unit_kinds,
)

CONTEXT = """\
use pgrx::pg_sys;

pub fn cache_context(name: *const i8) -> pg_sys::MemoryContext {
    unsafe {
        pg_sys::AllocSetContextCreateExtended(pg_sys::TopMemoryContext, name, 0, 8, 64)
    }
}

pub unsafe fn reset(ctx: pg_sys::MemoryContext) {
    pg_sys::MemoryContextReset(ctx);
    unsafe { pg_sys::pfree(ctx.cast()) }
}

pub fn database() -> pg_sys::Oid {
    pg_sys::MyDatabaseId
}
"""


def sites(source: str = CONTEXT) -> list[Site]:
    return list(extract_file("src/context.rs", source.encode()).sites)


def by_name(found: list[Site], kind: SiteKind, name: str | None = None) -> Site:
    (site,) = [s for s in found if s.kind is kind and (name is None or s.name == name)]
    return site


def test_pg_sys_uses_belong_to_the_innermost_unsafe_site_and_the_rest_are_units() -> None:
    found = sites()
    units = group_units(found)
    block = next(s for s in found if s.kind is SiteKind.UNSAFE_BLOCK and s.line == 4)
    fn = by_name(found, SiteKind.UNSAFE_FN)
    inner = next(s for s in found if s.kind is SiteKind.UNSAFE_BLOCK and s.line == 11)
    outside = by_name(found, SiteKind.PG_SYS_STATIC, "MyDatabaseId")
    assert [(m.kind.value, m.name) for m in units.members_of(block.id)] == [
        ("pg_sys_call", "AllocSetContextCreateExtended"),
        ("pg_sys_static", "TopMemoryContext"),
    ]
    # The nested block inside the unsafe fn is a unit of its own, with its own uses.
    assert [m.name for m in units.members_of(fn.id)] == ["MemoryContextReset"]
    assert [m.name for m in units.members_of(inner.id)] == ["pfree"]
    assert units.unit_of[inner.id] == inner.id
    # A pg_sys use outside every unsafe site is a unit, with no members.
    assert (units.unit_of[outside.id], units.members_of(outside.id)) == (outside.id, ())
    assert (len(found), units.count) == (8, 4)


def test_units_are_per_file() -> None:
    here = sites()
    there = list(extract_file("src/other.rs", b"pub fn f() -> u32 { pg_sys::MyProcPid }\n").sites)
    units = group_units(here + there)
    (use,) = there
    assert units.unit_of[use.id] == use.id
    assert units.count == 5


def test_the_pane_lists_each_use_with_its_kind_and_a_new_line_only() -> None:
    found = sites()
    block = next(s for s in found if s.kind is SiteKind.UNSAFE_BLOCK and s.line == 4)
    assert describe_uses(group_units(found).members_of(block.id)) == (
        "AllocSetContextCreateExtended (call, line 5), TopMemoryContext (static)"
    )


def test_a_sign_off_is_stale_when_the_uses_differ_and_says_how() -> None:
    found = sites()
    block = next(s for s in found if s.kind is SiteKind.UNSAFE_BLOCK and s.line == 4)
    members = group_units(found).members_of(block.id)
    recorded = member_uses(members)
    assert stale_members(recorded, members) == ""
    assert stale_members(None, members) == ""  # schema 1: not recorded, judged by code alone
    gone = MemberUse(SiteKind.PG_SYS_CALL, "palloc", "0123456789abcdef")
    assert stale_members((*recorded, gone), members) == "no longer palloc (call)"
    assert stale_members(recorded[:1], members) == "now also TopMemoryContext (static)"


def test_an_unsafe_fn_keeps_its_uses_when_edition_2024_wraps_its_body() -> None:
    before = "pub unsafe fn f() -> *mut u8 {\n    pg_sys::palloc(8).cast()\n}\n"
    after = "pub unsafe fn f() -> *mut u8 {\n    unsafe { pg_sys::palloc(8).cast() }\n}\n"
    old = sites(before)
    old_fn = by_name(old, SiteKind.UNSAFE_FN)
    recorded = member_uses(group_units(old).members_of(old_fn.id))
    new = sites(after)
    units = group_units(new)
    fn = by_name(new, SiteKind.UNSAFE_FN)
    assert units.members_of(fn.id) == ()
    assert stale_members(recorded, (), units.wrapped_members(fn.id)) == ""
    assert stale_members(recorded, ()) == "no longer palloc (call)"


def test_a_unit_answers_the_items_of_its_members_kinds_too() -> None:
    checklist = default_checklist()
    found = sites("unsafe impl Send for X {}\nunsafe impl Sync for Y { fn f() { pg_sys::g(); } }")
    impl = next(s for s in found if s.kind is SiteKind.UNSAFE_IMPL and s.line == 2)
    members = group_units(found).members_of(impl.id)
    assert unit_kinds(impl, members) == (SiteKind.UNSAFE_IMPL, SiteKind.PG_SYS_CALL)
    own = {i.id for i in checklist.items_for(SiteKind.UNSAFE_IMPL)}
    call = {i.id for i in checklist.items_for(SiteKind.PG_SYS_CALL)}
    assert {i.id for i in unit_items(checklist, unit_kinds(impl, members))} == own | call
    # For an unsafe block, the items for pg_sys uses are among its own.
    block = SiteKind.UNSAFE_BLOCK
    assert unit_items(checklist, (block, SiteKind.PG_SYS_CALL)) == checklist.items_for(block)


HOOK = """\
use pgrx::pg_sys;

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    let pid = pg_sys::MyProcPid;
    unsafe {
        pg_sys::RegisterXactCallback(Some(on_xact), pid as _);
    }
}
"""


def test_an_extern_fn_is_a_unit_and_its_unsafe_block_another() -> None:
    found = sites(HOOK)
    units = group_units(found)
    fn = by_name(found, SiteKind.EXTERN_FN, "_PG_init")
    block = by_name(found, SiteKind.UNSAFE_BLOCK)
    # A pg_sys use in the fn's own code is the fn's member; the block keeps its call.
    assert [m.name for m in units.members_of(fn.id)] == ["MyProcPid"]
    assert [m.name for m in units.members_of(block.id)] == ["RegisterXactCallback"]
    assert (block.parent, units.unit_of[block.id]) == (fn.id, block.id)
    assert (len(found), units.count) == (4, 2)
    # The fn's unit answers the boundary items, and those of the static it reads.
    checklist = default_checklist()
    assert [i.id for i in unit_items(checklist, unit_kinds(fn, units.members_of(fn.id)))] == [
        "ctx-owner",
        "no-stored-borrow",
        "null-check",
        "short-pointer-life",
        "pg-guard",
        "no-use-after-throw",
        "minimal-unsafe",
        "reread-this-release",
    ]
