"""Resetting or deleting the memory context that is current (``MemoryContextDelete(
CurrentMemoryContext)``), directly or through a name bound to it.

The context a pgrx ``switch_to(|cx| ..)`` closure is handed is current too, but resetting it at
the end of the closure is the usual per-row cleanup (ParadeDB's insert path does it), so that
form is not flagged.

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
        sites = ctx.site_index
        bound = [(b.start_byte, b.name) for b in syntax.lets() if _is_current(b.init)]
        bound_at = [at for at, _name in bound]
        for call in calls:
            if call.name == "reset" and call.end_byte - call.start_byte > 1000:
                continue  # a receiver this long is no context name
            if call.name == "reset":
                target = syntax.text(call.start_byte, call.end_byte).rsplit(".", 1)[0].strip()
            else:
                target = call.args[0].strip() if call.args else ""
            if last_segment(target) == _CURRENT:
                how = "`CurrentMemoryContext`"
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
            yield self.hint(ctx, sites.innermost(call.start_byte), call.line, message)


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
