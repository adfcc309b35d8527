"""A local with a destructor alive across a call whose PostgreSQL ERROR would longjmp past it.

pgrx builds every ``pg_sys`` function with ``#[pg_guard]``: the call runs inside
``pg_guard_ffi_boundary``, which catches the ERROR's longjmp with ``sigsetjmp`` and turns it
into a Rust panic, so the frames above it unwind and their destructors run. A destructor is
really skipped only where that guard is absent:

- a C function declared in the extension's own ``extern "C" { .. }`` block without
  ``#[pg_guard]`` (the contracts table says whether PostgreSQL's function of that name may
  raise);
- a call through a function pointer (``prev_hook.unwrap()(..)``, ``(*am).callback.unwrap()(..)``):
  pgrx guards declared functions, never pointers, unless the call is written inside
  ``pg_guard_ffi_boundary(|| ..)`` — and even then a local declared inside that closure is
  skipped (pgrx documents it as undefined behaviour).

``#[pg_guard]``/``#[pg_extern]`` on the enclosing fn does not help: they catch panics with
``catch_unwind``, not longjmps. Neither do ``PgTryBuilder`` and ``catch_unwind``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from unsafe_audit.extract.facts import Call
from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.hints.contract_lookup import majors_where, raises
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.name_uses import find_uses
from unsafe_audit.hints.rule import HintContext, HintRule

_OWNING_INIT = re.compile(
    r"^\s*(?:vec!|format!|(?:Vec|String|Box|CString|HashMap|HashSet|BTreeMap|BTreeSet|VecDeque|"
    r"Rc|Arc|PathBuf|OsString)\s*(?:::\s*<[^>]*>\s*)?::\s*(?:new|from|with_capacity|from_iter|"
    r"default)\b)|\.\s*(?:to_string|to_owned|to_vec|collect|into_owned|lock|borrow_mut|write)\s*"
    r"(?:::\s*<[^()]*>\s*)?\("
)
_OWNING_TYPE = re.compile(
    r"^\s*(?:Vec|String|Box|CString|HashMap|HashSet|BTreeMap|BTreeSet|VecDeque|Rc|Arc|PathBuf|"
    r"OsString|MutexGuard|RefMut)\b"
)
_FOREIGN_BLOCK = re.compile(rb"\b(?:unsafe\s+)?extern\s*\{")
_ATTRIBUTES_BEFORE = re.compile(rb"(?:#\s*\[[^\]]*\]\s*)+$")
_FOREIGN_FN = re.compile(rb"\bfn\s+([A-Za-z_]\w*)\s*[(<]")
_FN_POINTER_CALLEE = re.compile(
    r"\.\s*(?:unwrap|unwrap_unchecked|expect)\s*\((?:[^()]|\([^()]*\))*\)\s*\)?\s*$"
)
_BOUNDARY = frozenset({"pg_guard_ffi_boundary"})
_LETS_READ = 32
"""Owning locals looked at before each unguarded call, nearest first."""
_ATTRIBUTE_WINDOW = 1000
"""Bytes looked back from an ``extern`` block for its attributes."""


class _FnPointerCallees:
    """The callee names of calls through a function pointer (``hook.unwrap()``), as a
    collection the syntax view's ``calls`` can filter by: it asks only ``name in names``."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _FN_POINTER_CALLEE.search(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class _Unguarded:
    """A call whose ERROR pgrx does not catch."""

    call: Call
    why: str
    """How the message says the ERROR gets past the frame."""
    boundary_start: int | None
    """Start of the ``pg_guard_ffi_boundary`` closure around a pointer call: only locals
    declared inside it are skipped."""


