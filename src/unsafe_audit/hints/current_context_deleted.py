"""Resetting or deleting the memory context that is current (``MemoryContextDelete(
CurrentMemoryContext)``), directly, through a name bound to it, or through the context a pgrx
``switch_to`` closure is handed (the PL/Rust crash of pgcentralfoundation/plrust#169).

The other half of the class, a ``MemoryContextSwitchTo`` whose switch-back is skipped when a
call between raises, is not flagged: PostgreSQL's error recovery switches the context itself
unless the ERROR is caught, so nearly every switch would be flagged for the rare caught case.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from unsafe_audit.extract.facts import Call, last_segment
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule

_CURRENT = "CurrentMemoryContext"
_FREES = {
    "MemoryContextDelete": "deletes",
    "MemoryContextReset": "resets",
    "MemoryContextResetOnly": "resets",
    "MemoryContextResetAndDeleteChildren": "resets",
    "reset": "resets",
}
"""The calls that free a context's memory, and what they do to it (``reset`` is pgrx's
``PgMemoryContexts::reset``, counted only on ``PgMemoryContexts::CurrentMemoryContext``)."""


class CurrentContextDeleted(HintRule):
    """Deleting the current context leaves CurrentMemoryContext dangling; resetting it frees what
    the caller allocated there and still holds."""

    id = "current-context-deleted"
    items = ("reset-no-dangling", "ctx-owner")
    title = "MemoryContextDelete / MemoryContextReset of CurrentMemoryContext"
    INVALID = (
        """
        unsafe fn done() {
            pg_sys::MemoryContextDelete(pg_sys::CurrentMemoryContext); // <- hint
        }
        """,
        """
        fn scratch_done() {
            let ctx = unsafe { pg_sys::CurrentMemoryContext };
            let n = work();
            unsafe { pg_sys::MemoryContextReset(ctx) }; // <- hint
        }
        """,
        """
        fn clear() {
            unsafe { PgMemoryContexts::CurrentMemoryContext.reset() }; // <- hint
        }
        """,
        """
        fn reset_top() {
            PgMemoryContexts::TopMemoryContext.switch_to(|context| {
                context.reset(); // <- hint
            });
        }
        """,
    )
    VALID = (
        """
        unsafe fn scratch(parent: pg_sys::MemoryContext) {
            let ctx = pg_sys::AllocSetContextCreateExtended(parent, c"s".as_ptr(), 0, 8192, 8192);
            let old = pg_sys::MemoryContextSwitchTo(ctx);
            work();
            pg_sys::MemoryContextSwitchTo(old);
            pg_sys::MemoryContextDelete(ctx);
        }
        """,
        """
        fn other() {
            let ctx = unsafe { pg_sys::CurrentMemoryContext };
            let _ = ctx;
        }
        fn reset_it(ctx: pg_sys::MemoryContext) {
            unsafe { pg_sys::MemoryContextReset(ctx) };
            PgMemoryContexts::For(ctx).reset();
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        syntax = ctx.syntax
        calls = [c for c in syntax.calls(_FREES.keys()) if not c.in_macro]
        if not calls:
            return
        bound = [(b.start_byte, b.name) for b in syntax.lets() if _is_current(b.init)]
        bound_at = [at for at, _name in bound]
        current_params = _switch_to_params(syntax.calls({"switch_to"}), syntax.code)
        for call in calls:
            if call.name == "reset":
                target = syntax.text(call.start_byte, call.end_byte).rsplit(".", 1)[0].strip()
            else:
                target = call.args[0].strip() if call.args else ""
            if last_segment(target) == _CURRENT:
                how = "`CurrentMemoryContext`"
            elif call.name == "reset" and _is_switched_to(current_params, target, call):
                how = f"`{target}`, the context `switch_to` made current,"
            elif (
                call.name != "reset"
                and target.isidentifier()
                and _bound_here(ctx, bound, bound_at, target, call)
            ):
                how = f"`{target}`, bound to CurrentMemoryContext above,"
            else:
                continue
            verb = _FREES[call.name]
            message = f"This {verb} {how} the context that is current: " + (
                "CurrentMemoryContext is left pointing at freed memory, so the next palloc "
                "writes into it."
                if verb == "deletes"
                else "everything the caller allocated there (its arguments and results "
                "included) is freed under it."
            )
            yield self.hint(ctx, ctx.innermost_site(call.start_byte), call.line, message)


def _switch_to_params(switches: list[Call], code: bytes) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of each ``.switch_to(|name| ..)`` closure: inside it, ``name`` is
    the current context."""
    found = []
    for sw in switches:
        if sw.in_macro:
            continue
        m = _CLOSURE_PARAM.search(code, sw.start_byte, sw.end_byte)
        if m is not None:
            found.append((m.end(), sw.end_byte, m.group(1).decode()))
    return found


_CLOSURE_PARAM = re.compile(rb"\bswitch_to\s*\(\s*(?:move\s*)?\|\s*(?:mut\s+)?(\w+)")


def _is_switched_to(params: list[tuple[int, int, str]], target: str, call: Call) -> bool:
    """True when ``target`` is the closure parameter of a ``switch_to`` holding ``call``."""
    return any(lo <= call.start_byte < hi and name == target for lo, hi, name in params)


def _is_current(init: str) -> bool:
    """``pg_sys::CurrentMemoryContext``, also as ``unsafe { pg_sys::CurrentMemoryContext }``."""
    inner = _UNSAFE_WRAPPED.fullmatch(init.strip())
    return last_segment(inner.group(1) if inner else init) == _CURRENT


_UNSAFE_WRAPPED = re.compile(r"unsafe\s*\{\s*([\w:\s]+?)\s*\}")


def _bound_here(
    ctx: HintContext, bound: list[tuple[int, str]], bound_at: list[int], name: str, call: Call
) -> bool:
    """True when a ``let name = ..CurrentMemoryContext`` comes before ``call`` in its fn (the
    bindings of the fns it is nested in count too: they are still in scope unless shadowed)."""
    fn = ctx.syntax.enclosing_fn(call.start_byte)
    lo = fn.body_start_byte if fn is not None else 0
    k = bisect.bisect_left(bound_at, call.start_byte)
    j = bisect.bisect_left(bound_at, lo)
    return any(n == name for _at, n in bound[j:k])
