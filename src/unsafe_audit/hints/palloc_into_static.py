"""A pg_sys result palloc'd in the caller's memory context, kept somewhere that outlives it: a
static, a cell (``OnceCell``, ``OnceLock``, ``Lazy``, ``thread_local!``) or a field reached
through ``self`` or a ``&mut`` parameter."""

from __future__ import annotations

import bisect
import functools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from unsafe_audit.extract.facts import Call, FnInfo, StaticDecl
from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.hints.contract_lookup import pallocs, pg_sys_calls
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.name_uses import NameUses, find_uses, reach_ends
from unsafe_audit.hints.rule import HintContext, HintRule

_CELL_METHODS = frozenset({"set", "get_or_init", "get_or_try_init", "replace", "insert", "push"})
_RECEIVER = re.compile(r"^\s*(?P<recv>[A-Za-z_][\w:]*)\s*\.\s*(?P<method>\w+)\s*\(")
_SWITCHES = frozenset({"MemoryContextSwitchTo", "switch_to"})
# `target = name` / `target = name as *mut T;` with the bound name as the whole value.
_ASSIGNED_BEFORE = re.compile(rb"(?P<target>(?:\*\s*)?[A-Za-z_][\w.()*]*)\s*=\s*$")
_ASSIGNED_AFTER = re.compile(rb"\s*(?:as\s+[^;=]+)?;")
_SET_BEFORE = re.compile(
    rb"\b(?P<recv>[A-Za-z_][\w:]*)\s*\.\s*(?:set|replace)\s*\(\s*(?:Some\s*\(\s*)?$"
)
_FAR = sys.maxsize
_MUT_REF = re.compile(r"^\s*&\s*(?:'\w+\s+)?mut\b")


