"""Every rule takes time linear in the size of the file: on a generated file of 2,000 fns, each
with unsafe blocks and pg_sys calls, a rule may take about ten times what it takes on 200 (a
rule that looks at every site, fn or call once per fn takes a hundred times as long).

The sizes were 500 and 5,000 (13 s, most of it extracting the large file); the ratio is what
tells linear from quadratic, and a control rule that does no more than compare each fn with
every other (the cheapest quadratic rule there is) shows that these sizes still catch one."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from unsafe_audit.extract import extract_file
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.registry import ALL_RULES
from unsafe_audit.hints.rule import HintContext, HintRule

SMALL, LARGE = 200, 2_000
# Linear is 10x; quadratic 100x. The slack covers a shared machine and the fixed costs.
MOST = 30


def _source(fns: int) -> bytes:
    # Something for every rule to look at in each fn: a static holding a context, a C ABI
    # without #[pg_guard], a switch never undone, a reset, a raw error call, an unchecked
    # deref, an unwrap, unsafe blocks without SAFETY comments.
    return "".join(
        f"static mut SAVED_{i}: pg_sys::MemoryContext = std::ptr::null_mut();\n"
        f'pub extern "C" fn f{i}(rel: pg_sys::Relation) -> Option<i32> {{\n'
        f"    let old = unsafe {{ pg_sys::MemoryContextSwitchTo(SAVED_{i}) }};\n"
        "    unsafe { pg_sys::MemoryContextReset(old); pg_sys::errstart(20, 0 as _) };\n"
        "    Some(unsafe { (*rel).rd_id }).unwrap()\n"
        "}\n"
        for i in range(fns)
    ).encode()


@pytest.fixture(scope="module")
def contexts() -> dict[int, HintContext]:
    made = {}
    for fns in (SMALL, LARGE):
        source = _source(fns)
        ctx = HintContext("src/lib.rs", source, extract_file("src/lib.rs", source).sites)
        assert len(ctx.syntax.fns) == fns  # walked once, outside the timings
        made[fns] = ctx
    return made


def _within_bound(small: float, large: float) -> bool:
    return large <= MOST * max(small, 0.002)


def _best_seconds(rule: HintRule, ctx: HintContext) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(3):
        start = time.process_time()
        count = len(list(rule.check(ctx)))
        best = min(best, time.process_time() - start)
    return best, count


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.id for r in ALL_RULES])
def test_rule_time_grows_linearly_with_the_file(
    rule: HintRule, contexts: dict[int, HintContext]
) -> None:
    small, small_count = _best_seconds(rule, contexts[SMALL])
    large, large_count = _best_seconds(rule, contexts[LARGE])
    # Each fn is the same: a rule that fires fires alike in each.
    assert large_count == small_count * (LARGE // SMALL)
    assert _within_bound(small, large), f"{rule.id}: {small:.3f} s -> {large:.3f} s"


class _EveryFnAgainstEveryFn(HintRule):
    """A quadratic rule: for each fn, one comparison with every fn of the file."""

    id = "quadratic-control"
    items = ()
    title = "Compares every fn with every fn."
    INVALID = ()
    VALID = ()

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        fns = ctx.syntax.fns
        for fn in fns:
            before = sum(1 for other in fns if other.start_byte < fn.start_byte)
            yield self.hint(ctx, None, fn.line, f"{before} fns before this one.")


def test_the_sizes_catch_the_cheapest_quadratic_rule(contexts: dict[int, HintContext]) -> None:
    rule = _EveryFnAgainstEveryFn()
    small, small_count = _best_seconds(rule, contexts[SMALL])
    large, large_count = _best_seconds(rule, contexts[LARGE])
    assert (small_count, large_count) == (SMALL, LARGE)
    assert not _within_bound(small, large), f"{small:.4f} s -> {large:.4f} s"
