"""``unwrap``, ``expect``, ``panic!`` and friends inside an unguarded C-ABI fn."""

from __future__ import annotations

from collections.abc import Iterator

from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule

_PANICKING = frozenset(
    {
        "unwrap",
        "expect",
        "unwrap_err",
        "expect_err",
        "panic!",
        "unreachable!",
        "todo!",
        "unimplemented!",
        "assert!",
        "assert_eq!",
        "assert_ne!",
    }
)


class PanicInExtern(HintRule):
    """Code that can panic in a fn with a C ABI and no ``#[pg_guard]`` to catch the panic."""

    id = "panic-in-extern"
    items = ("pg-guard",)
    title = 'unwrap / expect / panic! / indexing in an extern "C" fn without #[pg_guard]'
    INVALID = (
        """
        #[unsafe(no_mangle)]
        extern "C" fn my_hook(q: *mut pg_sys::Query) {
            let _ = q_text(q).unwrap(); // <- hint
        }
        """,
        """
        #[no_mangle]
        pub extern "C-unwind" fn parse_opt(s: *const c_char) -> i32 {
            let s = unsafe { CStr::from_ptr(s) };
            s.to_str().expect("utf-8").parse().unwrap_or(0) // <- hint
        }
        """,
        """
        extern "C" fn cb(kind: i32) {
            if kind > 3 {
                panic!("unknown kind {kind}"); // <- hint
            }
        }
        """,
        """
        extern "C" fn pick(i: usize) -> u8 {
            TABLE[i] // <- hint
        }
        """,
        """
        extern "C" fn log_it(p: *const c_char) {
            log!("{}", unsafe { CStr::from_ptr(p) }.to_str().unwrap()); // <- hint
        }
        """,
    )
    VALID = (
        """
        #[pg_guard]
        pub extern "C-unwind" fn _PG_init() {
            let max: usize = std::env::var("MAX").unwrap().parse().unwrap();
        }
        """,
        """
        fn helper(v: Option<u8>) -> u8 {
            v.unwrap()
        }
        """,
        """
        extern "C" fn safe_cb(v: Option<u8>) -> u8 {
            v.unwrap_or(0)
        }
        """,
        """
        extern "C" fn outer() {
            fn inner(v: Option<u8>) -> u8 { v.unwrap() }
            let _ = inner;
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        syntax = ctx.syntax
        for fn in syntax.fns:
            if not fn.is_foreign_abi or fn.has_pg_guard:
                continue
            seen: list[tuple[int, int, str]] = []
            for call in syntax.calls(_PANICKING, fn.body_start_byte, fn.end_byte):
                if _in_nested_fn(ctx, fn.start_byte, call.start_byte):
                    continue
                what = call.name if call.name.endswith("!") else f".{call.name}()"
                seen.append((call.start_byte, call.line, f"`{what}`"))
            for at, line in syntax.index_expressions(fn.body_start_byte, fn.end_byte):
                if not _in_nested_fn(ctx, fn.start_byte, at):
                    seen.append((at, line, "indexing (`a[i]`)"))
            for at, line, what in sorted(seen):
                message = (
                    f"{what} can panic inside `{fn.name}`, which has a C ABI and no #[pg_guard], "
                    "so the panic would unwind into (or abort) PostgreSQL."
                )
                yield self.hint(ctx, ctx.innermost_site(at), line, message)


def _in_nested_fn(ctx: HintContext, fn_start: int, byte: int) -> bool:
    inner = ctx.syntax.enclosing_fn(byte)
    return inner is not None and inner.start_byte != fn_start
