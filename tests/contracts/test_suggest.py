"""Answers the contracts suggest: only ``pass``, only what every called function's contract
settles, and nothing when one of them is unknown."""

from __future__ import annotations

from unsafe_audit.contracts.suggest import Suggestion, suggestions


def test_a_function_that_never_raises_nor_returns_null_settles_both_items() -> None:
    assert suggestions(["MemoryContextSwitchTo"]) == {
        "null-check": Suggestion(
            "pass",
            "no function called here returns NULL per PostgreSQL's source (MemoryContextSwitchTo)",
        ),
        "no-use-after-throw": Suggestion(
            "pass",
            "no function called here raises an ERROR per PostgreSQL's source "
            "(MemoryContextSwitchTo)",
        ),
    }


def test_palloc_never_returns_null_but_may_raise() -> None:
    assert list(suggestions(["palloc", "MemoryContextSwitchTo"])) == ["null-check"]


def test_one_call_that_may_return_null_or_is_unknown_suggests_nothing() -> None:
    assert suggestions(["palloc", "get_rel_name"]) == {}  # get_rel_name may return NULL
    assert suggestions(["MemoryContextSwitchTo", "no_such_function_anywhere"]) == {}
    assert suggestions([]) == {}
