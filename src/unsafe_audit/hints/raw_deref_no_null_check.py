"""A raw pointer dereferenced in a fn that never tests it for NULL."""

from __future__ import annotations

import re
from collections.abc import Iterator

from unsafe_audit.extract.facts import FnInfo
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule

_RAW_TYPE = re.compile(
    r"^\s*(?:\*\s*(?:const|mut)\b|(?:pg_sys\s*::\s*)?(?:Relation|TupleDesc|HeapTuple|"
    r"HeapTupleHeader|FunctionCallInfo|ParamListInfo|Snapshot|MemoryContext|Portal)\b)"
)
# Where a pointer comes from when it can be NULL: a cast, a `.cast()`, or anything from pg_sys.
_MAYBE_NULL_INIT = re.compile(r"\bas\s+\*\s*(?:const|mut)\b|\.cast(?:_mut)?\s*[:(<]|\bpg_sys\b")
# ...and when it cannot: palloc raises an ERROR instead of returning NULL, and pointers made
# from references, boxes or slices are never NULL.
_NEVER_NULL_INIT = re.compile(
    r"\b(?:palloc0?|palloc_extended|repalloc|MemoryContextAlloc(?:Zero)?|pstrdup|pnstrdup|"
    r"as_ptr|as_mut_ptr|into_raw|addr_of(?:_mut)?|from_ref|from_mut)\b|^\s*&"
)


class RawDerefNoNullCheck(HintRule):
    """``*p`` on a pointer that may be NULL, in a fn with no ``is_null``/``NonNull::new`` test."""

    id = "raw-deref-no-null-check"
    items = ("null-check",)
    title = "raw pointer dereference with no NULL check in the same fn"
    INVALID = (
        """
        unsafe fn form(cache_id: i32, key: pg_sys::Datum) -> pg_sys::Oid {
            let tup = pg_sys::SearchSysCache1(cache_id, key);
            let data = (*tup).t_data; // <- hint
            read_oid(data)
        }
        """,
        """
        fn count(table: *mut pg_sys::SPITupleTable, n: usize) -> usize {
            let mut seen = 0;
            for i in 0..n {
                if unsafe { !(*(*table).vals.add(i)).is_null() } { // <- hint
                    seen += 1;
                }
            }
            seen
        }
        """,
        """
        fn first_att(rel: pg_sys::Relation) -> i16 {
            unsafe { &*(*rel).rd_att }.natts // <- hint
        }
        """,
    )
    VALID = (
        """
        unsafe fn form(cache_id: i32, key: pg_sys::Datum) -> Option<pg_sys::Oid> {
            let tup = pg_sys::SearchSysCache1(cache_id, key);
            if tup.is_null() {
                return None;
            }
            Some((*tup).t_self)
        }
        """,
        """
        fn scratch(n: usize) {
            let buf = unsafe { pg_sys::palloc(n + 1) } as *mut u8;
            unsafe { *buf.add(n) = 0 };
        }
        """,
        """
        fn bump(counter: &mut u64, guard: MutexGuard<'_, usize>) {
            *counter += 1;
            let _ = *guard;
        }
        """,
        """
        fn name(p: *const pg_sys::NameData) -> Option<&'static CStr> {
            let data = unsafe { p.as_ref() }?;
            assert!(!p.is_null());
            Some(unsafe { CStr::from_ptr((*p).data.as_ptr()) })
        }
        """,
        """
        fn typed(fcinfo: pg_sys::FunctionCallInfo) -> i32 {
            let f = NonNull::new(fcinfo).expect("fcinfo");
            unsafe { (*fcinfo).nargs as i32 }
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        for fn in ctx.syntax.fns:
            yield from self._check_fn(ctx, fn)

    def _check_fn(self, ctx: HintContext, fn: FnInfo) -> Iterator[Hint]:
        syntax = ctx.syntax
        candidates = {name: "parameter" for name, ty in fn.params if _RAW_TYPE.match(ty)}
        for let in syntax.lets(fn.body_start_byte, fn.end_byte):
            if _RAW_TYPE.match(let.type_text) or (
                _MAYBE_NULL_INIT.search(let.init) and not _NEVER_NULL_INIT.search(let.init)
            ):
                candidates[let.name] = f"`{_short(let.init)}`"
            else:
                candidates.pop(let.name, None)
        reported: set[str] = set()
        for deref in syntax.derefs(fn.body_start_byte, fn.end_byte):
            base = deref.base
            if deref.form != "*" or not deref.in_unsafe or base is None or base in reported:
                continue
            inner = syntax.enclosing_fn(deref.start_byte)
            if inner is None or inner.start_byte != fn.start_byte:
                continue
            origin = candidates.get(base)
            if origin is None and "pg_sys" in base:
                origin = "a pg_sys global"
            if origin is None:
                continue
            if syntax.null_checks(base, fn.body_start_byte, fn.end_byte):
                continue
            reported.add(base)
            source = "a parameter" if origin == "parameter" else origin
            message = (
                f"`{base}` (from {source}) is dereferenced but `{fn.name}` never checks it for "
                "NULL; PostgreSQL lookups may return NULL where palloc never does."
            )
            yield self.hint(ctx, ctx.innermost_site(deref.start_byte), deref.line, message)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 50 else flat[:47] + "..."
