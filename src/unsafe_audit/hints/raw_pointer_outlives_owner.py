"""A raw pointer that outlives the Rust value owning its memory, or Rust memory handed to
PostgreSQL.

``CString::new(s).unwrap().as_ptr()`` points into a temporary that is dropped at the end of the
statement: kept in a ``let``, a struct field or a return value, the pointer dangles at once.
``CString::into_raw``/``Box::into_raw``/``leak`` passed to a pg_sys function hands Rust heap
memory to PostgreSQL, which may keep it past any ``from_raw`` or ``pfree`` it (pgrx fixed
``makeString(CString::new(v).unwrap().into_raw())`` in pgcentralfoundation/pgrx#553).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from unsafe_audit.extract.facts import Call
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule
from unsafe_audit.hints.site_index import SiteIndex
from unsafe_audit.model import SiteKind

# An owned value built in the expression itself, so a temporary (before `.as_ptr()`, with any
# `.unwrap()`/`.expect(..)`/`.as_c_str()`/`.as_bytes()` steps in between).
_STEPS = re.compile(
    r"(?:\s*\.\s*(?:unwrap|expect|as_c_str|as_bytes|as_bytes_with_nul|as_str|as_slice)"
    r"\s*\([^()]*\))*\s*\Z"
)
_OWNED_START = re.compile(
    r"\A(?:(?:std\s*::\s*)?(?:ffi\s*::\s*)?(?:CString|String|Vec)\s*::\s*\w+\s*\(|(?:format|vec)\s*!)"
)
_OWNED_END = re.compile(r"\.\s*(?:to_string|to_owned|to_vec|into_bytes|collect)\s*\(\s*\)\Z")
_STORED_BEFORE = re.compile(rb"(?:[{,]\s*\w+\s*:|\breturn)\s*\Z")
KEEPS: dict[str, tuple[int, ...] | None] = {
    # The String node holds the very pointer.
    "makeString": None,
    # The list cell holds the pointer.
    "lappend": (1,),
    "lcons": (0,),
    # The GUC keeps short_desc and long_desc as given (only the name is copied).
    "DefineCustomBoolVariable": (1, 2),
    "DefineCustomIntVariable": (1, 2),
    "DefineCustomRealVariable": (1, 2),
    "DefineCustomEnumVariable": (1, 2),
    "DefineCustomStringVariable": (1, 2, 4),
    # The tranche name is kept in a lookup array.
    "LWLockRegisterTranche": (1,),
}
"""pg_sys functions that keep a pointer argument past the call, by argument index (None: all)."""
_HANDED_OVER = re.compile(r"\binto_raw\s*\(|\bBox\s*::\s*leak\s*\(|\.\s*leak\s*\(\s*\)")


class RawPointerOutlivesOwner(HintRule):
    """A pointer into a dropped temporary, or Rust heap memory given to PostgreSQL."""

    id = "raw-pointer-outlives-owner"
    items = ("copy-to-outlive", "short-pointer-life", "no-stored-borrow")
    title = "as_ptr() of a temporary kept past its statement, or into_raw/leak given to pg_sys"
    INVALID = (
        """
        fn name_ptr(name: &str) -> *const c_char {
            let p = CString::new(name).unwrap().as_ptr(); // <- hint
            p
        }
        """,
        """
        fn define(v: &'static PgSetting) {
            unsafe {
                pg_sys::DefineCustomIntVariable(
                    c"ext.limit".as_ptr(),
                    CString::new(v.short).unwrap().as_ptr(), // <- hint
                    c"".as_ptr(),
                    v.ptr(),
                    0, 0, 100, pg_sys::GucContext::PGC_USERSET, 0, None, None, None,
                );
            }
        }
        """,
        """
        fn desc(name: &str) -> Desc {
            Desc {
                name: CString::new(name).expect("no NUL").as_ptr(), // <- hint
                len: format!("{name}!").as_ptr(), // <- hint
            }
        }
        """,
        """
        fn push(list: *mut pg_sys::List, value: &str) -> *mut pg_sys::List {
            unsafe {
                let s = pg_sys::makeString(CString::new(value).unwrap().into_raw()); // <- hint
                pg_sys::lappend(list, s.cast())
            }
        }
        """,
    )
    VALID = (
        """
        fn log_it(msg: &str) {
            unsafe { pg_sys::elog_plain(CString::new(msg).unwrap().as_ptr()) };
            let copy = unsafe { pg_sys::pstrdup(CString::new(msg).unwrap().as_ptr()) };
            unsafe { pg_sys::lappend(list, pg_sys::pstrdup(CString::new(msg).unwrap().as_ptr())) };
            let owned = CString::new(msg).unwrap();
            let p = owned.as_ptr();
            use_ptr(p);
        }
        """,
        """
        fn push(list: *mut pg_sys::List, value: &str) -> *mut pg_sys::List {
            unsafe { pg_sys::lappend(list, pg_sys::makeString(value.as_pg_cstr()).cast()) }
        }
        """,
        """
        unsafe fn give(state: Box<State>) -> *mut State {
            let p = Box::into_raw(state);
            pg_sys::MemoryContextRegisterResetCallback(ctx(), cb(p));
            p
        }
        unsafe extern "C" fn free_state(p: *mut c_void) { drop(Box::from_raw(p as *mut State)) }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        syntax = ctx.syntax
        code = syntax.code
        sites = SiteIndex(ctx.sites)
        kept = _kept_arguments(
            syntax.source, [c for c in syntax.calls(KEEPS.keys()) if not c.in_macro and c.args]
        )
        for call in syntax.calls({"as_ptr", "as_mut_ptr"}):
            if call.in_macro:
                continue
            chain = syntax.text(call.start_byte, call.end_byte)
            receiver = chain[: chain.rfind(".")].rstrip()
            owner = _STEPS.sub("", receiver, count=1)
            if not (_OWNED_START.match(owner) and _closes_at_end(owner)) and not _OWNED_END.search(
                owner
            ):
                continue
            stored = call.bound_to is not None or _STORED_BEFORE.search(
                code, max(0, call.start_byte - 80), call.start_byte
            )
            held = None if stored else kept.get(call.start_byte)
            keeper = held[0] if held is not None and _is_pointer_of(held[1], chain) else None
            if stored or keeper is not None:
                where = "kept here" if keeper is None else f"`pg_sys::{keeper}` keeps"
                message = (
                    f"`.{call.name}()` points into a temporary that is dropped at the end of this "
                    f"statement, so the pointer {where} dangles; bind the owner to a variable "
                    "that lives as long as the pointer is used, or pstrdup it."
                )
                yield self.hint(ctx, sites.innermost(call.start_byte), call.line, message)
        if b"from_raw" in code:
            return  # memory handed over is taken back somewhere: a reviewer pairs them
        pg_sys = {(s.name, s.line) for s in ctx.sites if s.kind is SiteKind.PG_SYS_CALL}
        names = {name for name, _line in pg_sys if name}
        for call in syntax.calls(names):
            if call.in_macro or (call.name, call.line) not in pg_sys:
                continue
            for arg in call.args:
                if _HANDED_OVER.search(arg) and not _inner_pg_sys_call(arg, names):
                    message = (
                        f"Rust heap memory (`into_raw`/`leak`) is handed to `pg_sys::{call.name}` "
                        "and no `from_raw` in this file takes it back; PostgreSQL may keep it, "
                        "or pfree it as if it were palloc'd."
                    )
                    yield self.hint(ctx, sites.innermost(call.start_byte), call.line, message)
                    break


