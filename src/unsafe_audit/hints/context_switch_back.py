"""``MemoryContextSwitchTo`` or a ``CurrentMemoryContext`` write not undone on every path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from unsafe_audit.extract.facts import Exit, FnInfo, last_segment
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule

_SWITCH = "MemoryContextSwitchTo"
_CURRENT = "CurrentMemoryContext"
_PLAIN_NAME = re.compile(r"[a-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class _Switch:
    at: int
    line: int
    owner: int
    saved: str | None
    """The variable holding the previous context, if the code kept it."""
    how: str


class ContextSwitchBack(HintRule):
    """A switch of CurrentMemoryContext whose previous value is not restored on every path."""

    id = "context-switch-back"
    items = ("ctx-owner", "copy-to-outlive")
    title = "MemoryContextSwitchTo / CurrentMemoryContext write not switched back on every path"
    INVALID = (
        """
        pub fn copy_if_small(bytes: &[u8]) -> Option<*mut u8> {
            let previous = unsafe { pg_sys::MemoryContextSwitchTo(cache_context()) }; // <- hint
            if bytes.len() > 1024 {
                return None;
            }
            let dst = unsafe { pg_sys::palloc(bytes.len()) } as *mut u8;
            unsafe { pg_sys::MemoryContextSwitchTo(previous) };
            Some(dst)
        }
        """,
        """
        fn build(ctx: pg_sys::MemoryContext) -> Result<(), Error> {
            let old = unsafe { pg_sys::MemoryContextSwitchTo(ctx) }; // <- hint
            fill()?;
            unsafe { pg_sys::MemoryContextSwitchTo(old) };
            Ok(())
        }
        """,
        """
        unsafe fn enter(ctx: pg_sys::MemoryContext) {
            let _old = pg_sys::MemoryContextSwitchTo(ctx); // <- hint
            work();
        }
        """,
        """
        pub unsafe fn set_current_context(ctx: pg_sys::MemoryContext) -> pg_sys::MemoryContext {
            let old = pg_sys::CurrentMemoryContext;
            pg_sys::CurrentMemoryContext = ctx; // <- hint
            old
        }
        """,
        """
        fn each(ctxs: &[pg_sys::MemoryContext]) {
            for &c in ctxs {
                let old = unsafe { pg_sys::MemoryContextSwitchTo(c) }; // <- hint
                if skip(c) {
                    continue;
                }
                unsafe { pg_sys::MemoryContextSwitchTo(old) };
            }
        }
        """,
        """
        unsafe fn leave(ctx: pg_sys::MemoryContext) {
            let prev;
            prev = pg_sys::CurrentMemoryContext;
            pg_sys::CurrentMemoryContext = ctx; // <- hint
            work(prev);
        }
        """,
        """
        fn forget() {
            unsafe { MemoryContextSwitchTo(pg_sys::TopMemoryContext) }; // <- hint
        }
        """,
    )
    VALID = (
        """
        pub fn in_cache_context<T>(f: impl FnOnce() -> T) -> T {
            let ctx = cache_context();
            let previous = unsafe { pg_sys::MemoryContextSwitchTo(ctx) };
            let result = f();
            unsafe { pg_sys::MemoryContextSwitchTo(previous) };
            result
        }
        """,
        """
        fn restore_later(ctx: pg_sys::MemoryContext) -> Option<u8> {
            let old = unsafe { pg_sys::MemoryContextSwitchTo(ctx) };
            let v = (|| { let x: Option<u8> = get()?; return Some(x); })();
            unsafe { pg_sys::MemoryContextSwitchTo(old) };
            v
        }
        """,
        """
        unsafe fn swap(ctx: pg_sys::MemoryContext) {
            let old = pg_sys::CurrentMemoryContext;
            pg_sys::CurrentMemoryContext = ctx;
            work();
            pg_sys::CurrentMemoryContext = old;
        }
        """,
        """
        fn in_loop(cs: &[pg_sys::MemoryContext]) {
            let old = unsafe { pg_sys::MemoryContextSwitchTo(cs[0]) };
            for c in cs {
                if c.is_null() { break; }
            }
            unsafe { pg_sys::MemoryContextSwitchTo(old) };
        }
        """,
        """
        unsafe fn swap_later(ctx: pg_sys::MemoryContext) {
            let prev;
            prev = pg_sys::CurrentMemoryContext;
            pg_sys::CurrentMemoryContext = ctx;
            work();
            pg_sys::CurrentMemoryContext = prev;
        }
        """,
        """
        fn build(ctx: pg_sys::MemoryContext) {
            let mut prev = std::ptr::null_mut();
            prev = unsafe { pg_sys::MemoryContextSwitchTo(ctx) };
            work();
            unsafe { pg_sys::MemoryContextSwitchTo(prev) };
        }
        """,
        """
        fn restore(prev: pg_sys::MemoryContext) {
            unsafe { pg_sys::MemoryContextSwitchTo(prev) };
        }
        """,
        """
        fn with_pgrx() -> u8 {
            PgMemoryContexts::TopMemoryContext.switch_to(|_| 1)
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        for fn in ctx.syntax.fns:
            yield from self._check_fn(ctx, fn)

    def _check_fn(self, ctx: HintContext, fn: FnInfo) -> Iterator[Hint]:
        syntax = ctx.syntax
        lo, hi = fn.body_start_byte, fn.end_byte
        events: list[tuple[int, str, str, _Switch]] = []
        # The names a read of CurrentMemoryContext was saved in, by position.
        # `let prev = CurrentMemoryContext`, or `let prev; … prev = CurrentMemoryContext`.
        declared = {b.name for b in syntax.lets(lo, hi)}
        saved_reads = sorted(
            [
                (b.start_byte, b.name)
                for b in syntax.lets(lo, hi)
                if b.init.rsplit("::", 1)[-1].strip() == _CURRENT
            ]
            + [
                (a.start_byte, a.target.strip())
                for a in syntax.assignments(None, lo, hi)
                if a.target.strip() in declared and last_segment(a.value) == _CURRENT
            ]
        )
        for call in syntax.calls({_SWITCH}, lo, hi):
            if call.in_macro or _nested(ctx, fn, call.start_byte):
                continue
            target = call.args[0] if call.args else ""
            if call.bound_to is not None and call.bound_to != "_":
                sw = _Switch(call.start_byte, call.line, call.owner_byte, call.bound_to, "switch")
                events.append((call.start_byte, "open", target, sw))
            else:
                sw = _Switch(call.start_byte, call.line, call.owner_byte, None, "switch")
                events.append((call.start_byte, "maybe", target, sw))
        for a in syntax.assignments(_CURRENT, lo, hi):
            if _nested(ctx, fn, a.start_byte):
                continue
            prior = [name for pos, name in saved_reads if pos < a.start_byte]
            sw = _Switch(a.start_byte, a.line, a.owner_byte, prior[-1] if prior else None, "write")
            events.append((a.start_byte, "maybe", a.value.strip(), sw))
        events.sort(key=lambda e: e[0])

        open_switches: list[_Switch] = []
        closed: list[tuple[_Switch, int]] = []
        for _pos, kind, target, sw in events:
            match = next((o for o in open_switches if o.saved == target), None)
            if kind == "maybe" and match is not None:
                open_switches.remove(match)
                closed.append((match, sw.at))
                continue
            if kind == "maybe" and sw.how == "switch" and _PLAIN_NAME.match(target):
                continue  # restores a context saved elsewhere (a parameter, a field)
            if kind == "maybe" and sw.how == "write" and target in _saved_names(saved_reads):
                continue
            if kind == "open" or sw.saved is not None or sw.how == "write":
                open_switches.append(sw)
            else:
                yield self._hint(
                    ctx, sw, "discards the context it replaces, so nothing can switch back to it"
                )
        for sw in open_switches:
            verb = "switches" if sw.how == "switch" else "writes"
            yield self._hint(
                ctx,
                sw,
                f"{verb} CurrentMemoryContext and no later code in `{fn.name}` restores "
                f"{'`' + sw.saved + '`' if sw.saved else 'the previous context'}",
            )
        for sw, restore_at in closed:
            for ex in syntax.exits(sw.at, restore_at):
                if _leaves(ex, sw) and not _nested(ctx, fn, ex.start_byte):
                    yield self._hint(
                        ctx,
                        sw,
                        f"switches CurrentMemoryContext but the `{ex.kind}` on line {ex.line} "
                        "leaves before it is switched back",
                    )
                    break

    def _hint(self, ctx: HintContext, sw: _Switch, what: str) -> Hint:
        message = (
            f"This {what}; allocations after it land in the wrong context, and callers see a "
            "CurrentMemoryContext they did not choose."
        )
        return self.hint(ctx, ctx.innermost_site(sw.at), sw.line, message)


def _saved_names(saved_reads: list[tuple[int, str]]) -> set[str]:
    return {name for _pos, name in saved_reads}


def _nested(ctx: HintContext, fn: FnInfo, byte: int) -> bool:
    inner = ctx.syntax.enclosing_fn(byte)
    return inner is not None and inner.start_byte != fn.start_byte


def _leaves(ex: Exit, sw: _Switch) -> bool:
    """True when the exit skips the code after it up to the restore."""
    if ex.kind in ("return", "?"):
        return ex.owner_byte == sw.owner
    # break/continue: only when the loop it leaves holds the switch too.
    return ex.owner_byte == sw.owner and ex.loop_byte is not None and ex.loop_byte < sw.at
