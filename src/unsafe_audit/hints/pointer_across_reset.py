"""A pointer from a pg_sys call used after the memory context it was allocated in is reset or
deleted in the same fn."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from unsafe_audit.contracts.table import MajorFacts
from unsafe_audit.extract.facts import Call
from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.hints.contract_lookup import pg_sys_calls, pg_sys_calls_named, returns_pointer
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.name_uses import find_uses, reach_ends
from unsafe_audit.hints.rule import HintContext, HintRule

_RESETS = frozenset(
    {
        "MemoryContextReset",
        "MemoryContextResetOnly",
        "MemoryContextResetAndDeleteChildren",
        "MemoryContextDelete",
    }
)
"""Calls that free the memory of the context they are given (the ``*Children`` variants that
spare the context's own memory are left out)."""
_IN_CONTEXT = frozenset(
    {
        "MemoryContextAlloc",
        "MemoryContextAllocZero",
        "MemoryContextAllocZeroAligned",
        "MemoryContextAllocExtended",
        "MemoryContextAllocAligned",
        "MemoryContextAllocHuge",
        "MemoryContextStrdup",
    }
)
"""Allocators that take the context as their first argument."""
_SWITCHES = frozenset({"MemoryContextSwitchTo", "switch_to"})
_CURRENT = "CurrentMemoryContext"
_FOR = re.compile(r"^PgMemoryContexts::For\((?P<inner>.*)\)$")
_HEAD = 300
"""Bytes of a ``.switch_to(..)`` call read for its receiver."""
_REBOUND_BEFORE = re.compile(rb"\blet\s+(?:mut\s+)?$")
_REBOUND_AFTER = re.compile(rb"\s*=[^=]")


@dataclass(frozen=True, slots=True)
class _Reset:
    call: Call
    context: str


class PointerAcrossReset(HintRule):
    """``let p = pg_sys::f(..)`` (a pointer, per the contracts table) allocated in context
    ``X`` — explicitly, after ``MemoryContextSwitchTo(X)``, inside ``X.switch_to(..)``, or in
    ``CurrentMemoryContext`` — then ``MemoryContextReset(X)``/``MemoryContextDelete(X)``, then
    ``p`` used again. Same fn, textual order, contexts compared by their text."""

    id = "pointer-across-reset"
    items = ("reset-no-dangling", "short-pointer-life")
    title = "a pointer used after the memory context it lives in is reset or deleted"
    INVALID = (
        """
        fn first_name(scratch: pg_sys::MemoryContext, relid: pg_sys::Oid) -> u8 {
            unsafe {
                let old = pg_sys::MemoryContextSwitchTo(scratch);
                let name = pg_sys::get_rel_name(relid);
                pg_sys::MemoryContextSwitchTo(old);
                pg_sys::MemoryContextReset(scratch);
                *name as u8 // <- hint
            }
        }
        """,
        """
        fn copy_row(cx: pg_sys::MemoryContext, n: usize) -> Vec<u8> {
            let buf = unsafe { pg_sys::MemoryContextAllocZero(cx, n) } as *mut u8;
            unsafe { pg_sys::MemoryContextDelete(cx) };
            unsafe { std::slice::from_raw_parts(buf, n) }.to_vec() // <- hint
        }
        """,
    )
    VALID = (
        """
        fn first_name(scratch: pg_sys::MemoryContext, relid: pg_sys::Oid) -> u8 {
            unsafe {
                let old = pg_sys::MemoryContextSwitchTo(scratch);
                let name = pg_sys::get_rel_name(relid);
                let first = *name as u8;
                pg_sys::MemoryContextSwitchTo(old);
                pg_sys::MemoryContextReset(scratch);
                first
            }
        }
        """,
        """
        fn per_row(cx: pg_sys::MemoryContext, rows: &[pg_sys::Oid]) {
            let mut name = std::ptr::null_mut();
            for relid in rows {
                name = unsafe { pg_sys::MemoryContextStrdup(cx, c"x".as_ptr()) };
                unsafe { pg_sys::MemoryContextReset(cx) };
                name = std::ptr::null_mut();
            }
        }
        """,
        """
        fn other_context(a: pg_sys::MemoryContext, b: pg_sys::MemoryContext) -> u8 {
            let p = unsafe { pg_sys::MemoryContextAlloc(a, 8) } as *mut u8;
            unsafe { pg_sys::MemoryContextReset(b) };
            unsafe { *p }
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        resets = [
            _Reset(call, _context_text(call.args[0]))
            for call, _ in pg_sys_calls_named(ctx, _RESETS)
            if call.args
        ]
        if not resets:
            return
        syntax = ctx.syntax
        sites = ctx.site_index
        pointers = [
            cc
            for cc in pg_sys_calls(ctx, _returns_memory)
            if cc.call.bound_to is not None and cc.call.bound_to.isidentifier()
        ]
        if not pointers:
            return
        # Resets by fn and context, in source order, so each pointer finds its reset by bisection.
        resets_by: dict[tuple[int, str], list[_Reset]] = {}
        for each in resets:
            fn = syntax.enclosing_fn(each.call.start_byte)
            if fn is not None:
                resets_by.setdefault((fn.start_byte, each.context), []).append(each)
        reset_starts = {key: [r.call.start_byte for r in rs] for key, rs in resets_by.items()}
        switches = _switches(syntax)
        uses = find_uses(syntax, {cc.call.bound_to or "" for cc in pointers})
        reach = reach_ends(
            syntax, [(cc.call.start_byte, cc.call.bound_to or "") for cc in pointers]
        )
        for cc in pointers:
            call, name = cc.call, cc.call.bound_to or ""
            fn = syntax.enclosing_fn(call.start_byte)
            if fn is None:
                continue
            key = (fn.start_byte, _allocated_in(call, switches.get(fn.start_byte)))
            context = key[1]
            starts = reset_starts.get(key)
            if not starts:
                continue
            k = bisect.bisect_right(starts, call.end_byte)
            if k == len(starts) or starts[k] >= reach.get(call.start_byte, fn.end_byte):
                continue
            reset = resets_by[key][k]
            at = uses.first_after(fn.start_byte, name, reset.call.end_byte)
            if at is None:
                continue
            width = len(name.encode())
            if _REBOUND_BEFORE.search(uses.line_before(at)) or _REBOUND_AFTER.match(
                uses.rest_of_line(at + width)
            ):
                continue
            message = (
                f"`{name}` points into `{context}` (from `{call.name}` at line {call.line}), "
                f"which `{reset.call.name}` at line {reset.call.line} frees, and is used here "
                "after it."
            )
            yield self.hint(ctx, sites.innermost(at), syntax.line_of(at), message)


def _returns_memory(facts: MajorFacts) -> bool:
    """A pointer result that is not a memory context itself (``MemoryContextSwitchTo``
    returns the previous context, which no reset of the current one frees)."""
    return returns_pointer(facts) and not facts.signature.startswith("MemoryContext ")


def _context_text(text: str) -> str:
    """A context expression as compared: whitespace, ``pg_sys::`` paths, ``*``/``&`` and
    ``PgMemoryContexts::For(..)`` taken off."""
    flat = "".join(text.split())
    wrapped = _FOR.match(flat)
    if wrapped is not None:
        flat = wrapped.group("inner")
    flat = flat.lstrip("&*")
    return flat.rsplit("::", 1)[-1] if flat.startswith(("pg_sys::", "pgrx::")) else flat


@dataclass(slots=True)
class _Switches:
    """The context switches of one fn: ``MemoryContextSwitchTo(X)`` calls (each lasting until
    the next) and ``X.switch_to(..)`` spans, each in source order."""

    calls: list[tuple[int, str]]
    spans: list[tuple[int, int, str]]


def _switches(syntax: RustSyntax) -> dict[int, _Switches]:
    """The context switches of each fn, by the fn's start."""
    found: dict[int, _Switches] = {}
    for call in syntax.calls(_SWITCHES):
        fn = syntax.enclosing_fn(call.start_byte)
        if fn is None:
            continue
        mine = found.setdefault(fn.start_byte, _Switches([], []))
        if call.name == "MemoryContextSwitchTo" and call.args:
            mine.calls.append((call.start_byte, _context_text(call.args[0])))
        elif call.name == "switch_to":
            head = syntax.text(call.start_byte, min(call.end_byte, call.start_byte + _HEAD))
            receiver = head.split(".switch_to", 1)[0]
            mine.spans.append((call.start_byte, call.end_byte, _context_text(receiver)))
    return found


def _allocated_in(call: Call, switches: _Switches | None) -> str:
    """The context a call allocates in: its first argument for ``MemoryContextAlloc`` and
    kin, else that of the latest switch before it (a ``switch_to`` span only while the call is
    inside it), else ``CurrentMemoryContext``."""
    if call.name in _IN_CONTEXT and call.args:
        return _context_text(call.args[0])
    if switches is None:
        return _CURRENT
    best: tuple[int, str] | None = None
    k = bisect.bisect_left(switches.calls, (call.start_byte, "")) - 1
    if k >= 0:
        best = switches.calls[k]
    j = bisect.bisect_left(switches.spans, (call.start_byte, 0, "")) - 1
    if j >= 0 and switches.spans[j][1] > call.start_byte:
        start, _, context = switches.spans[j]
        if best is None or start > best[0]:
            best = (start, context)
    return best[1] if best is not None else _CURRENT
