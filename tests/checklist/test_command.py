"""``unsafe-audit checklist``: the JSON and text listings, with and without team files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.checklist.files import EXPECTED_IDS, TEAM_ON_BASE, write
from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.commands import checklist as checklist_command
from unsafe_audit.errors import ChecklistError


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    checklist_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["checklist", *argv])
    result: int = args.run(args)
    return result


def test_json_output_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("--format", "json") == 0

    data = json.loads(capsys.readouterr().out)
    assert list(data) == [
        "schema_version",
        "id",
        "version",
        "sections",
        "lifetime_patterns",
        "items",
    ]
    assert (data["schema_version"], data["id"], data["version"]) == (1, "pgrx-ffi", 2)
    assert [s["id"] for s in data["sections"]] == ["A", "B", "C"]
    assert [p["id"] for p in data["lifetime_patterns"]] == ["borrow", "own", "pin", "n/a"]
    assert len(data["items"]) == 15
    assert all(set(i) == {"id", "section", "question", "applies_to"} for i in data["items"])
    assert data["items"][0] == {
        "id": "ctx-owner",
        "section": "A",
        "question": default_checklist().item("ctx-owner").question,
        "applies_to": [
            "unsafe_block",
            "unsafe_fn",
            "extern_block",
            "unsafe_extern_block",
            "pg_sys_call",
            "pg_sys_static",
        ],
    }


def test_json_output_includes_team_items(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, TEAM_ON_BASE)

    assert run_command("--checklist", str(path), "--format", "json") == 0

    items = json.loads(capsys.readouterr().out)["items"]
    assert [i["id"] for i in items if i["section"] == "C"] == [*EXPECTED_IDS["C"], "spi-readonly"]


def test_text_output_fits_80_columns_and_groups_by_section(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_command() == 0

    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "FFI safety for pgrx extensions (pgrx-ffi@2)"
    headings = [line for line in lines if line[:3] in ("A. ", "B. ", "C. ")]
    assert headings == [
        "A. Memory contexts and lifetimes",
        "B. Pointers, NULL and struct access",
        "C. Errors, panics and control flow",
    ]
    listed = [line.strip() for line in lines if line.startswith("  ") and line[2] != " "]
    known = {item.id for item in default_checklist().items}
    item_ids = [entry for entry in listed if entry in known]
    assert item_ids == [i for ids in EXPECTED_IDS.values() for i in ids]


@pytest.mark.parametrize("output_format", list(checklist_command.OutputFormat))
def test_every_output_format_runs(
    output_format: checklist_command.OutputFormat, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(path=Path("."), checklists=[], format=output_format)

    assert checklist_command.run(args) == 0
    assert "null-check" in capsys.readouterr().out


def test_bad_team_file_raises_checklist_error(tmp_path: Path) -> None:
    path = write(tmp_path, "")

    with pytest.raises(ChecklistError, match=rf"^{path}:1: checklist file is empty"):
        checklist_command.run(
            argparse.Namespace(path=tmp_path, checklists=[str(path)], format="text")
        )
