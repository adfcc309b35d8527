"""A callback table PostgreSQL keeps by pointer, built in short-lived memory.

PostgreSQL stores the pointer to a ``CustomPathMethods``/``CustomScanMethods``/
``CustomExecMethods`` in plan and state nodes (plans are copied and cached: the table must live
as long as any plan may), to an ``ExtensibleNodeMethods`` in a registry, and to a
``TableAmRoutine``/``TupleTableSlotOps`` in the relcache and in every slot; its documentation
says "usually statically allocated". ParadeDB built its custom scan tables with
``PgMemoryContexts::CurrentMemoryContext.leak_and_drop_on_delete(..)`` and fixed the crashes by
moving them to ``TopMemoryContext`` (paradedb/paradedb 467ca44ba, "@@@ crashes").
(``IndexAmRoutine`` and ``FdwRoutine`` are palloc'd nodes that PostgreSQL copies, so they are
not listed.)
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from unsafe_audit.extract.facts import FnInfo
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule

_TABLE_NAMES = (
    "CustomPathMethods",
    "CustomScanMethods",
    "CustomExecMethods",
    "ExtensibleNodeMethods",
    "TableAmRoutine",
    "TupleTableSlotOps",
)
_TABLE_WORDS = tuple(name.encode() for name in _TABLE_NAMES)
_TABLES = "(?:" + "|".join(_TABLE_NAMES) + ")"
_BUILT = re.compile(
    rb"(?:\bpg_sys\s*::\s*)?\b(?P<lit>" + _TABLES.encode() + rb")\s*\{"
    rb"|\bPgBox\s*::\s*<\s*(?:pg_sys\s*::\s*)?(?P<box>" + _TABLES.encode() + rb")\b[^;]{0,40}?"
    rb"::\s*alloc0?\s*\("
)
_LONG_LIVED = re.compile(
    rb"TopMemoryContext|Box\s*::\s*leak|\.\s*leak\s*\(|get_or_init|OnceLock|OnceCell|Lazy|"
    rb"\bstatic\b"
)
_SHORT_LIVED = re.compile(rb"CurrentMemoryContext|PgBox|palloc|Box\s*::\s*new|[RA]rc\s*::\s*new")
_LOCAL_LET = re.compile(rb"\blet\s+(?:mut\s+)?(?P<name>\w+)\s*(?::[^=;]*)?=\s*\Z")
_LOOKBACK = 200


class MethodTableNotStatic(HintRule):
    """A method table PostgreSQL keeps a pointer to, allocated where it will be freed first."""

    id = "method-table-not-static"
    items = ("ctx-owner", "no-stored-borrow")
    title = "CustomScanMethods / TableAmRoutine-like table built in a local or short context"
    INVALID = (
        """
        fn plan(best_path: *mut pg_sys::CustomPath) -> pg_sys::CustomScan {
            let mut scan = pg_sys::CustomScan::default();
            scan.methods = PgMemoryContexts::CurrentMemoryContext.leak_and_drop_on_delete(
                pg_sys::CustomScanMethods { // <- hint
                    CustomName: NAME.as_ptr(),
                    CreateCustomScanState: Some(create_state),
                },
            );
            scan
        }
        """,
        """
        unsafe fn create_state(cscan: *mut pg_sys::CustomScan) -> *mut pg_sys::Node {
            let state = pg_sys::palloc0(SIZE).cast::<pg_sys::CustomScanState>();
            let exec = pg_sys::CustomExecMethods { // <- hint
                CustomName: NAME.as_ptr(),
                ..Default::default()
            };
            (*state).methods = &exec;
            state.cast()
        }
        """,
        """
        fn exec_methods() -> *const pg_sys::CustomExecMethods {
            let mut m = PgBox::<pg_sys::CustomExecMethods>::alloc0(); // <- hint
            m.CustomName = NAME.as_ptr();
            m.into_pg()
        }
        """,
    )
    VALID = (
        """
        static mut SCAN_METHODS: pg_sys::CustomScanMethods = pg_sys::CustomScanMethods {
            CustomName: NAME.as_ptr(),
            CreateCustomScanState: Some(create_state),
        };
        fn plan(scan: &mut pg_sys::CustomScan) {
            scan.methods = unsafe { std::ptr::addr_of!(SCAN_METHODS) };
        }
        """,
        """
        fn custom_scan_methods() -> *const pg_sys::CustomScanMethods {
            unsafe {
                static mut METHODS: *mut pg_sys::CustomScanMethods = std::ptr::null_mut();
                METHODS = PgMemoryContexts::TopMemoryContext.leak_and_drop_on_delete(
                    pg_sys::CustomScanMethods {
                        CustomName: NAME.as_ptr(),
                        CreateCustomScanState: Some(create_state),
                    },
                );
                METHODS
            }
        }
        """,
        """
        fn am() -> &'static pg_sys::TableAmRoutine {
            static AM: OnceLock<Wrapper> = OnceLock::new();
            &AM.get_or_init(|| {
                Wrapper(pg_sys::TableAmRoutine { type_: T_TABLE_AM, ..Default::default() })
            })
            .0
        }
        impl Default for Wrapper2 {
            fn default() -> Self {
                Self(pg_sys::TupleTableSlotOps { base_slot_size: 8, ..zeroed() })
            }
        }
        fn shape() -> pg_sys::TupleTableSlotOps { todo!() }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        syntax = ctx.syntax
        if not any(word in syntax.source for word in _TABLE_WORDS):
            return  # a plain substring test: the regex below has no literal to skip ahead by
        code = syntax.code
        sites = ctx.site_index
        statics = sorted((s.start_byte, s.end_byte) for s in syntax.statics)
        static_starts = [start for start, _end in statics]
        for m in _BUILT.finditer(code):
            at = m.start()
            fn = syntax.enclosing_fn(at)
            if fn is None or at < fn.body_start_byte or _in_static(statics, static_starts, at):
                continue
            window = code[max(fn.body_start_byte, at - _LOOKBACK) : at]
            long_at = max((x.end() for x in _LONG_LIVED.finditer(window)), default=-1)
            short_at = max((x.end() for x in _SHORT_LIVED.finditer(window)), default=-1)
            table = (m.group("lit") or m.group("box") or b"").decode()
            local = _LOCAL_LET.search(window) if m.group("lit") is not None else None
            if local is not None:
                if not _address_taken(code, local.group("name"), m.end(), fn):
                    continue
                where = f"the local `{local.group('name').decode()}`, whose address is taken"
            elif m.group("box") is not None or short_at > long_at:
                where = "short-lived memory"
            else:
                continue
            message = (
                f"This `{table}` is built in {where}, but PostgreSQL keeps the pointer to it "
                "(in plans, states or the relcache) for longer; make it a `static` or allocate "
                "it in TopMemoryContext."
            )
            yield self.hint(ctx, sites.innermost(at), syntax.line_of(at), message)


def _in_static(statics: list[tuple[int, int]], starts: list[int], at: int) -> bool:
    k = bisect.bisect_right(starts, at) - 1
    return k >= 0 and statics[k][0] <= at < statics[k][1]


def _address_taken(code: bytes, name: bytes, start: int, fn: FnInfo) -> bool:
    """True when ``&name``, ``&mut name`` or ``addr_of!(name)`` follows in ``fn``."""
    pattern = rb"&\s*(?:mut\s+)?" + re.escape(name) + rb"\b|addr_of(?:_mut)?!\s*\(\s*" + name
    return re.search(pattern, code[start : min(fn.end_byte, start + _ADDRESS_WINDOW)]) is not None


_ADDRESS_WINDOW = 20_000
"""How far after the table its address is looked for (a bound, so many tables in one long fn
cost no more than one each)."""
