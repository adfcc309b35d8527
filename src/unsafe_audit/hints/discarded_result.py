"""pg_sys calls whose result is the point, thrown away (``pg_sys::repalloc(p, n);``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule
from unsafe_audit.model import SiteKind

_NEW_POINTER = "returns the new pointer; the old one may already be freed"
_NEW_LIST = "returns the list to use from now on (a new list when the input is NIL, or moved)"
_NEW_SET = "returns the set to use from now on (a new set when the input is NULL, or moved)"
_ACQUIRED = "returns whether the lock was taken; without it the code goes on unlocked"
_STATUS = "returns a status code, negative (or not SUCCESS) when nothing was done"

# Only functions whose C signature returns a value (the contracts table's signatures, checked in
# tests/hints/test_discarded_result.py) and for which ignoring it is a bug, not a leak: a
# discarded palloc or hash_search(HASH_ENTER) result wastes memory but changes nothing else.
WHY: dict[str, str] = {
    **dict.fromkeys(("repalloc", "repalloc_huge", "repalloc0", "repalloc_extended"), _NEW_POINTER),
    **dict.fromkeys(
        (
            "lappend",
            "lappend_int",
            "lappend_oid",
            "lcons",
            "lcons_int",
            "lcons_oid",
            "list_concat",
            "list_concat_unique",
            "list_append_unique",
            "list_append_unique_ptr",
            "list_append_unique_oid",
            "list_append_unique_int",
            "list_delete",
            "list_delete_ptr",
            "list_delete_oid",
            "list_delete_int",
            "list_delete_first",
            "list_delete_last",
            "list_delete_nth_cell",
            "list_delete_cell",
            "list_truncate",
            "list_insert_nth",
            "list_union",
        ),
        _NEW_LIST,
    ),
    **dict.fromkeys(
        (
            "bms_add_member",
            "bms_del_member",
            "bms_add_members",
            "bms_del_members",
            "bms_add_range",
            "bms_int_members",
            "bms_join",
            "bms_union",
        ),
        _NEW_SET,
    ),
    **dict.fromkeys(
        (
            "LWLockConditionalAcquire",
            "LWLockAcquireOrWait",
            "ConditionalLockRelationOid",
            "ConditionalLockRelation",
            "ConditionalLockBuffer",
            "ConditionalLockBufferForCleanup",
            "ConditionalLockPage",
            "ConditionalLockTuple",
            "ConditionalLockDatabaseObject",
            "ConditionalLockSharedObject",
            "ConditionalXactLockTableWait",
        ),
        _ACQUIRED,
    ),
    **dict.fromkeys(
        (
            "RegisterDynamicBackgroundWorker",
            "SPI_execute",
            "SPI_exec",
            "SPI_execute_plan",
            "SPI_execp",
            "SPI_execute_with_args",
            "SPI_execute_plan_with_paramlist",
            "shm_mq_send",
            "shm_mq_sendv",
            "shm_mq_receive",
        ),
        _STATUS,
    ),
}
"""Function -> why its result must be used."""


class DiscardedResult(HintRule):
    """A call made for its result, with the result dropped."""

    id = "discarded-result"
    items = ("no-use-after-throw", "short-pointer-life")
    title = "repalloc / lappend / bms_add_member / conditional lock / SPI status result discarded"
    INVALID = (
        """
        unsafe fn grow(buf: *mut u8, n: usize) {
            pg_sys::repalloc(buf.cast(), n); // <- hint
        }
        """,
        """
        fn add(list: *mut pg_sys::List, p: *mut c_void) {
            unsafe {
                pg_sys::lappend(list, p); // <- hint
                let _ = pg_sys::bms_add_member(std::ptr::null_mut(), 3); // <- hint
            }
        }
        """,
        """
        use pgrx::pg_sys::*;
        fn try_lock(relid: Oid) {
            unsafe { ConditionalLockRelationOid(relid, AccessShareLock as _) }; // <- hint
            work(relid);
        }
        """,
    )
    VALID = (
        """
        unsafe fn grow(buf: *mut u8, n: usize) -> *mut u8 {
            let buf = pg_sys::repalloc(buf.cast(), n);
            buf.cast()
        }
        """,
        """
        unsafe fn add(mut list: *mut pg_sys::List, p: *mut c_void) -> *mut pg_sys::List {
            list = pg_sys::lappend(list, p);
            if !pg_sys::ConditionalLockRelationOid(1, 1) { return list; }
            pg_sys::lappend(list, p)
        }
        """,
        """
        fn repalloc(p: *mut u8, n: usize) -> *mut u8 { p }
        fn f(p: *mut u8) { repalloc(p, 1); }
        """,
        """
        fn run(q: &CStr, args: Option<i64>) -> i32 {
            let status = match args {
                Some(n) => {
                    let n = n + 1;
                    unsafe { pg_sys::SPI_execute(q.as_ptr(), false, n) }
                }
                None => unsafe { pg_sys::SPI_execute(q.as_ptr(), false, 0) },
            };
            status
        }
        """,
        """
        unsafe fn f(h: *mut pg_sys::HTAB, k: *const c_void) {
            pg_sys::hash_search(h, k, pg_sys::HASHACTION::HASH_REMOVE, std::ptr::null_mut());
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        pg_sys = {
            (s.name, s.line): s
            for s in ctx.sites
            if s.kind is SiteKind.PG_SYS_CALL and s.name in WHY
        }
        if not pg_sys:
            return
        code = ctx.syntax.code
        for call in ctx.syntax.calls(WHY.keys()):
            site = pg_sys.get((call.name, call.line))
            if site is None or call.in_macro:
                continue
            if (call.discarded and _ends_statement(code, call.end_byte)) or call.bound_to == "_":
                how = "bound to `_`" if call.bound_to == "_" else "thrown away"
                message = f"The result of `pg_sys::{call.name}` is {how}: it {WHY[call.name]}."
                yield self.hint(ctx, site, call.line, message)


def _ends_statement(code: bytes, end: int) -> bool:
    """True when a ``;`` follows the call, past the braces of the blocks it ends: a block-like
    expression at the end of a block is parsed as a statement although it is the block's value
    (``None => unsafe { pg_sys::SPI_execute(..) },``)."""
    return _AFTER.match(code, end) is not None


_AFTER = re.compile(rb"[\s}]{0,400};")
"""Bounded, so a call followed by thousands of closing braces costs no more than any other."""
