"""Calls through a C function pointer outside ``pg_guard_ffi_boundary``.

pgrx wraps every ``pg_sys::`` function so that an ERROR it raises becomes a Rust panic; a
function pointer (a hook's previous value, a field of a method table such as
``(*routine).scan_getnextslot``, ``fn_addr``, a ``dlsym``'d symbol) has no such wrapper, so an
ERROR raised behind it longjmps over the Rust frames between, skipping their destructors.
pgrx's own dynamic call does ``pg_guard_ffi_boundary(|| func(fcinfo))`` (pgrx/src/fn_call.rs).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterator

from unsafe_audit.extract.facts import Call, FnInfo
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule

_GUARD = "pg_guard_ffi_boundary"
# What marks an expression as a C function pointer: a field read through a raw pointer to a
# pg_sys struct (``(*routine).scan_getnextslot``), a pg_sys hook or a saved previous hook,
# ``fn_addr``, or a pointer conjured by transmute or dlsym.
_C_POINTER = re.compile(
    r"\(\s*\*[^()]*\)\s*\.\s*\w+|pg_sys\s*::\s*\w+_hook\b|\bprev_\w*hook\b|\bPREV_\w+|"
    r"\bfn_addr\b|\btransmute\b|\bdlsym\b|extern\s*\"C"
)
# What marks a declared type as a C function pointer type.
_C_TYPE = re.compile(r"extern\s*\"C|pg_sys\s*::\s*\w+_type\b|\bPGFunction\b")
_LONGEST_CALLEE = 1000
_CLOSURE = re.compile(r"\s*(?:move\s*)?\|")
# ``if let Some(f) = EXPR {`` and ``match EXPR { Some(f) =>``: ``f`` is what EXPR holds.
_SOME_PATTERN = re.compile(
    rb"\bif\s+let\s+Some\s*\(\s*(?P<let_name>\w+)\s*\)\s*=\s*(?P<let_expr>[^{};]{1,200})\{"
    rb"|\bmatch\s+(?P<match_expr>[^{};]{1,200})\{\s*Some\s*\(\s*(?P<match_name>\w+)\s*\)"
)


class _AnyName(Collection[str]):
    """Every callee name: :meth:`RustSyntax.calls` filters by name, and this rule looks at
    the shape of the callee instead."""

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class FnPointerUnguarded(HintRule):
    """A C function pointer called without pgrx's FFI guard."""

    id = "fn-pointer-unguarded"
    items = ("pg-guard", "no-use-after-throw")
    title = "call through a C function pointer outside pg_guard_ffi_boundary"
    INVALID = (
        """
        unsafe fn next(scan: *mut pg_sys::TableScanDescData, slot: *mut pg_sys::TupleTableSlot) {
            let routine = (*(*scan).rs_rd).rd_tableam;
            (*routine).scan_getnextslot.unwrap()(scan, 1, slot); // <- hint
        }
        """,
        """
        static mut PREV_EXECUTOR_START: pg_sys::ExecutorStart_hook_type = None;
        #[pg_guard]
        unsafe extern "C-unwind" fn my_start(q: *mut pg_sys::QueryDesc, e: i32) {
            match PREV_EXECUTOR_START {
                Some(prev) => prev(q, e), // <- hint
                None => pg_sys::standard_ExecutorStart(q, e),
            }
        }
        """,
        """
        unsafe fn eval(state: *mut pg_sys::ExprState, ctx: *mut pg_sys::ExprContext) -> Datum {
            let mut isnull = false;
            ((*state).evalfunc.unwrap())(state, ctx, &mut isnull) // <- hint
        }
        """,
        """
        unsafe fn call_sym(lib: *mut c_void) {
            let f: extern "C" fn() = std::mem::transmute(libc::dlsym(lib, c"f".as_ptr()));
            f(); // <- hint
        }
        """,
    )
    VALID = (
        """
        unsafe fn call(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
            let func = *(*(*fcinfo).flinfo).fn_addr.as_ref().expect("fn_addr not set");
            pg_guard_ffi_boundary(|| func(fcinfo))
        }
        """,
        """
        unsafe fn next(scan: *mut pg_sys::TableScanDescData, slot: *mut pg_sys::TupleTableSlot) {
            let routine = (*(*scan).rs_rd).rd_tableam;
            pgrx::pg_sys::ffi::pg_guard_ffi_boundary(|| {
                (*routine).scan_getnextslot.unwrap()(scan, 1, slot)
            });
        }
        """,
        """
        unsafe fn direct(func: unsafe fn(pg_sys::FunctionCallInfo) -> pg_sys::Datum) {
            let default_hook = std::panic::take_hook();
            call_with(|fcinfo| func(fcinfo));
            default_hook(info);
            if let Some(hook) = hooks.get(&(*event).kind) {
                (hook.0)(1, 2);
            }
            let n = (*tupdesc).natts.max(0);
            let v = datum.value() as usize;
        }
        """,
        """
        unsafe fn closures(te: *mut pg_sys::TargetEntry, node: *mut pg_sys::Node) {
            let name_of = |te: &pg_sys::TargetEntry| (*te.expr).type_;
            name_of(&*te);
            let paths = (|| (*node).type_)();
            unsafe extern "C-unwind" fn walker(n: *mut pg_sys::Node, c: *mut c_void) -> bool {
                false
            }
            walker(node, std::ptr::null_mut());
        }
        """,
        """
        fn apply(f: Option<Box<dyn Fn(i32) -> i32>>, g: fn(i32) -> i32) -> i32 {
            let h = |x| x + 1;
            f.unwrap()(1) + g(2) + h(3) + (self.callback)(4)
        }
        """,
        """
        unsafe fn plain(q: *mut pg_sys::Query) {
            pg_sys::standard_planner(q, std::ptr::null(), 0, std::ptr::null_mut());
            helper(q);
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        syntax = ctx.syntax
        code = syntax.code
        sites = ctx.site_index
        calls = [c for c in syntax.calls(_AnyName()) if not c.in_macro]
        guards = _merged([(c.start_byte, c.end_byte) for c in calls if c.name == _GUARD])
        c_names = {s.name for s in syntax.statics if _C_TYPE.search(s.type_text)}
        c_lets = [
            (b.start_byte, b.name)
            for b in syntax.lets()
            if _C_TYPE.search(b.type_text)
            or (not _CLOSURE.match(b.init) and _points_to_c(b.init, c_names))
        ]
        fn_items = {f.name for f in syntax.fns}
        for m in _SOME_PATTERN.finditer(code):
            scrutinee = (m.group("let_expr") or m.group("match_expr") or b"").decode(
                "utf-8", "replace"
            )
            if _points_to_c(scrutinee, c_names):
                name = m.group("let_name") or m.group("match_name") or b""
                c_lets.append((m.start(), name.decode()))
        c_lets.sort()
        c_let_at = [at for at, _name in c_lets]
        for call in calls:
            callee = call.callee.strip()
            if len(callee) > _LONGEST_CALLEE:
                continue  # a chain this long is no function pointer read; the regexes stay cheap
            if callee.endswith(")"):
                if "|" in callee or not _points_to_c(callee, c_names):
                    continue  # a closure's body may read raw pointers; it is no pointer itself
            elif (
                callee.isidentifier()
                and callee not in fn_items
                and _called_by_name(code, call, callee)
            ):
                fn = syntax.enclosing_fn(call.start_byte)
                if fn is None or not _bound_to_c(fn, callee, c_lets, c_let_at, call, c_names):
                    continue
            else:
                continue
            if _inside(guards, call.start_byte):
                continue
            message = (
                f"`{_short(callee)}` is a C function pointer called outside "
                "`pg_guard_ffi_boundary`; pgrx guards `pg_sys::` functions, not pointers, so an "
                "ERROR raised behind it longjmps over Rust frames without running their drops."
            )
            yield self.hint(ctx, sites.innermost(call.start_byte), call.line, message)


def _points_to_c(expr: str, c_names: set[str]) -> bool:
    """True when ``expr`` evaluates to a C function pointer, as far as its text tells."""
    if _C_POINTER.search(expr):
        return True
    words = set(re.findall(r"[A-Za-z_]\w*", expr))
    return bool(words & c_names)


def _bound_to_c(
    fn: FnInfo,
    name: str,
    c_lets: list[tuple[int, str]],
    c_let_at: list[int],
    call: Call,
    c_names: set[str],
) -> bool:
    """True when ``name`` is a parameter of C function pointer type, a static of one, a ``let``
    of one before ``call`` in ``fn``, or a ``Some(name)`` pattern over one."""
    if name in c_names:
        return True
    if any(p == name and _C_TYPE.search(t) for p, t in fn.params):
        return True
    lo = bisect.bisect_left(c_let_at, fn.body_start_byte)
    hi = bisect.bisect_left(c_let_at, call.start_byte)
    return any(n == name for _at, n in c_lets[lo:hi])


def _called_by_name(code: bytes, call: Call, callee: str) -> bool:
    """True for ``f(..)``, False for a method call ``x.f(..)`` (whose call starts at ``x``)."""
    return code.startswith(callee.encode(), call.start_byte)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined, in order, so one bisection answers :func:`_inside`."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    k = bisect.bisect_right(spans, (at, 1 << 62)) - 1
    return k >= 0 and spans[k][0] <= at < spans[k][1]


def _short(callee: str) -> str:
    text = " ".join(callee.split())
    return text if len(text) <= 60 else text[:57] + "..."
