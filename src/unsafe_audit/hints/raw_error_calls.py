"""Raw calls into PostgreSQL's error machinery (``errstart``, ``errfinish``, ``pg_re_throw``...)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule
from unsafe_audit.model import SiteKind

_RAW_ERROR_FNS = frozenset(
    {
        "errstart",
        "errstart_cold",
        "errfinish",
        "pg_re_throw",
        "ReThrowError",
        "ThrowErrorData",
        "errcode",
        "errmsg",
        "errmsg_internal",
        "errdetail",
        "errdetail_internal",
        "errhint",
        "errcontext_msg",
        "elog_start",
        "elog_finish",
    }
)


_DECLARED_FN = re.compile(rb"\bfn\s+([A-Za-z_]\w*)")
_EXTERN_KINDS = frozenset({SiteKind.EXTERN_BLOCK, SiteKind.UNSAFE_EXTERN_BLOCK})


class RawErrorCalls(HintRule):
    """Error reporting that bypasses pgrx's ``error!``/``ereport!`` and its longjmp handling."""

    id = "raw-error-calls"
    items = ("pgrx-error-macros", "no-use-after-throw")
    title = "raw errstart / errfinish / pg_re_throw (and errmsg...) through pg_sys"
    INVALID = (
        """
        fn warn_missing() {
            unsafe {
                if pg_sys::errstart(pg_sys::WARNING as i32, std::ptr::null()) { // <- hint
                    pg_sys::errfinish(b"lib.rs\\0".as_ptr().cast(), 0, std::ptr::null()); // <- hint
                }
            }
        }
        """,
        """
        use pgrx::pg_sys as sys;
        fn rethrow() -> ! {
            unsafe { sys::pg_re_throw() } // <- hint
        }
        """,
        """
        fn report(level: i32) {
            extern "C-unwind" {
                fn errstart(elevel: c_int, domain: *const c_char) -> bool;
                fn errfinish(filename: *const c_char, lineno: c_int, funcname: *const c_char);
            }
            unsafe {
                if errstart(level, std::ptr::null()) { // <- hint
                    errfinish(std::ptr::null(), 0, std::ptr::null()); // <- hint
                }
            }
        }
        """,
        """
        use pgrx::pg_sys::{errmsg_internal, errstart};
        fn say() {
            unsafe {
                errstart(19, std::ptr::null()); // <- hint
                errmsg_internal(b"x\\0".as_ptr().cast()); // <- hint
            }
        }
        """,
    )
    VALID = (
        """
        fn fail(key: &str) {
            error!("no such key {key}");
            ereport!(ERROR, PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, "bad option");
        }
        """,
        """
        fn errmsg(s: &str) -> String { s.to_owned() }
        fn f() -> String { errmsg("local helper, not pg_sys") }
        """,
        """
        extern "C" {
            fn getpid() -> i32;
        }
        fn errstart(level: i32) -> bool { level > 0 }
        fn f() -> bool { errstart(1) }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        seen: set[tuple[str, int]] = set()
        for site in ctx.sites:
            if site.kind is not SiteKind.PG_SYS_CALL or site.name not in _RAW_ERROR_FNS:
                continue
            seen.add((site.name, site.line))
            yield self.hint(ctx, site, site.line, _message(f"pg_sys::{site.name}"))
        # pgrx's own ereport declares the C functions in an `extern` block and calls them by
        # name: no pg_sys path, so no pg_sys site. Such calls count when the file declares
        # the function itself.
        declared = _declared_foreign(ctx)
        if not declared:
            return
        for call in ctx.syntax.calls(declared):
            if call.callee != call.name or (call.name, call.line) in seen:
                continue
            seen.add((call.name, call.line))
            at = ctx.innermost_site(call.start_byte)
            yield self.hint(ctx, at, call.line, _message(call.name))


def _message(callee: str) -> str:
    return (
        f"`{callee}` is PostgreSQL's raw error API: it bypasses pgrx's `error!`/`ereport!`, "
        "and an ERROR raised this way longjmps past Rust frames without running their "
        "destructors."
    )


def _declared_foreign(ctx: HintContext) -> frozenset[str]:
    """The raw error functions the file's own ``extern`` blocks declare."""
    code = ctx.syntax.code
    names: set[str] = set()
    for site in ctx.sites:
        if site.kind in _EXTERN_KINDS:
            body = code[site.span.start_byte : site.span.end_byte]
            names.update(m.group(1).decode() for m in _DECLARED_FN.finditer(body))
    return frozenset(names & _RAW_ERROR_FNS)
