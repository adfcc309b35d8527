"""The result of a pg_sys function that may return NULL, dereferenced before any NULL check."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from unsafe_audit.contracts.guard import NullGuard
from unsafe_audit.hints.contract_lookup import may_return_null, null_majors, pg_sys_calls
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.name_uses import NameUses, find_uses
from unsafe_audit.hints.rule import HintContext, HintRule

# What may follow or precede the name's first use for it to be a NULL test.
_CHECK_AFTER = re.compile(rb"\s*(?:\.\s*is_null\s*\(|[!=]=)")
_CHECK_BEFORE = re.compile(rb"(?:[!=]=\s*|\bNonNull\s*(?:::\s*<[^>]*>\s*)?::\s*new\s*\(\s*)$")
_AS_REF = re.compile(rb"\s*\.\s*as_(?:ref|mut)\s*\(\s*\)")
_UNWRAPPED = re.compile(rb"\s*\.\s*(?:unwrap|unwrap_unchecked|expect)\s*\(")
# ...and for it to read through the pointer.
_DEREF_BEFORE = re.compile(
    rb"(?:\*\s*\(?\s*|\b(?:CStr\s*::\s*from_ptr|from_raw_parts(?:_mut)?|GETSTRUCT|"
    rb"heap_tuple_get_struct\s*(?:::\s*<[^()]*>)?)\s*\(\s*)$"
)
_DEREF_AFTER = re.compile(rb"\s*\.\s*(?:read|read_unaligned|read_volatile)\s*\(")
# An argument that asks for no NULL: false, 0 or a null pointer.
_FALSE = re.compile(
    r"^(?:false|0|(?:(?:std|core)\s*::\s*)?(?:ptr\s*::\s*)?null(?:_mut)?\s*\(\s*\))$"
)


class NullResultUnchecked(HintRule):
    """``let p = pg_sys::f(..)`` where the contracts table says ``f`` may return NULL, and the
    first thing done with ``p`` reads through it.  A function that returns NULL only when asked
    (``null = flag``: ``format_type_extended``, ``palloc_extended``, ``get_attname``) counts
    only when the call asks: the flags argument names the flag, or the bool argument is not
    ``false``; a flags argument the rule cannot read counts as not asking.  Only that first use
    is judged: a NULL test first (``is_null``, ``== null``, ``NonNull::new``, ``as_ref()``
    matched or ``?``'d) keeps the rule silent, and so does any use it cannot judge (``p``
    returned or passed on)."""

    id = "null-result-unchecked"
    items = ("null-check",)
    title = "a pg_sys result that may be NULL is dereferenced before a NULL check"
    INVALID = (
        """
        unsafe fn owner(cache_id: i32, key: pg_sys::Datum) -> pg_sys::Oid {
            let tup = pg_sys::SearchSysCache1(cache_id, key);
            let form = (*tup).t_data; // <- hint
            if tup.is_null() {
                return pg_sys::InvalidOid;
            }
            read_owner(form)
        }
        """,
        """
        use pgrx::pg_sys::*;
        fn rel_name(relid: Oid) -> String {
            let name = unsafe { get_rel_name(relid) };
            unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned() // <- hint
        }
        """,
        """
        fn next_row(scan: pg_sys::TableScanDesc) -> i32 {
            let tuple = unsafe { pg_sys::heap_getnext(scan, FORWARD) };
            unsafe { tuple.as_ref().unwrap().t_len as i32 } // <- hint
        }
        """,
        """
        fn try_first_byte(n: usize) -> u8 {
            let p = unsafe { pg_sys::palloc_extended(n, pg_sys::MCXT_ALLOC_NO_OOM as i32) };
            unsafe { *(p as *mut u8) } // <- hint
        }
        """,
        """
        fn type_name(oid: pg_sys::Oid) -> String {
            let name = unsafe {
                pg_sys::format_type_extended(oid, -1, pg_sys::FORMAT_TYPE_INVALID_AS_NULL as u16)
            };
            unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned() // <- hint
        }
        """,
        """
        fn column(relid: pg_sys::Oid, attnum: i16, missing_ok: bool) -> String {
            let name = unsafe { pg_sys::get_attname(relid, attnum, missing_ok) };
            unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned() // <- hint
        }
        """,
    )
    VALID = (
        """
        unsafe fn owner(cache_id: i32, key: pg_sys::Datum) -> Option<pg_sys::Oid> {
            let tup = pg_sys::SearchSysCache1(cache_id, key);
            if tup.is_null() {
                return None;
            }
            Some((*tup).t_tableOid)
        }
        """,
        """
        fn rel_name(relid: pg_sys::Oid) -> Option<String> {
            let name = unsafe { pg_sys::get_rel_name(relid) };
            let name = unsafe { name.as_ref() }?;
            Some(unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned())
        }
        """,
        """
        fn copy(s: &CStr) -> u8 {
            // pstrdup never returns NULL: palloc raises an ERROR instead.
            let p = unsafe { pg_sys::pstrdup(s.as_ptr()) };
            unsafe { *p as u8 }
        }
        """,
        """
        fn first(scan: pg_sys::TableScanDesc) -> Option<PgBox<pg_sys::HeapTupleData>> {
            let tuple = unsafe { pg_sys::heap_getnext(scan, FORWARD) };
            wrap_or_none(tuple)
        }
        """,
        """
        fn tup_len(key: pg_sys::Datum) -> u32 {
            let tup = unsafe { pg_sys::SearchSysCache1(1, key) };
            assert!(!tup.is_null(), "cache lookup failed");
            unsafe { (*tup).t_len }
        }
        """,
        """
        fn lookup_type_name(oid: pg_sys::Oid) -> String {
            // Without FORMAT_TYPE_INVALID_AS_NULL an unknown type raises an ERROR.
            let name = unsafe { pg_sys::format_type_extended(oid, -1, 0) };
            unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned()
        }
        """,
        """
        fn column(relid: pg_sys::Oid, attnum: i16) -> String {
            let name = unsafe { pg_sys::get_attname(relid, attnum, false) };
            unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned()
        }
        """,
        """
        fn server(id: pg_sys::Oid) -> pg_sys::Oid {
            // GetForeignServer passes 0 for the flags: it raises instead of returning NULL.
            let server = unsafe { pg_sys::GetForeignServer(id) };
            unsafe { (*server).serverid }
        }
        """,
        """
        fn first_byte(cx: pg_sys::MemoryContext, n: usize) -> u8 {
            // Without MCXT_ALLOC_NO_OOM (0x02) an allocation failure raises an ERROR.
            let p = unsafe { pg_sys::MemoryContextAllocAligned(cx, n, 8, 0x04) };
            unsafe { *(p as *mut u8) }
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        bound = [
            (cc, majors)
            for cc in pg_sys_calls(ctx, may_return_null)
            if cc.call.bound_to is not None
            and cc.call.bound_to.isidentifier()
            and (majors := null_majors(cc.call.name, _asker(cc.call.args)))
        ]
        if not bound:
            return
        syntax = ctx.syntax
        sites = ctx.site_index
        uses = find_uses(syntax, {cc.call.bound_to or "" for cc, _ in bound})
        for cc, majors in bound:
            call, name = cc.call, cc.call.bound_to or ""
            fn = syntax.enclosing_fn(call.start_byte)
            if fn is None:
                continue
            at = uses.first_after(fn.start_byte, name, call.end_byte)
            if at is None or not _reads_through(uses, at, name):
                continue
            line = syntax.line_of(at)
            message = (
                f"`{name}` holds the result of `{call.name}`, which may return NULL "
                f"(PostgreSQL {majors}), and is dereferenced here with no NULL check since "
                f"line {call.line}."
            )
            yield self.hint(ctx, sites.innermost(at), line, message)


def _reads_through(uses: NameUses, at: int, name: str) -> bool:
    """True when the use of ``name`` at ``at`` reads through the pointer before any test."""
    before = uses.line_before(at)
    after = uses.rest_of_line(at + len(name.encode()))
    if _CHECK_AFTER.match(after) or _CHECK_BEFORE.search(before):
        return False
    as_ref = _AS_REF.match(after)
    if as_ref is not None:
        return _UNWRAPPED.match(after, as_ref.end()) is not None
    return bool(_DEREF_BEFORE.search(before) or _DEREF_AFTER.match(after))


def _asker(args: tuple[str, ...]) -> Callable[[NullGuard], bool]:
    """Whether a call with ``args`` asks for the NULL a guard names: a flags argument must name
    the flag (a literal or a variable cannot be read, and so does not ask); a bool or pointer
    argument asks unless it is ``false``, ``0`` or a null pointer."""

    def asks(guard: NullGuard) -> bool:
        if guard.index >= len(args):
            return False
        arg = args[guard.index].strip()
        if guard.flag is not None:
            return re.search(rf"\b{re.escape(guard.flag)}\b", arg) is not None
        return _FALSE.match(arg) is None

    return asks
