"""``extern "C"`` / ``extern "C-unwind"`` fns written without ``#[pg_guard]``."""

from __future__ import annotations

from collections.abc import Iterator

from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule


class PgGuardMissing(HintRule):
    """A fn PostgreSQL can call (it has a C ABI) but that is not wrapped by ``#[pg_guard]``."""

    id = "pg-guard-missing"
    items = ("pg-guard",)
    title = 'extern "C" / "C-unwind" fn without #[pg_guard]'
    INVALID = (
        """
        #[no_mangle]
        pub extern "C" fn abi_version() -> u32 { // <- hint
            1
        }
        """,
        """
        #[unsafe(no_mangle)]
        pub extern "C-unwind" fn hook(q: *mut pg_sys::Query) { // <- hint
            let _ = unsafe { (*q).commandType };
        }
        """,
        """
        // No #[pg_guard]: it only bumps a counter.
        unsafe extern "C-unwind" fn executor_end(q: *mut sys::QueryDesc) { // <- hint
            sys::standard_ExecutorEnd(q)
        }
        """,
        """
        impl Hooks {
            extern "C" fn callback(arg: pg_sys::Datum) {} // <- hint
        }
        """,
    )
    VALID = (
        """
        #[pg_guard]
        pub extern "C-unwind" fn _PG_init() {}
        """,
        """
        #[pgrx::pg_guard]
        #[no_mangle]
        unsafe extern "C" fn worker_main(_arg: pg_sys::Datum) {}
        """,
        """
        #[pg_extern]
        fn cache_get(key: &str) -> Option<String> { None }
        """,
        """
        extern "C" {
            fn getpid() -> i32;
        }
        type Hook = Option<unsafe extern "C-unwind" fn(*mut sys::QueryDesc)>;
        """,
        """
        extern "Rust" fn plain() {}
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        for fn in ctx.syntax.fns:
            if not fn.is_foreign_abi or fn.has_pg_guard:
                continue
            abi = fn.abi or "extern"
            message = (
                f"`{fn.name}` is declared `{abi}` but has no #[pg_guard], so a Rust panic or a "
                "PostgreSQL error raised inside it crosses the FFI boundary unconverted."
            )
            # The fn's own site (an extern fn, or an unsafe fn) is among those within it, so
            # the hint reaches the unit whose checklist asks pg-guard.
            yield from self.hints_on(
                ctx, ctx.sites_within(fn.outer_start_byte, fn.end_byte), fn.line, message
            )