def _kept_arguments(source: bytes, keepers: list[Call]) -> dict[int, tuple[str, str]]:
    """Where each kept argument of ``keepers`` starts -> (the keeper, the argument's text).
    Each keeper's arguments are found left to right in its own text, so the work is the
    keepers' length (times their nesting depth), never keepers times pointers."""
    found: dict[int, tuple[str, str]] = {}
    for keeper in keepers:
        indexes = KEEPS[keeper.name]
        cursor = keeper.start_byte
        for i, arg in enumerate(keeper.args):
            at = source.find(arg.encode(), cursor, keeper.end_byte)
            if at < 0:
                break
            cursor = at + len(arg.encode())
            if indexes is None or i in indexes:
                found[at] = (keeper.name, arg)
    return found


def _is_pointer_of(arg: str, chain: str) -> bool:
    """True when ``arg`` is ``chain`` itself, cast at most (not a call that copies it)."""
    arg = arg.strip()
    return arg.startswith(chain) and _CASTS.fullmatch(arg[len(chain) :]) is not None


_CASTS = re.compile(
    r"(?:\s*\.\s*cast(?:_mut)?\s*(?:::\s*<[^()]*>)?\s*\(\s*\)|\s*as\s+\*\s*(?:const|mut)\s+[\w:<>\s]+?)*\s*"
)


def _closes_at_end(expr: str) -> bool:
    """True when the constructor call opened at the start of ``expr`` ends with ``expr`` (so
    ``String::from(a).len`` is not taken for a ``String``)."""
    depth = 0
    opened = False
    for i, ch in enumerate(expr):
        if ch in "([{":
            depth += 1
            opened = True
        elif ch in ")]}":
            depth -= 1
            if opened and depth == 0:
                return expr[i + 1 :].strip() == ""
    return False


def _inner_pg_sys_call(arg: str, names: set[str]) -> bool:
    """True when the handed-over memory goes to a pg_sys call nested in ``arg`` (reported
    there, on the inner call)."""
    return any(re.search(rf"\b{re.escape(n)}\s*\(", arg) for n in names)