class PallocIntoStatic(HintRule):
    """A result the contracts table says is palloc'd in ``CurrentMemoryContext`` (``pstrdup``,
    ``text_to_cstring``, ``get_rel_name``...) stored where it outlives that context. Silent
    when the fn switches memory context before the call (the rule cannot tell which context
    is current then)."""

    id = "palloc-into-static"
    items = ("no-stored-borrow", "copy-to-outlive", "ctx-owner")
    title = "a palloc'd pg_sys result stored in a static, a cell or a field that outlives it"
    INVALID = (
        """
        static mut LAST_NAME: *mut c_char = std::ptr::null_mut();
        fn remember(relid: pg_sys::Oid) {
            unsafe { LAST_NAME = pg_sys::get_rel_name(relid) }; // <- hint
        }
        """,
        """
        static SCHEMA: OnceLock<usize> = OnceLock::new();
        fn schema(nsp: pg_sys::Oid) -> usize {
            *SCHEMA.get_or_init(|| unsafe { pg_sys::get_namespace_name(nsp) } as usize) // <- hint
        }
        """,
        """
        impl Cache {
            fn load(&mut self, t: *const pg_sys::text) {
                let s = unsafe { pg_sys::text_to_cstring(t) };
                self.key = s; // <- hint
            }
        }
        """,
        """
        fn fill(out: &mut Entry, relid: pg_sys::Oid) {
            out.name = unsafe { pg_sys::get_rel_name(relid) }; // <- hint
        }
        """,
    )
    VALID = (
        """
        static LAST_NAME: OnceLock<String> = OnceLock::new();
        fn remember(relid: pg_sys::Oid) {
            let name = unsafe { CStr::from_ptr(pg_sys::get_rel_name(relid)) };
            LAST_NAME.set(name.to_string_lossy().into_owned()).ok();
        }
        """,
        """
        static mut LAST_NAME: *mut c_char = std::ptr::null_mut();
        fn remember(relid: pg_sys::Oid) {
            unsafe {
                let old = pg_sys::MemoryContextSwitchTo(pg_sys::TopMemoryContext);
                LAST_NAME = pg_sys::get_rel_name(relid);
                pg_sys::MemoryContextSwitchTo(old);
            }
        }
        """,
        """
        fn fill(out: *mut Entry, relid: pg_sys::Oid) {
            // `out` is palloc'd by the caller in the same context.
            unsafe { (*out).name = pg_sys::get_rel_name(relid) };
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        found = pg_sys_calls(ctx, pallocs)
        if not found:
            return
        syntax = ctx.syntax
        sites = ctx.site_index
        statics = {s.name: s for s in syntax.statics}
        holders = _Holders(
            _cell_stores(syntax, set(statics)),
            [
                (s.start_byte, s.end_byte, f"the initialiser of static `{s.name}`")
                for s in syntax.statics
            ],
        )
        switched = _switch_points(syntax)
        bound = [(cc.call.start_byte, cc.call.bound_to or "") for cc in found]
        uses = find_uses(syntax, {name for _, name in bound})
        reach = reach_ends(syntax, bound)
        for cc in found:
            call = cc.call
            fn = syntax.enclosing_fn(call.start_byte)
            first_switch = switched.get(fn.start_byte) if fn is not None else None
            if first_switch is not None and first_switch < call.start_byte:
                continue
            end = reach.get(call.start_byte, fn.end_byte if fn is not None else 0)
            place = _destination(call, fn, end, statics, holders, uses)
            if place is None:
                continue
            at, where = place
            message = (
                f"`{call.name}` returns memory palloc'd in the caller's CurrentMemoryContext "
                f"(PostgreSQL {cc.majors}), stored in {where}, which outlives that context: "
                "copy it into Rust-owned memory or allocate it in a long-lived context."
            )
            site = cc.site if at == call.start_byte else sites.innermost(at)
            yield self.hint(ctx, site, syntax.line_of(at), message)


@dataclass(frozen=True, slots=True)
class _Holders:
    """Spans whose value is kept in a static, each ``(start, end, words)`` in source order."""

    cells: list[tuple[int, int, str]]
    """``STATIC.set(..)``, ``STATIC.get_or_init(..)``..."""
    statics: list[tuple[int, int, str]]
    """Static declarations, initialiser included."""

    def holding(self, byte: int) -> str | None:
        """Words for the span holding ``byte``, if any (the innermost start wins)."""
        for spans in (self.cells, self.statics):
            k = bisect.bisect_right(spans, (byte, _FAR, "")) - 1
            if k >= 0 and byte < spans[k][1]:
                return spans[k][2]
        return None


def _destination(
    call: Call,
    fn: FnInfo | None,
    end: int,
    statics: dict[str, StaticDecl],
    holders: _Holders,
    uses: NameUses,
) -> tuple[int, str] | None:
    """Where the call's result is kept, if somewhere long-lived: (byte offset, words)."""
    held = holders.holding(call.start_byte)
    if held is not None:
        return call.start_byte, held
    target = call.bound_to
    if target is None or fn is None:
        return None
    if not target.isidentifier() or target in statics:
        where = _long_lived(target, fn, statics)
        return (call.start_byte, where) if where else None
    width = len(target.encode())
    for at in uses.between(fn.start_byte, target, call.end_byte, end):
        before, after = uses.line_before(at), uses.rest_of_line(at + width)
        assigned = _ASSIGNED_BEFORE.search(before)
        if assigned is not None and _ASSIGNED_AFTER.match(after):
            where = _long_lived(assigned.group("target").decode(), fn, statics)
            if where:
                return at, where
        cell = _SET_BEFORE.search(before)
        if cell is not None and cell.group("recv").decode().rsplit("::", 1)[-1] in statics:
            return at, f"`{cell.group('recv').decode()}`"
    return None


def _long_lived(target: str, fn: FnInfo, statics: dict[str, StaticDecl]) -> str | None:
    """Words for an assignment target that outlives the call: a static (or a field of one), a
    field reached through ``self`` or a ``&mut`` parameter; None otherwise."""
    flat = "".join(target.split()).lstrip("*").replace("(*", "").replace(")", "")
    base = flat.split(".", 1)[0].rsplit("::", 1)[-1]
    if base in statics:
        return f"static `{flat}`"
    if "." not in flat:
        return None
    if base == "self":
        return f"the field `{flat}`"
    if base in _mut_params(fn):
        return f"the field `{flat}` of the `&mut` parameter `{base}`"
    return None


@functools.lru_cache(maxsize=64)
def _mut_params(fn: FnInfo) -> frozenset[str]:
    """The names of a fn's ``&mut`` parameters."""
    return frozenset(name for name, ty in fn.params if _MUT_REF.match(ty))


def _switch_points(syntax: RustSyntax) -> dict[int, int]:
    """The offset of the first memory context switch (``MemoryContextSwitchTo``,
    ``.switch_to(..)``) in each fn, by the fn's start."""
    points: dict[int, int] = {}
    for call in syntax.calls(_SWITCHES):
        fn = syntax.enclosing_fn(call.start_byte)
        if fn is not None:
            points.setdefault(fn.start_byte, call.start_byte)
    return points


def _cell_stores(syntax: RustSyntax, statics: set[str]) -> list[tuple[int, int, str]]:
    """Spans of ``STATIC.set(..)``, ``STATIC.get_or_init(..)``... on a static of the file: what
    is computed there is kept in the static."""
    spans: list[tuple[int, int, str]] = []
    for call in syntax.calls(_CELL_METHODS):
        head = _RECEIVER.match(
            syntax.text(call.start_byte, min(call.end_byte, call.start_byte + 200))
        )
        if head is None or head.group("method") != call.name:
            continue
        receiver = head.group("recv")
        if receiver.rsplit("::", 1)[-1] in statics:
            spans.append((call.start_byte, call.end_byte, f"`{receiver}`"))
    return spans
