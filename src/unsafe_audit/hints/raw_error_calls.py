"""Raw calls into PostgreSQL's error machinery (``errstart``, ``errfinish``, ``pg_re_throw``...)."""

from __future__ import annotations

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
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        for site in ctx.sites:
            if site.kind is not SiteKind.PG_SYS_CALL or site.name not in _RAW_ERROR_FNS:
                continue
            message = (
                f"`pg_sys::{site.name}` is PostgreSQL's raw error API: it bypasses pgrx's "
                "`error!`/`ereport!`, and an ERROR raised this way longjmps past Rust frames "
                "without running their destructors."
            )
            yield self.hint(ctx, site, site.line, message)
