"""The one-line contract the review shows beside each pg_sys call, against facts checked by
hand in PostgreSQL's source (see hand_checked.tsv)."""

from __future__ import annotations

import pytest

from unsafe_audit.contracts.summary import contract_line


@pytest.mark.parametrize(
    ("name", "line"),
    [
        (
            "get_rel_name",
            "get_rel_name: may raise ERROR (mcxt.c:1210); may return NULL (lsyscache.c:2245); "
            "result palloc'd in the caller's memory context",
        ),
        (
            "SearchSysCache1",
            "SearchSysCache1: may raise ERROR (catcache.c:384); may return NULL (syscache.c:228); "
            "result points into a cache: valid until released or invalidated; "
            "release with ReleaseSysCache",
        ),
        # The valuable fact: nothing to guard against a longjmp here.
        ("MemoryContextSwitchTo", "MemoryContextSwitchTo: never raises ERROR; never returns NULL"),
        (
            "palloc",
            "palloc: may raise ERROR (mcxt.c:1367); never returns NULL; "
            "result palloc'd in the caller's memory context",
        ),
        (
            "get_attname",
            "get_attname: may raise ERROR (lsyscache.c:1084); "
            "returns NULL only when asked (missing_ok); "
            "result palloc'd in the caller's memory context",
        ),
    ],
)
def test_the_line_says_what_the_source_says(name: str, line: str) -> None:
    assert contract_line(name) == line


def test_a_name_the_table_does_not_know_says_why() -> None:
    assert contract_line("no_such_function_anywhere") == (
        "no_such_function_anywhere: no contract (not a pg_sys function in the names table)"
    )
