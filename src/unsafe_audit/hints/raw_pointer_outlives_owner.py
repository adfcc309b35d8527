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
_HANDED_OVER = re.compile(rb"\binto_raw\s*\(|\bBox\s*::\s*leak\s*\(|\.\s*leak\s*\(\s*\)")


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
        sites = ctx.site_index
        for call in syntax.calls({"as_ptr", "as_mut_ptr"}):
            if call.in_macro:
                continue
            if call.end_byte - call.start_byte > _LONGEST_CHAIN:
                continue  # no temporary's constructor is this long; the regexes stay cheap
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
            keeper = None if stored else _keeper(code, call)
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
        seen: set[int] = set()
        for m in _HANDED_OVER.finditer(code):
            found = _enclosing_call(code, m.start())
            if found is None or found[1] in seen:
                continue
            name, at, _index = found
            line = syntax.line_of(at)
            if (name, line) not in pg_sys:
                continue
            seen.add(at)
            message = (
                f"Rust heap memory (`into_raw`/`leak`) is handed to `pg_sys::{name}` and no "
                "`from_raw` in this file takes it back; PostgreSQL may keep it, or pfree it as "
                "if it were palloc'd."
            )
            yield self.hint(ctx, sites.innermost(at), line, message)


def _keeper(code: bytes, call: Call) -> str | None:
    """The pg_sys function in :data:`KEEPS` that ``call``'s pointer is a kept argument of:
    the call must be that whole argument (casts aside)."""
    if _CAST_THEN_END.match(code, call.end_byte) is None:
        return None
    found = _enclosing_call(code, call.start_byte)
    if found is None or found[0] not in KEEPS:
        return None
    name, _at, index = found
    kept = KEEPS[name]
    return name if kept is None or index in kept else None


def _enclosing_call(code: bytes, pos: int) -> tuple[str, int, int] | None:
    """``(callee, where the callee's name starts, argument index)`` of the call whose
    argument list holds ``pos``: a scan back to the unmatched ``(`` (at most
    :data:`_SCAN_BACK` bytes, so each question costs a bounded amount whatever the nesting),
    counting the top-level commas on the way."""
    depth = commas = 0
    for i in range(pos - 1, max(-1, pos - _SCAN_BACK), -1):
        ch = code[i]
        if ch in _CLOSERS:
            depth += 1
        elif ch in _OPENERS:
            if depth:
                depth -= 1
                continue
            callee = _CALLEE_BEFORE.search(code, max(0, i - 200), i) if ch == _PAREN else None
            if callee is None:
                return None
            return callee.group(1).decode(), callee.start(1), commas
        elif ch == _COMMA and depth == 0:
            commas += 1
    return None


_SCAN_BACK = 4096
_LONGEST_CHAIN = 1000
_CLOSERS = frozenset(b")]}")
_OPENERS = frozenset(b"([{")
_PAREN = ord("(")
_COMMA = ord(",")
_CALLEE_BEFORE = re.compile(rb"\b(\w+)\s*(?:::\s*<[^<>()]*>\s*)?\Z")
_CAST_THEN_END = re.compile(
    rb"(?:\s*\.\s*cast(?:_mut)?\s*(?:::\s*<[^()]*>)?\s*\(\s*\)"
    rb"|\s*as\s+\*\s*(?:const|mut)\s+[\w:<>\s]+?)*\s*[,)]"
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
