"""Contracts in ``scan`` and ``diff`` JSON: each ``pg_sys_call`` site carries ``contract``,
added last, so every field before it keeps its bytes; other sites do not get the key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.diff.test_cli import diff_json as diff_json_of
from tests.gitrepo import GitRepo
from tests.scan.test_cli import _isolated, scan_json, write
from unsafe_audit.contracts.table import load
from unsafe_audit.model import Site, SiteId, SiteKind, Span
from unsafe_audit.report.scan_json import site_json, site_line

__all__ = ["_isolated"]

LIB_RS = """\
use pgrx::pg_sys;

pub unsafe fn name_of(oid: pg_sys::Oid) -> *mut std::ffi::c_char {
    pg_sys::get_rel_name(oid)
}

pub unsafe fn header(t: pg_sys::HeapTuple) -> *mut i32 {
    pg_sys::heap_tuple_get_struct(t)
}

pub unsafe fn switch(c: pg_sys::MemoryContext) -> pg_sys::MemoryContext {
    pg_sys::MemoryContextSwitchTo(c)
}
"""


def _calls(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in doc["sites"] if s["kind"] == "pg_sys_call"}


def test_scan_json_gives_each_pg_sys_call_its_contract_from_the_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path, "Cargo.toml", '[package]\nname = "x"\nversion = "0.1.0"\n')
    write(tmp_path, "src/lib.rs", LIB_RS)
    doc = scan_json(capsys, str(tmp_path))
    calls = _calls(doc)
    assert sorted(calls) == ["MemoryContextSwitchTo", "get_rel_name", "heap_tuple_get_struct"]
    contract = calls["get_rel_name"]["contract"]
    assert contract["function"] == "get_rel_name"
    assert contract["known"] is True
    newest = contract["per_major"][-1]
    assert newest["evidence_major"] == 18
    assert newest["returns_null"]["value"] == "yes"
    assert newest["returns_null"]["evidence"] == ["return NULL@lsyscache.c:2245"]
    assert newest["memory"] == {
        "value": "palloc",
        "evidence": ["pstrdup@lsyscache.c:2240"],
    }
    assert newest["signature"] == "char *get_rel_name(Oid relid)"
    switch = calls["MemoryContextSwitchTo"]["contract"]
    assert [m["raises"]["value"] for m in switch["per_major"]] == ["no"]
    assert switch["pairs"][0]["release"] == "MemoryContextSwitchTo"
    assert calls["heap_tuple_get_struct"]["contract"] == {
        "function": "heap_tuple_get_struct",
        "known": False,
        "reason": "written in Rust by pgrx (a C macro or inline function upstream)",
    }
    unsafe_fns = [s for s in doc["sites"] if s["kind"] == "unsafe_fn"]
    assert unsafe_fns
    assert all("contract" not in s for s in unsafe_fns)


def _site(kind: SiteKind, name: str) -> Site:
    return Site(
        id=SiteId("0" * 16),
        kind=kind,
        path="src/lib.rs",
        span=Span(line=3, column=5, end_line=3, start_byte=0, end_byte=4),
        item="fn f",
        name=name,
        token_hash="0" * 16,
        pg_sys_calls=(name,),
    )


@pytest.mark.parametrize("name", ["get_rel_name", "heap_tuple_get_struct", "no_such_function"])
def test_scan_line_keeps_every_earlier_field_byte_for_byte(name: str) -> None:
    site = _site(SiteKind.PG_SYS_CALL, name)
    line = site_line(site)
    assert line == json.dumps(site_json(site))
    old = {k: v for k, v in site_json(site).items() if k != "contract"}
    assert line.startswith(json.dumps(old)[:-1] + ', "contract": ')


def test_an_unknown_name_says_it_is_not_in_the_names_table() -> None:
    contract = site_json(_site(SiteKind.PG_SYS_CALL, "no_such_function"))["contract"]
    assert contract == {
        "function": "no_such_function",
        "known": False,
        "reason": "not a pg_sys function in the names table",
    }


def test_a_non_call_site_has_no_contract_key() -> None:
    site = _site(SiteKind.PG_SYS_STATIC, "CurrentMemoryContext")
    assert "contract" not in site_json(site)
    assert "contract" not in json.loads(site_line(site))


def test_the_shipped_table_parses_and_knows_the_sources_it_was_read_from() -> None:
    table = load()
    sources = [h for h in table.header if h.startswith("source ")]
    assert [s.split(":")[0] for s in sources] == ["source 13", "source 15", "source 18"]
    assert any(h.startswith("neighbour 14:") for h in table.header)
    assert any(h.startswith("neighbour 16:") for h in table.header)


def test_diff_json_gives_new_and_removed_pg_sys_calls_their_contract(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("Cargo.toml", '[package]\nname = "x"\nversion = "0.1.0"\n')
    repo.write("src/lib.rs", "use pgrx::pg_sys;\n\npub unsafe fn f() { pg_sys::palloc(8); }\n")
    repo.commit("first")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", "use pgrx::pg_sys;\n\npub unsafe fn f() { pg_sys::pstrdup(s()); }\n")
    repo.commit("second")
    doc = diff_json_of(capsys, repo.path)
    calls = {(s["status"], s["name"]): s for s in doc["sites"] if s["kind"] == "pg_sys_call"}
    assert sorted(calls) == [("new", "pstrdup"), ("removed", "palloc")]
    for (_status, name), site in calls.items():
        assert list(site)[-1] == "contract"
        assert site["contract"]["function"] == name
        assert [m["memory"]["value"] for m in site["contract"]["per_major"]] == ["palloc"]
