"""Parsing the contracts table: rows by kind, evidence chains, pairs found from either end, and
why a name has no contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from unsafe_audit.contracts.table import (
    TABLE_PATH,
    ContractTableError,
    MajorFacts,
    Pair,
    parse,
    read_text,
    write_text,
)

TEXT = (
    "# source 18: PostgreSQL 18.6\n"
    "fn\tget_rel_name\t13-17\t15\tyes\tpstrdup@a.c:1 > elog(ERROR)@b.c:2\tyes\t"
    "return NULL@a.c:3\tpalloc\tpstrdup@a.c:1\tchar *get_rel_name(Oid relid)\n"
    "fn\tget_rel_name\t18\t18\tmaybe\tx@a.c:9\tyes\treturn NULL@a.c:10\tpalloc\t"
    "pstrdup@a.c:8\tchar *get_rel_name(Oid relid)\n"
    "fn\tSearchSysCache1\t13-18\t18\tyes\te@c.c:1\tyes\tn@c.c:2\tcache\tc@c.c:3\tHeapTuple S()\n"
    "pair\tSearchSysCache1\tReleaseSysCache\thand\tsyscache.c:269\tpinned\n"
    "none\tGETSTRUCT\tpgrx\n"
    "none\tsome_macro\tmacro\n"
    "new\tpg_new_thing\t18\tinclude/x.h:5\n"
)


def test_rows_become_facts_per_major_run_with_evidence_chains() -> None:
    table = parse(TEXT)
    contract = table.get("get_rel_name")
    assert contract is not None
    assert contract.facts[0] == MajorFacts(
        majors="13-17",
        evidence_major=15,
        raises="yes",
        raises_evidence=("pstrdup@a.c:1", "elog(ERROR)@b.c:2"),
        returns_null="yes",
        null_evidence=("return NULL@a.c:3",),
        memory="palloc",
        memory_evidence=("pstrdup@a.c:1",),
        signature="char *get_rel_name(Oid relid)",
    )
    assert [f.majors for f in contract.facts] == ["13-17", "18"]
    assert table.header == ("source 18: PostgreSQL 18.6",)
    assert table.new_names == {"pg_new_thing": "include/x.h:5"}


def test_a_pair_is_listed_on_the_acquire_side() -> None:
    table = parse(TEXT)
    contract = table.get("SearchSysCache1")
    assert contract is not None
    assert contract.pairs == (
        Pair("SearchSysCache1", "ReleaseSysCache", "hand", "syscache.c:269", "pinned"),
    )


def test_names_without_a_contract_say_why() -> None:
    table = parse(TEXT)
    assert table.missing_reason("GETSTRUCT") == (
        "written in Rust by pgrx (a C macro or inline function upstream)"
    )
    assert table.missing_reason("some_macro") == "a C macro: no function body to read"
    assert table.missing_reason("nothing") == "not a pg_sys function in the names table"


def test_a_malformed_row_names_its_line() -> None:
    with pytest.raises(ContractTableError, match=r"pg_contracts.tsv:2: unexpected row 'pear'"):
        parse("# h\npear\ta\tb\n")
    table = parse("# h\nfn\tonly\ttwo\n")
    with pytest.raises(ContractTableError, match=r"pg_contracts.tsv:2: expected 11 cells"):
        table.get("only")


def test_function_rows_are_parsed_once_on_demand() -> None:
    table = parse(TEXT)
    assert table.functions() == ["SearchSysCache1", "get_rel_name"]
    first = table.get("get_rel_name")
    assert first is not None
    assert table.get("get_rel_name") is first
    assert table.get("nothing") is None


def test_the_compressed_table_round_trips_to_the_same_bytes(tmp_path: Path) -> None:
    """Written without a time stamp: the same text gives the same file, so the checked-in
    table changes only when its facts do."""
    text = read_text()
    first, second = tmp_path / "a.tsv.gz", tmp_path / "b.tsv.gz"
    write_text(first, text)
    write_text(second, text)
    assert first.read_bytes() == second.read_bytes() == TABLE_PATH.read_bytes()
    assert read_text(first) == text
