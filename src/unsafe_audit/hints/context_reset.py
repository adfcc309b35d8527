"""Calls that reset or delete a memory context."""

from __future__ import annotations

from collections.abc import Iterator

from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule
from unsafe_audit.model import Site, SiteKind

_RESETS = frozenset(
    {
        "MemoryContextReset",
        "MemoryContextResetOnly",
        "MemoryContextResetChildren",
        "MemoryContextResetAndDeleteChildren",
        "MemoryContextDelete",
        "MemoryContextDeleteChildren",
    }
)


class ContextReset(HintRule):
    """A reset or delete frees everything in the context at once, and runs no Rust ``Drop``."""

    id = "context-reset"
    items = ("reset-no-dangling", "no-drop-on-reset")
    title = "MemoryContextReset / MemoryContextDelete call"
    INVALID = (
        """
        pub fn reset_cache_context() {
            if let Some(ctx) = CACHE_CONTEXT.get() {
                unsafe { pg_sys::MemoryContextReset(ctx.0) }; // <- hint
            }
        }
        """,
        """
        use pgrx::pg_sys::*;
        fn drop_scratch(scratch: MemoryContext) {
            unsafe {
                MemoryContextDelete(scratch); // <- hint
            }
        }
        """,
        """
        fn clear(c: pg_sys::MemoryContext) {
            debug_assert!(unsafe { pg_sys::MemoryContextResetChildren(c); true }); // <- hint
        }
        """,
    )
    VALID = (
        """
        fn clear_rust_side(map: &mut HashMap<String, String>) {
            map.clear();
            // MemoryContextReset(ctx) is left to the caller.
        }
        """,
        """
        fn MemoryContextResetLater() {}
        fn f() { let s = "pg_sys::MemoryContextDelete(x)"; }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        # The first pg_sys call site of each (name, line): one pass, not one per reset call.
        calls: dict[tuple[str | None, int], Site] = {}
        for use in ctx.sites:
            if use.kind is SiteKind.PG_SYS_CALL:
                calls.setdefault((use.name, use.line), use)
        for call in ctx.syntax.calls(_RESETS):
            fn = ctx.syntax.enclosing_fn(call.start_byte)
            where = f" in `{fn.name}`" if fn is not None else ""
            verb = "deletes" if "Delete" in call.name else "resets"
            message = (
                f"`{call.name}`{where} {verb} a memory context: every Rust pointer or reference "
                "into it dangles afterwards, and no Drop runs for values stored in it."
            )
            site: Site | None = calls.get((call.name, call.line))
            if site is None:
                site = ctx.innermost_site(call.start_byte)
            yield self.hint(ctx, site, call.line, message)