class DropAcrossError(HintRule):
    """A ``Vec``, ``String``, ``Box``, guard... declared before, and used after, a call that can
    raise a PostgreSQL ERROR without pgrx's guard: the longjmp skips its destructor (a leak, a
    lock never released, and undefined behaviour by Rust's rules)."""

    id = "drop-across-error"
    items = ("pg-guard", "no-use-after-throw")
    title = "a local with a destructor alive across an unguarded call that may raise ERROR"
    INVALID = (
        """
        extern "C" {
            fn SPI_execute(src: *const c_char, read_only: bool, tcount: c_long) -> c_int;
        }
        fn run(queries: &[&str]) -> usize {
            let texts: Vec<CString> = queries.iter().map(|q| CString::new(*q).unwrap()).collect();
            for t in &texts {
                unsafe { SPI_execute(t.as_ptr(), true, 0) }; // <- hint
            }
            texts.len()
        }
        """,
        """
        static mut PREV_EXECUTOR_RUN: pg_sys::ExecutorRun_hook_type = None;
        #[pg_guard]
        unsafe extern "C-unwind" fn run_hook(qd: *mut pg_sys::QueryDesc, dir: i32, count: u64) {
            let label = format!("query {}", (*qd).queryEnv as usize);
            PREV_EXECUTOR_RUN.unwrap()(qd, dir, count); // <- hint
            log_done(&label);
        }
        """,
    )
    VALID = (
        """
        // pg_sys functions are guarded by pgrx: an ERROR becomes a panic that drops `texts`.
        fn run(queries: &[&str]) -> usize {
            let texts: Vec<CString> = queries.iter().map(|q| CString::new(*q).unwrap()).collect();
            for t in &texts {
                unsafe { pg_sys::SPI_execute(t.as_ptr(), true, 0) };
            }
            texts.len()
        }
        """,
        """
        #[pg_guard]
        extern "C" {
            fn SPI_execute(src: *const c_char, read_only: bool, tcount: c_long) -> c_int;
        }
        fn run(q: &str) -> usize {
            let text = CString::new(q).unwrap();
            unsafe { SPI_execute(text.as_ptr(), true, 0) };
            text.as_bytes().len()
        }
        """,
        """
        // Dropped before the call, as pgrx's own ereport code does.
        extern "C" {
            fn errfinish(filename: *const c_char, lineno: c_int, funcname: *const c_char);
        }
        fn raise(report: Report) {
            let message = report.message.clone().to_string();
            log(&message);
            drop(message);
            unsafe { errfinish(FILE.as_ptr(), 1, FUNC.as_ptr()) };
        }
        """,
        """
        // A block inside a fn declares its fns for that fn only.
        fn run_raw(q: &CStr) {
            extern "C" {
                fn SPI_execute(src: *const c_char, read_only: bool, tcount: c_long) -> c_int;
            }
            unsafe { SPI_execute(q.as_ptr(), true, 0) };
        }
        fn run(q: &str) -> usize {
            use pgrx::pg_sys::*;
            let text = CString::new(q).unwrap();
            unsafe { SPI_execute(text.as_ptr(), true, 0) };
            text.as_bytes().len()
        }
        """,
        """
        unsafe fn call_prev(qd: *mut pg_sys::QueryDesc) {
            let label = format!("{:p}", qd);
            pg_guard_ffi_boundary(|| PREV_EXECUTOR_END.unwrap()(qd));
            log_done(&label);
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        syntax = ctx.syntax
        sites = ctx.site_index
        unguarded = _unguarded_calls(syntax)
        if not unguarded:
            return
        owning = [b for b in syntax.lets() if _owns(b.init, b.type_text)]
        if not owning:
            return
        by_fn: dict[int, list[tuple[int, str]]] = {}
        for let in owning:
            fn = syntax.enclosing_fn(let.start_byte)
            if fn is not None:
                by_fn.setdefault(fn.start_byte, []).append((let.start_byte, let.name))
        uses = find_uses(syntax, {name for lets in by_fn.values() for _, name in lets})
        for item in unguarded:
            call = item.call
            fn = syntax.enclosing_fn(call.start_byte)
            if fn is None:
                continue
            lets = by_fn.get(fn.start_byte, [])
            k = bisect.bisect_left(lets, (call.start_byte, ""))
            alive: list[str] = []
            # The nearest owning locals declared before the call (a bounded number of them).
            for start, name in reversed(lets[max(0, k - _LETS_READ) : k]):
                if item.boundary_start is not None and start <= item.boundary_start:
                    break
                if uses.first_after(fn.start_byte, name, call.end_byte) is not None:
                    alive.insert(0, name)
            if not alive:
                continue
            names = ", ".join(f"`{n}`" for n in dict.fromkeys(alive))
            message = (
                f"{names} still {'needs' if len(alive) == 1 else 'need'} dropping when "
                f"{item.why}, which longjmps past `{fn.name}` so the destructor never runs."
            )
            yield self.hint(ctx, sites.innermost(call.start_byte), call.line, message)


def _owns(init: str, type_text: str) -> bool:
    return bool(_OWNING_INIT.search(init) or _OWNING_TYPE.match(type_text))


def _unguarded_calls(syntax: RustSyntax) -> list[_Unguarded]:
    """Calls of unguarded foreign fns that may raise, and calls through fn pointers."""
    found: list[_Unguarded] = []
    declared = _unguarded_foreign_fns(syntax)
    if declared:
        for call in syntax.calls(declared):
            if call.callee != call.name:
                continue  # a path (`pg_sys::errfinish`) names another, guarded, function
            fn = syntax.enclosing_fn(call.start_byte)
            scopes = declared[call.name]
            majors = scopes.get(fn.start_byte if fn is not None else None) or scopes.get(None)
            if majors is not None:
                why = (
                    f"`{call.name}` (declared without `#[pg_guard]`) may raise an ERROR "
                    f"(PostgreSQL {majors})"
                )
                found.append(_Unguarded(call, why, None))
    boundaries = [(c.start_byte, c.end_byte) for c in syntax.calls(_BOUNDARY)]
    for call in syntax.calls(_FnPointerCallees()):
        k = bisect.bisect_right(boundaries, (call.start_byte, len(syntax.source))) - 1
        inside = [boundaries[k][0]] if k >= 0 and call.start_byte < boundaries[k][1] else []
        pointer = " ".join(_FN_POINTER_CALLEE.sub("", call.callee).split()).lstrip("(")
        why = (
            f"the function pointer `{pointer}` may raise an ERROR (pgrx guards declared "
            "functions, not pointers)"
        )
        found.append(_Unguarded(call, why, max(inside) if inside else None))
    return found


def _unguarded_foreign_fns(syntax: RustSyntax) -> dict[str, dict[int | None, str]]:
    """Name -> {start of the fn whose body declares it (None at module level) -> the majors in
    which PostgreSQL's function of that name may raise}, for each fn of an ``extern`` block
    without ``#[pg_guard]``."""
    code = syntax.code
    found: dict[str, dict[int | None, str]] = {}
    closings = [m.start() for m in re.finditer(rb"\}", code)]
    read_to = 0  # blocks are read once each: a block opening inside the last one is skipped
    for block in _FOREIGN_BLOCK.finditer(code):
        if block.start() < read_to:
            continue
        window = code[max(0, block.start() - _ATTRIBUTE_WINDOW) : block.start()]
        attributes = _ATTRIBUTES_BEFORE.search(window)
        if attributes is not None and b"pg_guard" in attributes.group():
            continue
        k = bisect.bisect_left(closings, block.end())
        read_to = closings[k] if k < len(closings) else len(code)
        scope = syntax.enclosing_fn(block.start())
        for fn in _FOREIGN_FN.finditer(code, block.end(), read_to):
            name = fn.group(1).decode()
            majors = majors_where(name, raises)
            if majors is not None:
                found.setdefault(name, {})[scope.start_byte if scope is not None else None] = majors
    return found
