"""pg_sys calls that may raise an ERROR inside ``Drop::drop`` with no ``thread::panicking()`` check.

pgrx turns a PostgreSQL ERROR into a Rust panic and unwinds; every ``Drop`` on the way runs.
A drop that calls into PostgreSQL while that unwind is under way, and gets a second ERROR,
panics while panicking: Rust aborts the process and the postmaster restarts every backend.
ParadeDB fixed this class by skipping the cleanup when ``std::thread::panicking()`` is true
(paradedb/paradedb#3895): the transaction abort that follows releases the relations, buffers
and snapshots anyway.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from unsafe_audit.extract.facts import FnInfo
from unsafe_audit.hints.contract_lookup import majors_where, may_raise
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule
from unsafe_audit.model import Site, SiteKind

_IMPL = re.compile(rb"\bimpl\b")
# What may stand between an impl's keyword and its fn: the header and the opening brace
# (comments are blanked; attributes on the fn are part of the fn).
_DROP_HEADER = re.compile(
    rb"impl\b[^{};]*?\bDrop\s+for\s+(?P<ty>[^{};]*?)\s*(?:where\b[^{};]*)?\{\s*\Z"
)


class PgSysInDrop(HintRule):
    """An ERROR raised in a destructor that runs while unwinding aborts the backend."""

    id = "pg-sys-in-drop"
    items = ("pg-guard", "no-drop-on-reset")
    title = "pg_sys call that may raise inside Drop::drop without a thread::panicking() check"
    INVALID = (
        """
        impl Drop for OpenRel {
            fn drop(&mut self) {
                unsafe { pg_sys::relation_close(self.rel, pg_sys::AccessShareLock as _) } // <- hint
            }
        }
        """,
        """
        impl<'a> Drop for Scan<'a> {
            fn drop(&mut self) {
                unsafe {
                    pg_sys::table_endscan(self.scan); // <- hint
                    pg_sys::UnregisterSnapshot(self.snapshot); // <- hint
                }
            }
        }
        """,
        """
        impl Drop for Buf {
            fn drop(&mut self) {
                unsafe { pg_sys::ReleaseBuffer(self.buffer) }; // <- hint
                if std::thread::panicking() {
                    return;
                }
            }
        }
        """,
    )
    VALID = (
        """
        impl Drop for OpenRel {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    return; // the transaction abort closes it
                }
                unsafe { pg_sys::relation_close(self.rel, pg_sys::AccessShareLock as _) }
            }
        }
        """,
        """
        use std::thread;
        impl Drop for Buf {
            fn drop(&mut self) {
                if !thread::panicking() {
                    unsafe { pg_sys::ReleaseBuffer(self.buffer) };
                }
            }
        }
        """,
        """
        impl Guard {
            fn drop(&mut self) {
                unsafe { pg_sys::ReleaseBuffer(self.buffer) };
            }
        }
        impl Clone for Guard {
            fn clone(&self) -> Self {
                unsafe { pg_sys::IncrBufferRefCount(self.buffer) };
                Self(self.0)
            }
        }
        """,
        """
        impl Drop for Plain {
            fn drop(&mut self) {
                self.items.clear();
            }
        }
        """,
        """
        impl Drop for Pallocd {
            fn drop(&mut self) {
                // pfree raises only on a corrupt chunk header
                unsafe { pg_sys::pfree(self.ptr.cast()) }
            }
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        syntax = ctx.syntax
        drops = [f for f in syntax.fns if f.name == "drop" and f.in_trait_impl]
        if not drops:
            return
        code = syntax.code
        impls = [m.start() for m in _IMPL.finditer(code)]
        calls = sorted(
            (s for s in ctx.sites if s.kind is SiteKind.PG_SYS_CALL and s.name),
            key=lambda s: s.span.start_byte,
        )
        starts = [s.span.start_byte for s in calls]
        guards = [c.start_byte for c in syntax.calls({"panicking"})]
        for fn in drops:
            ty = _drop_type(code, impls, fn)
            if ty is None:
                continue
            lo = bisect.bisect_left(starts, fn.body_start_byte)
            hi = bisect.bisect_left(starts, fn.end_byte)
            for site in calls[lo:hi]:
                if _guarded(guards, fn.body_start_byte, site.span.start_byte):
                    break  # later calls are behind the guard too
                if site.name is not None and majors_where(site.name, may_raise) is not None:
                    yield self._hint(ctx, site, ty)

    def _hint(self, ctx: HintContext, site: Site, ty: str) -> Hint:
        message = (
            f"`pg_sys::{site.name}` may raise an ERROR inside `Drop for {ty}` with no "
            "`std::thread::panicking()` check before it; if this drop runs while a panic or "
            "an ERROR unwinds, the second panic aborts the backend."
        )
        return self.hint(ctx, site, site.line, message)


def _drop_type(code: bytes, impls: list[int], fn: FnInfo) -> str | None:
    """The type of the ``impl Drop for T`` block ``fn`` is written in, or None."""
    k = bisect.bisect_right(impls, fn.outer_start_byte) - 1
    if k < 0:
        return None
    m = _DROP_HEADER.match(code, impls[k], fn.outer_start_byte)
    if m is None or m.end() != fn.outer_start_byte:
        return None
    return " ".join(m.group("ty").decode("utf-8", "replace").split())


def _guarded(guards: list[int], start: int, at: int) -> bool:
    k = bisect.bisect_left(guards, start)
    return k < len(guards) and guards[k] < at
