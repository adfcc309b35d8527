"""The entry file format: exact text, round trip, upgrades, and every validation error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ledger.example import (
    CONTRACT_ENTRY,
    CONTRACT_TEXT,
    ENTRY,
    NAME,
    SITE,
    TEXT,
    UNIT_ENTRY,
    UNIT_TEXT,
)
from tests.ledger.files import ledger_file, load_error
from unsafe_audit.ledger.upgrades import upgrade_entry
from unsafe_audit.ledger.yaml_io import entry_text, parse_entry


def test_entry_text_is_fixed_and_round_trips() -> None:
    assert entry_text(ENTRY) == TEXT
    parsed = parse_entry(TEXT, NAME, expected_id=SITE)
    assert parsed == ENTRY
    assert entry_text(parsed) == TEXT


def test_a_unit_entry_records_its_members_and_round_trips() -> None:
    assert entry_text(UNIT_ENTRY) == UNIT_TEXT
    parsed = parse_entry(UNIT_TEXT, NAME, expected_id=SITE)
    assert parsed == UNIT_ENTRY
    assert parsed.members is not None and [m.label for m in parsed.members] == [
        "AllocSetContextCreateExtended (call)",
        "TopMemoryContext (static)",
    ]


def test_a_schema_2_entry_without_members_records_none_and_schema_1_unknown() -> None:
    no_members = TEXT.replace("schema_version: 1", "schema_version: 2")
    assert parse_entry(no_members, NAME, expected_id=SITE).members == ()
    assert entry_text(parse_entry(no_members, NAME, expected_id=SITE)) == no_members
    # Schema 1 did not record members: unknown, and the text written back is schema 1's, so
    # a signature made over it still verifies.
    old = parse_entry(TEXT, NAME, expected_id=SITE)
    assert (old.members, old.schema_version, entry_text(old)) == (None, 1, TEXT)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ("members: null\n", "7: field 'members' must be a list of {kind, name, token_hash}"),
        (
            "members:\n- {kind: unsafe_block, name: f, token_hash: 00de68a0fc035222}\n",
            "7: member kind must be pg_sys_call or pg_sys_static, not 'unsafe_block'",
        ),
        (
            "members:\n- {kind: pg_sys_call, name: f, token_hash: '../x'}\n",
            "7: member token_hash must be 16 lowercase hex digits, not '../x'",
        ),
        (
            "members:\n- {kind: pg_sys_call, name: f}\n",
            "7: each of 'members' must be {kind, name, token_hash}, not "
            "{'kind': 'pg_sys_call', 'name': 'f'}",
        ),
    ],
)
def test_bad_members_name_file_and_line(tmp_path: Path, members: str, message: str) -> None:
    text = TEXT.replace("schema_version: 1", "schema_version: 2")
    ledger_file(tmp_path, text.replace("release:", members + "release:"))
    assert load_error(tmp_path) == f"{NAME}:{message}"


def test_members_in_a_schema_1_entry_are_refused(tmp_path: Path) -> None:
    # A schema-1 entry's members are unknown; one that claims some is not what schema 1 wrote.
    ledger_file(tmp_path, UNIT_TEXT.replace("schema_version: 2", "schema_version: 1"))
    assert load_error(tmp_path) == (
        f"{NAME}:7: field 'members' needs schema_version 2 or later (this entry says 1)"
    )


def test_an_entry_records_its_contracts_per_major_on_one_line_and_round_trips() -> None:
    assert entry_text(CONTRACT_ENTRY) == CONTRACT_TEXT
    assert "contracts: {pg16: 0a1b2c3d, pg17: '01234567', pg18: 4e5f6a7b}\n" in CONTRACT_TEXT
    parsed = parse_entry(CONTRACT_TEXT, NAME, expected_id=SITE)
    assert parsed == CONTRACT_ENTRY
    assert entry_text(parsed) == CONTRACT_TEXT


def test_a_schema_2_entry_records_no_contracts_and_is_written_back_as_it_was() -> None:
    old = parse_entry(UNIT_TEXT, NAME, expected_id=SITE)
    assert (old.contracts, old.schema_version, entry_text(old)) == ((), 2, UNIT_TEXT)
    assert upgrade_entry({"schema_version": 2, "site": SITE}) == {
        "schema_version": 3,
        "site": SITE,
    }


def test_contracts_in_a_schema_2_entry_are_refused(tmp_path: Path) -> None:
    ledger_file(tmp_path, CONTRACT_TEXT.replace("schema_version: 3", "schema_version: 2"))
    assert load_error(tmp_path) == (
        f"{NAME}:10: field 'contracts' needs schema_version 3 or later (this entry says 2)"
    )


@pytest.mark.parametrize(
    ("contracts", "shown"),
    [
        ("contracts: [pg16]", "['pg16']: None"),
        ("contracts: {pg7: 0a1b2c3d}", "'pg7': '0a1b2c3d'"),
        ("contracts: {postgres16: 0a1b2c3d}", "'postgres16': '0a1b2c3d'"),
        ("contracts: {pg16: 12345678}", "'pg16': 12345678"),  # unquoted digits: a YAML int
        ("contracts: {pg16: 0A1B2C3D}", "'pg16': '0A1B2C3D'"),
        ("contracts: {pg16: 0a1b2c3d4e}", "'pg16': '0a1b2c3d4e'"),
    ],
)
def test_bad_contracts_name_file_and_line(tmp_path: Path, contracts: str, shown: str) -> None:
    text = CONTRACT_TEXT.replace(
        "contracts: {pg16: 0a1b2c3d, pg17: '01234567', pg18: 4e5f6a7b}", contracts
    )
    ledger_file(tmp_path, text)
    assert load_error(tmp_path) == (
        f"{NAME}:10: field 'contracts' must map majors to digests of 8 lowercase hex digits "
        f"({{pg16: 1a2b3c4d}}), not {shown}"
    )


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    ledger_file(tmp_path, TEXT.replace("kind: unsafe_block", "kind: [unsafe_block"))
    assert load_error(tmp_path).startswith(f"{NAME}:4: invalid YAML: ")


def test_unknown_schema_version_says_upgrade(tmp_path: Path) -> None:
    ledger_file(tmp_path, TEXT.replace("schema_version: 1", "schema_version: 7"))
    assert load_error(tmp_path) == (
        f"{NAME}:1: unknown schema_version 7 (this unsafe-audit reads up to 3); "
        "upgrade unsafe-audit to read this ledger"
    )


def test_schema_0_is_upgraded() -> None:
    old = (
        TEXT.replace("schema_version: 1", "schema_version: 0")
        .replace("lifetime_pattern: own", "pattern: own")
        .replace("  ctx-owner: {answer: pass}", "  ctx-owner: pass")
    )
    assert parse_entry(old, NAME, expected_id=SITE) == ENTRY
    assert upgrade_entry({"schema_version": 0, "pattern": "pin", "answers": {"a": "fail"}}) == {
        "schema_version": 3,
        "lifetime_pattern": "pin",
        "answers": {"a": {"answer": "fail"}},
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "site: 3f9c2a1b7d0e4c55",
            "site: ../../etc/passwd",
            "2: field 'site' must be a site id of 16 lowercase hex digits, not '../../etc/passwd'",
        ),
        (
            "site: 3f9c2a1b7d0e4c55",
            "site: 0000000000000000",  # unquoted digits are a YAML int
            "2: field 'site' must be a site id of 16 lowercase hex digits, not 0",
        ),
        (
            "site: 3f9c2a1b7d0e4c55",
            "site: abcdefabcdefabcd",
            "2: field 'site' is abcdefabcdefabcd but the file is named for 3f9c2a1b7d0e4c55; "
            "an entry's file name must be its site id",
        ),
        ("kind: unsafe_block", "kind: unsafe_thing", "3: unknown site kind 'unsafe_thing'"),
        (
            "tool:",
            "color: blue\ntool:",
            "9: unknown field 'color' (expected: schema_version, site, kind, path, item, "
            "token_hash, release, checklist, tool, reviewer, reviewed_at, lifetime_pattern, "
            "answers, justification, members, contracts, signature)",
        ),
        (
            "  ctx-owner: {answer: pass}",
            "  ctx-owner: {answer: maybe}",
            "13: answer for 'ctx-owner' must be pass, fail or n/a, not 'maybe'",
        ),
        ("release: v0.3.0", "release: ''", "7: field 'release' must be non-empty text, not ''"),
        ("schema_version: 1\n", "", "1: missing schema_version"),
    ],
)
def test_bad_fields_name_file_and_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    ledger_file(tmp_path, TEXT.replace(old, new))
    assert load_error(tmp_path) == f"{NAME}:{message}"


def test_empty_justification_is_an_error(tmp_path: Path) -> None:
    ledger_file(tmp_path, TEXT.split("justification:")[0] + "justification: ' '\n")
    assert (
        load_error(tmp_path) == f"{NAME}:16: field 'justification' must be non-empty text, not ' '"
    )
