"""A pg_sys acquire (``table_open``, ``SPI_connect``, ``LWLockAcquire``...) with no matching
release in the same fn, or with an early ``return``/``?`` between the two."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from unsafe_audit.contracts.table import Pair, load
from unsafe_audit.extract.facts import Call
from unsafe_audit.hints.contract_lookup import pg_sys_calls_named
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.name_uses import NameUses, find_uses, reach_ends
from unsafe_audit.hints.rule import HintContext, HintRule

# Pairs whose release is not owed by the fn that acquires: the note says the release is
# optional, conditional, or done by someone else (a parent context, the executor state).
_NOT_OWED = re.compile(r"^(?:optional|not a strict|only when|or the parent)")
_SOURCE_RATIO = re.compile(r"^(\d+) of (\d+) ")
_ALSO_RELEASED_BY = re.compile(r"^or ([A-Za-z_]\w*)$")
_NOT_HANDLES = frozenset({"void", "int", "bool", "int32", "uint32", "int64", "uint64", "Size"})
_SIGNATURE = re.compile(
    r"^(?:(?:static|extern|inline|pg_noinline)\s+)*(?P<type>.*?[\s*])\w+\s*\((?P<params>.*)\)\s*$"
)
# A use of the handle that hands it on: returned, wrapped, stored in a field, or written in a
# struct literal (`field: h`, or the shorthand `{ h, .. }`), each as a whole expression.
_HANDED_ON_BEFORE = re.compile(
    rb"(?:\breturn\s+|\b(?:Some|Ok|Err|Box::new|from_pg\w*|from_raw|new|push|insert|set|replace)"
    rb"\s*\(\s*|\w\s*:\s*|(?:self|\*?\w+)\.[\w.]+\s*=\s*|^\s*)$"
)
_HANDED_ON_AFTER = re.compile(rb"\s*(?:[,)}?;]|$)")
_SHORTHAND_BEFORE = re.compile(rb"(?:\{\s*|,\s*)$")
_SHORTHAND_AFTER = re.compile(rb"\s*(?:\}|,\s*(?:\w+\s*[:,}]|\.\.))")
_IF = re.compile(rb"\bif\b")
_RESULT_TEST = re.compile(rb"\s*(?:\.\s*is_null\s*\(\s*\)|[!=]=|[<>]=?)")
_EXITS_READ = 64
"""Exits read between an acquire and its release before the rule gives up (stays silent)."""
_TESTS_READ = 16
"""Tests of an acquire's result whose branches are excused."""


@dataclass(frozen=True, slots=True)
class _Protocol:
    """What an acquire owes: the releases any of which settles it."""

    acquire: str
    releases: frozenset[str]
    note: str
    handle: bool
    """True when the acquire returns a handle the release is given (a ``Relation``, a
    ``HeapTuple``, a ``Buffer``), False for a protocol on global state (``SPI_connect``
    returns a status, ``SPI_finish`` takes nothing)."""


@functools.cache
def _protocols() -> dict[str, _Protocol]:
    """Acquire name -> what releases it, from the table's pairs that a fn must settle itself:
    the reviewed (``hand``) pairs, and the pairs found in PostgreSQL's own calls (``source``)
    when at least three in four of its callers release."""
    found: dict[str, _Protocol] = {}
    for pair in load().pairs:
        if not _owed(pair):
            continue
        releases = {pair.release}
        also = _ALSO_RELEASED_BY.match(pair.note)
        if also is not None:
            releases.add(also.group(1))
        known = found.get(pair.acquire)
        if known is not None:
            releases |= known.releases
        handle = _release_takes_result(pair.acquire, pair.release)
        found[pair.acquire] = _Protocol(pair.acquire, frozenset(releases), pair.note, handle)
    return found


def _release_takes_result(acquire: str, release: str) -> bool:
    """True when the acquire returns a handle (not nothing, a flag or a count) and the release
    takes an argument (newest major; a release the table lacks, a macro, is taken to)."""
    table = load()
    got, put = table.get(acquire), table.get(release)
    head = _SIGNATURE.match(got.facts[-1].signature) if got is not None and got.facts else None
    if head is None or _norm(head.group("type")) in _NOT_HANDLES:
        return False
    params = _SIGNATURE.match(put.facts[-1].signature) if put is not None and put.facts else None
    return params is None or params.group("params").strip() not in ("", "void")


def _norm(c_type: str) -> str:
    return re.sub(r"\s+", "", c_type.replace("const ", ""))


