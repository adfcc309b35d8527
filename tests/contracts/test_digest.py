"""The contracts digest: per major, stable, blind to evidence and to the major's number."""

from __future__ import annotations

import hashlib

from unsafe_audit.contracts.digest import (
    RECIPE,
    major_digest,
    table_majors,
    unit_called,
    unit_contracts,
)
from unsafe_audit.contracts.table import load, parse
from unsafe_audit.model import Site, SiteId, SiteKind, Span

TABLE = parse(
    "# source 16: PostgreSQL 16.1\n"
    "# neighbour 17: no source read; facts from 18\n"
    "# source 18: PostgreSQL 18.1\n"
    "fn\tpalloc\t16-18\t18\tyes\telog(ERROR)@mcxt.c:1\tno\t\tpalloc\t\tvoid *palloc(Size size)\n"
    "fn\tpfree\t16\t16\tno\t\t-\t\t-\t\tvoid pfree(void *pointer)\n"
    "fn\tpfree\t17-18\t18\tyes\telog(ERROR)@mcxt.c:9\t-\t\t-\t\tvoid pfree(void *pointer)\n"
    "fn\terrstart\t18\t18\tmaybe\t\t-\t\t-\t\tbool errstart(int elevel, const char *domain)\n"
    "none\tBufferIsLocal\tpgrx\n"
)


def _expected(*lines: str) -> str:
    return hashlib.sha256("\n".join((RECIPE, *lines)).encode()).hexdigest()[:8]


def test_a_digest_hashes_each_callee_s_facts_in_name_order() -> None:
    assert major_digest(["pfree", "palloc", "pfree"], 16, TABLE) == _expected(
        "palloc\tvoid *palloc(Size size)\tyes\tno\tpalloc",
        "pfree\tvoid pfree(void *pointer)\tno\t-\t-",
    )
    # A function with no contract in a major (none at all, or not in that major) is a mark.
    assert major_digest(["errstart", "BufferIsLocal"], 17, TABLE) == _expected(
        "BufferIsLocal\t-", "errstart\t-"
    )


def test_majors_that_agree_share_a_digest_and_evidence_does_not_count() -> None:
    assert unit_contracts(["palloc"], [18, 16, 17], TABLE) == (
        (16, major_digest(["palloc"], 16, TABLE)),
        (17, major_digest(["palloc"], 16, TABLE)),
        (18, major_digest(["palloc"], 16, TABLE)),
    )
    moved = parse(
        "# source 16: x\n"
        "fn\tpalloc\t16\t16\tyes\telog(ERROR)@mcxt.c:777\tno\t\tpalloc\t\tvoid *palloc(Size size)\n"
    )
    assert major_digest(["palloc"], 16, moved) == major_digest(["palloc"], 16, TABLE)
    pfree = dict(unit_contracts(["pfree"], [16, 17, 18], TABLE))
    assert pfree[16] != pfree[17] == pfree[18]


def test_no_digest_for_a_unit_without_calls_or_for_a_major_the_table_does_not_read() -> None:
    assert table_majors(TABLE) == frozenset({16, 17, 18})
    assert unit_contracts([], [16, 17], TABLE) == ()
    assert [m for m, _ in unit_contracts(["palloc"], [12, 16, 19], TABLE)] == [16]


def test_the_shipped_table_reads_13_to_18_and_its_digest_of_palloc_is_pinned() -> None:
    # Pinned: a change to the recipe or to palloc's facts changes every sign-off's digest.
    assert table_majors(load()) == frozenset(range(13, 19))
    assert unit_contracts(["palloc"], [13, 18]) == ((13, "523a342e"), (18, "523a342e"))


def _site(kind: SiteKind, name: str | None) -> Site:
    return Site(
        id=SiteId("0" * 16),
        kind=kind,
        path="src/lib.rs",
        span=Span(1, 1, 1, 0, 1),
        item="f",
        token_hash="0" * 16,
        name=name,
    )


def test_a_unit_calls_its_own_function_or_its_members_functions() -> None:
    call = _site(SiteKind.PG_SYS_CALL, "palloc")
    block = _site(SiteKind.UNSAFE_BLOCK, None)
    static = _site(SiteKind.PG_SYS_STATIC, "TopMemoryContext")
    assert unit_called(call, []) == ("palloc",)
    assert unit_called(block, [call, static, _site(SiteKind.PG_SYS_CALL, "pfree"), call]) == (
        "palloc",
        "pfree",
    )
    assert unit_called(block, [static]) == ()