def _owed(pair: Pair) -> bool:
    if pair.acquire == pair.release or _NOT_OWED.match(pair.note):
        return False
    if pair.origin == "source":
        ratio = _SOURCE_RATIO.match(pair.note)
        return ratio is not None and 4 * int(ratio.group(1)) >= 3 * int(ratio.group(2))
    return True


class AcquireWithoutRelease(HintRule):
    """An acquire from the contracts table's pairs left unsettled in its fn: no release of it
    in the fn, or a ``return``/``?`` that leaves the fn between the acquire and its release.
    Silent when the handle is handed on (returned, stored in a field or a struct, wrapped), and
    for an acquire without a handle (``SPI_connect``) when the file releases it elsewhere, as a
    guard's ``Drop`` does."""

    id = "acquire-without-release"
    # no-drop-on-reset asks that locks and handles be released by an explicit call.
    items = ("no-drop-on-reset",)
    title = "pg_sys acquire with no release in the same fn (or an early exit before it)"
    INVALID = (
        """
        fn count_atts(relid: pg_sys::Oid) -> i16 {
            unsafe {
                let rel = pg_sys::table_open(relid, pg_sys::AccessShareLock as i32); // <- hint
                (*(*rel).rd_att).natts as i16
            }
        }
        """,
        """
        fn run(query: &CStr) -> Result<u64, String> {
            unsafe { pg_sys::SPI_connect() }; // <- hint
            let status = unsafe { pg_sys::SPI_execute(query.as_ptr(), true, 0) };
            check(status)?;
            let rows = unsafe { pg_sys::SPI_processed };
            unsafe { pg_sys::SPI_finish() };
            Ok(rows)
        }
        """,
        """
        use pgrx::pg_sys::*;
        fn type_name(oid: Oid) -> Option<String> {
            let tup = unsafe { SearchSysCache1(TYPEOID, oid.into()) }; // <- hint
            if tup.is_null() {
                return None;
            }
            let name = unsafe { read_name(tup) }?;
            unsafe { ReleaseSysCache(tup) };
            Some(name)
        }
        """,
    )
    VALID = (
        """
        fn count_atts(relid: pg_sys::Oid) -> i16 {
            unsafe {
                let rel = pg_sys::table_open(relid, pg_sys::AccessShareLock as i32);
                let natts = (*(*rel).rd_att).natts as i16;
                pg_sys::table_close(rel, pg_sys::AccessShareLock as i32);
                natts
            }
        }
        """,
        """
        // The handle is handed on: the caller owns the relation and closes it.
        fn open_for_caller(relid: pg_sys::Oid) -> Opened {
            let rel = unsafe { pg_sys::relation_open(relid, pg_sys::AccessShareLock as i32) };
            Opened { rel, lockmode: pg_sys::AccessShareLock as i32 }
        }
        """,
        """
        fn count(query: &CStr) -> u64 {
            unsafe {
                if pg_sys::SPI_connect() < 0 {
                    return 0;
                }
                pg_sys::SPI_execute(query.as_ptr(), true, 0);
                let rows = pg_sys::SPI_processed;
                pg_sys::SPI_finish();
                rows
            }
        }
        """,
        """
        // A guard: connecting in one fn, finishing in its Drop.
        impl SpiGuard {
            fn connect() -> Self {
                unsafe { pg_sys::SPI_connect() };
                SpiGuard
            }
        }
        impl Drop for SpiGuard {
            fn drop(&mut self) {
                unsafe { pg_sys::SPI_finish() };
            }
        }
        """,
        """
        fn type_name(oid: pg_sys::Oid) -> Option<String> {
            let tup = unsafe { pg_sys::SearchSysCache1(6, oid.into()) };
            if tup.is_null() {
                return None;
            }
            let name = unsafe { read_name(tup) };
            unsafe { pg_sys::ReleaseSysCache(tup) };
            name
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        protocols = _protocols()
        acquires = pg_sys_calls_named(ctx, protocols)
        if not acquires:
            return
        syntax = ctx.syntax
        release_names = {r for p in protocols.values() for r in p.releases}
        releases: dict[tuple[int, str], list[int]] = {}
        for call in syntax.calls(release_names):
            fn = syntax.enclosing_fn(call.start_byte)
            if fn is not None:
                releases.setdefault((fn.start_byte, call.name), []).append(call.start_byte)
        released_anywhere = {name for _, name in releases}
        exits: dict[int, list[tuple[int, int, str]]] = {}
        for ex in syntax.exits():
            if ex.kind in ("return", "?"):
                exits.setdefault(ex.owner_byte, []).append((ex.start_byte, ex.line, ex.kind))
        handles = [(c.start_byte, c.bound_to) for c, _ in acquires if c.bound_to]
        uses = find_uses(syntax, {name for _, name in handles})
        reach = reach_ends(syntax, handles)
        for call, site in acquires:
            fn = syntax.enclosing_fn(call.start_byte)
            if fn is None:
                continue
            protocol = protocols[call.name]
            end = reach.get(call.start_byte, fn.end_byte)
            if protocol.handle and _handed_on(call, fn.start_byte, end, uses):
                continue
            mine = [releases.get((fn.start_byte, name), []) for name in sorted(protocol.releases)]
            before = any(offsets and offsets[0] < call.start_byte for offsets in mine)
            later = [_first_at_or_after(offsets, call.end_byte) for offsets in mine]
            after = min((at for at in later if at is not None), default=None)
            release = " or ".join(f"`{r}`" for r in sorted(protocol.releases))
            if after is None and not before:
                if not protocol.handle and protocol.releases & released_anywhere:
                    continue  # no handle, released elsewhere in the file (a guard's Drop)
                message = (
                    f"`{call.name}` is not matched by {release} anywhere in `{fn.name}` "
                    f"({protocol.note})."
                )
                yield self.hint(ctx, site, call.line, message)
                continue
            if after is None:
                continue
            excused = _failure_branches(call, fn.start_byte, min(end, after), uses)
            early = _first_exit(exits.get(fn.start_byte, []), call.end_byte, after, excused)
            if early is not None:
                line, kind = early
                message = (
                    f"`{call.name}` is released by {release} at line "
                    f"{syntax.line_of(after)}, but the `{kind}` at line {line} can leave "
                    f"`{fn.name}` before that ({protocol.note})."
                )
                yield self.hint(ctx, site, call.line, message)


def _first_at_or_after(offsets: list[int], byte: int) -> int | None:
    k = bisect.bisect_left(offsets, byte)
    return offsets[k] if k < len(offsets) else None


def _handed_on(call: Call, fn_start: int, end: int, uses: NameUses) -> bool:
    """True when the acquired handle leaves the fn's hands: stored straight into a field or a
    static, used in an expression rather than bound or thrown away, or (bound to a name)
    returned, wrapped or put in a struct later."""
    name = call.bound_to
    if call.discarded or name == "_":
        return False
    if name is None or not name.isidentifier():
        return True
    width = len(name.encode())
    for at in uses.between(fn_start, name, call.end_byte, end):
        before, after = uses.line_before(at), uses.rest_of_line(at + width)
        if (_HANDED_ON_BEFORE.search(before) and _HANDED_ON_AFTER.match(after)) or (
            _SHORTHAND_BEFORE.search(before) and _SHORTHAND_AFTER.match(after)
        ):
            return True
    return False


def _first_exit(
    exits: list[tuple[int, int, str]], start: int, end: int, excused: list[tuple[int, int]]
) -> tuple[int, str] | None:
    """The first ``return``/``?`` of the fn in ``[start, end)`` outside ``excused`` spans: its
    line and kind."""
    k = bisect.bisect_left(exits, (start, 0, ""))
    for at, line, kind in exits[k : k + _EXITS_READ]:
        if at >= end:
            return None
        if not any(s <= at < e for s, e in excused):
            return line, kind
    return None


def _failure_branches(call: Call, fn_start: int, end: int, uses: NameUses) -> list[tuple[int, int]]:
    """The blocks of the ``if``s that test the acquire's result (``if h.is_null() { .. }``,
    ``if SPI_connect() < 0 { .. }``, ``if rc != OK { .. }``): there the acquire failed, so
    leaving owes no release."""
    tests: list[int] = []
    if _IF.search(uses.line_before(call.start_byte)):
        tests.append(call.end_byte)
    name = call.bound_to
    if name is not None and name.isidentifier():
        width = len(name.encode())
        for at in uses.between(fn_start, name, call.end_byte, end)[:_TESTS_READ]:
            if _RESULT_TEST.match(uses.rest_of_line(at + width)) and _IF.search(
                uses.line_before(at)
            ):
                tests.append(at + width)
    return [span for at in tests if (span := uses.block_after(at)) is not None]
