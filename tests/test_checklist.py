"""The pgrx-ffi checklist data, its validating loader, merging of team files, and the command."""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

import pytest

from unsafe_audit.checklist import (
    Checklist,
    Item,
    ItemId,
    Section,
    default_checklist,
    load_checklist,
    merge_checklists,
)
from unsafe_audit.commands import checklist as checklist_command
from unsafe_audit.errors import ChecklistError
from unsafe_audit.model import SiteKind

REPO_CHECKLIST = Path(__file__).resolve().parents[1] / "checklists" / "pgrx-ffi.yaml"

EXPECTED_IDS = {
    "A": [
        "ctx-owner",
        "no-stored-borrow",
        "copy-to-outlive",
        "reset-no-dangling",
        "no-drop-on-reset",
    ],
    "B": [
        "safety-comment",
        "null-check",
        "short-pointer-life",
        "safe-wrapper-first",
        "struct-cast-isolated",
    ],
    "C": [
        "pg-guard",
        "pgrx-error-macros",
        "no-use-after-throw",
        "minimal-unsafe",
        "reread-this-release",
    ],
}

UNSAFE_KEYWORD_KINDS = {kind for kind in SiteKind if kind.has_unsafe_keyword}


def write(tmp_path: Path, text: str, name: str = "team.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# A valid file to mutate: line numbers in the error tests below count from its first line.
VALID = """
id: team
version: 2
title: Team checks
sections:
  - id: T
    title: Team rules
items:
  - id: guc-registered
    section: T
    question: Is the GUC registered in _PG_init?
    guidance: |
      Pass when it is.
    applies_to: [unsafe_block, pg_sys_call]
"""


def error_for(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    with pytest.raises(ChecklistError) as excinfo:
        load_checklist(path)
    return path, str(excinfo.value)


# -- the shipped checklist ---------------------------------------------------------------------


def test_default_checklist_has_three_sections_and_fifteen_items() -> None:
    checklist = default_checklist()

    assert checklist.id == "pgrx-ffi"
    assert checklist.version == 1
    assert [s.id for s in checklist.sections] == ["A", "B", "C"]
    assert len(checklist.items) == 15
    assert {s: [i.id for i in checklist.items_in(s)] for s in "ABC"} == EXPECTED_IDS
    assert [p.id for p in checklist.lifetime_patterns] == ["borrow", "own", "pin", "n/a"]
    assert checklist.parts == ("pgrx-ffi@1",)


def test_default_checklist_item_ids_are_unique_slugs() -> None:
    ids = [item.id for item in default_checklist().items]

    assert len(set(ids)) == len(ids)
    assert all(not item_id.isdigit() for item_id in ids)


def test_every_site_kind_is_covered_by_some_item() -> None:
    checklist = default_checklist()

    assert {kind: bool(checklist.items_for(kind)) for kind in SiteKind} == {
        kind: True for kind in SiteKind
    }


def test_every_item_has_a_question_and_guidance() -> None:
    for item in default_checklist().items:
        assert item.question.endswith("?"), item.id
        assert "\n" not in item.question.strip(), item.id
        assert item.guidance.strip(), item.id


def test_unsafe_impl_is_not_asked_pointer_questions() -> None:
    ids = [item.id for item in default_checklist().items_for(SiteKind.UNSAFE_IMPL)]

    assert ids == ["no-stored-borrow", "safety-comment", "reread-this-release"]
    assert "null-check" not in ids


def test_safety_comment_applies_to_every_unsafe_keyword_kind() -> None:
    applies = set(default_checklist().item("safety-comment").applies_to)

    assert applies >= UNSAFE_KEYWORD_KINDS
    assert not any(kind.is_pg_sys for kind in applies)


def test_pg_guard_applies_to_fns_extern_blocks_and_attributes() -> None:
    assert default_checklist().item("pg-guard").applies_to == (
        SiteKind.UNSAFE_FN,
        SiteKind.EXTERN_BLOCK,
        SiteKind.UNSAFE_EXTERN_BLOCK,
        SiteKind.UNSAFE_ATTRIBUTE,
    )


def test_reread_applies_to_every_kind() -> None:
    assert set(default_checklist().item("reread-this-release").applies_to) == set(SiteKind)


def test_item_lookup_raises_key_error_for_unknown_id() -> None:
    with pytest.raises(KeyError, match="no item 'nope'"):
        default_checklist().item("nope")


def test_default_checklist_matches_the_repository_file() -> None:
    assert default_checklist() == load_checklist(REPO_CHECKLIST)


def test_default_checklist_prefers_installed_package_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "_checklists"
    installed.mkdir()
    (installed / "pgrx-ffi.yaml").write_text(
        REPO_CHECKLIST.read_text(encoding="utf-8").replace("version: 1", "version: 7"),
        encoding="utf-8",
    )
    monkeypatch.setattr("importlib.resources.files", lambda package: tmp_path)
    default_checklist.cache_clear()
    try:
        assert default_checklist().version == 7
    finally:
        default_checklist.cache_clear()


# -- validation: every error names file, line and field -----------------------------------------


def test_valid_team_file_loads(tmp_path: Path) -> None:
    checklist = load_checklist(write(tmp_path, VALID))

    assert checklist.items == (
        Item(
            id=ItemId("guc-registered"),
            section="T",
            question="Is the GUC registered in _PG_init?",
            guidance="Pass when it is.",
            applies_to=(SiteKind.UNSAFE_BLOCK, SiteKind.PG_SYS_CALL),
        ),
    )
    assert checklist.items[0].origin.line == 8
    assert checklist.sections == (Section("T", "Team rules"),)
    assert checklist.lifetime_patterns == ()
    assert checklist.description == ""


def test_unknown_site_kind(tmp_path: Path) -> None:
    path, message = error_for(
        tmp_path,
        VALID.replace("[unsafe_block, pg_sys_call]", "\n      - pg_sys_call\n      - unsafe_blok"),
    )

    known = ", ".join(kind.value for kind in SiteKind)
    assert message == (
        f"{path}:15: item 'guc-registered': unknown site kind 'unsafe_blok' in applies_to "
        f"(known: {known})"
    )


def test_unknown_section(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, VALID.replace("section: T", "section: Z"))

    assert message == f"{path}:9: item 'guc-registered': unknown section 'Z' (known: T)"


def test_missing_required_item_field(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, VALID.replace("    section: T\n", ""))

    assert message == f"{path}:8: item 'guc-registered': missing required field 'section'"


def test_missing_required_top_level_field(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, VALID.replace("version: 2\n", ""))

    assert message == f"{path}:1: the checklist 'team': missing required field 'version'"


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, VALID.replace("applies_to:", "aplies_to:"))

    assert message == (
        f"{path}:13: item 'guc-registered': unknown field 'aplies_to' "
        "(expected: id, section, question, guidance, applies_to)"
    )


def test_empty_question(tmp_path: Path) -> None:
    path, message = error_for(
        tmp_path, VALID.replace("question: Is the GUC registered in _PG_init?", 'question: "  "')
    )

    assert message == f"{path}:10: item 'guc-registered': field 'question' must not be empty"


def test_missing_question_value(tmp_path: Path) -> None:
    path, message = error_for(
        tmp_path, VALID.replace("question: Is the GUC registered in _PG_init?", "question:")
    )

    assert message == f"{path}:10: item 'guc-registered': field 'question' must not be empty"


def test_question_of_wrong_type(tmp_path: Path) -> None:
    path, message = error_for(
        tmp_path, VALID.replace("question: Is the GUC registered in _PG_init?", "question: yes")
    )

    assert message == (
        f"{path}:10: item 'guc-registered': field 'question' must be a string, not a bool ('yes')"
    )


def test_applies_to_must_be_a_list(tmp_path: Path) -> None:
    path, message = error_for(
        tmp_path, VALID.replace("[unsafe_block, pg_sys_call]", "unsafe_block")
    )

    assert message == (
        f"{path}:13: item 'guc-registered': field 'applies_to' must be a list, "
        "not a str ('unsafe_block')"
    )


def test_applies_to_must_not_be_empty(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, VALID.replace("[unsafe_block, pg_sys_call]", "[]"))

    assert message == (
        f"{path}:13: item 'guc-registered': field 'applies_to' must list at least one site kind"
    )


def test_duplicate_item_id(tmp_path: Path) -> None:
    duplicate = VALID + textwrap.indent(
        textwrap.dedent(
            """\
            - id: guc-registered
              section: T
              question: Again?
              guidance: x
              applies_to: [unsafe_fn]
            """
        ),
        "  ",
    )
    path, message = error_for(tmp_path, duplicate)

    assert message == f"{path}:14: duplicate item id 'guc-registered' (first defined on line 8)"


def test_numeric_item_id_is_rejected(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, VALID.replace("id: guc-registered", "id: '7'"))

    assert message == (
        f"{path}:8: item id '7' must be a slug such as 'ctx-owner' "
        "(lowercase letters, digits and single hyphens, starting with a letter)"
    )


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        ("0", "must be a positive integer, not 0"),
        ("-3", "must be a positive integer, not -3"),
        ('"1"', "must be a positive integer, not a str ('1')"),
        ("1.5", "must be a positive integer, not a float ('1.5')"),
        ("true", "must be a positive integer, not a bool ('true')"),
    ],
)
def test_version_must_be_a_positive_integer(tmp_path: Path, version: str, problem: str) -> None:
    path, message = error_for(tmp_path, VALID.replace("version: 2", f"version: {version}"))

    assert message == f"{path}:2: field 'version' {problem}"


def test_invalid_yaml_reports_yamls_own_line(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, VALID.replace("title: Team rules", "title: [Team rules"))

    assert message.startswith(f"{path}:7: invalid YAML: ")


def test_empty_file(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, "# only a comment\n")

    assert message == (
        f"{path}:1: checklist file is empty; expected a mapping with id, version, title, "
        "sections and items"
    )


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, "- id: a\n- id: b\n")

    assert message == f"{path}:1: the checklist must be a mapping, not a list"


def test_python_tags_are_not_constructed(tmp_path: Path) -> None:
    path, message = error_for(
        tmp_path, VALID.replace("title: Team checks", "title: !!python/object/apply:os.getpid []")
    )

    assert message == f"{path}:3: field 'title' must be a string, not a list"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    with pytest.raises(ChecklistError, match=rf"^{path}: cannot read checklist: "):
        load_checklist(path)


# -- merging team checklists -------------------------------------------------------------------

TEAM_ON_BASE = """
id: acme
version: 3
title: Acme additions
items:
  - id: spi-readonly
    section: C
    question: Does SPI run read-only where the caller expects no writes?
    guidance: Pass when SPI is read-only.
    applies_to: [unsafe_block]
"""


def test_team_items_join_the_base_sections(tmp_path: Path) -> None:
    base = default_checklist()
    team = load_checklist(write(tmp_path, TEAM_ON_BASE), base=base)

    merged = merge_checklists(base, team)

    assert (merged.id, merged.version) == ("pgrx-ffi", 1)
    assert merged.parts == ("pgrx-ffi@1", "acme@3")
    assert len(merged.items) == 16
    assert [i.id for i in merged.items_in("C")] == [*EXPECTED_IDS["C"], "spi-readonly"]
    assert merged.items[-1].id == "spi-readonly"


def test_team_sections_are_added_after_the_base(tmp_path: Path) -> None:
    base = default_checklist()
    merged = merge_checklists(base, load_checklist(write(tmp_path, VALID), base=base))

    assert [s.id for s in merged.sections] == ["A", "B", "C", "T"]
    assert [i.id for i in merged.items_for(SiteKind.PG_SYS_CALL)][-1] == "guc-registered"


def test_team_file_without_base_does_not_know_base_sections(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, TEAM_ON_BASE)

    assert message == f"{path}:6: item 'spi-readonly': unknown section 'C' (known: none)"


def test_colliding_item_id_names_both_files(tmp_path: Path) -> None:
    base = default_checklist()
    path = write(tmp_path, TEAM_ON_BASE.replace("spi-readonly", "null-check"))
    team = load_checklist(path, base=base)

    with pytest.raises(ChecklistError) as excinfo:
        merge_checklists(base, team)

    original = base.item("null-check").origin
    assert str(excinfo.value) == (
        f"{path}:5: item 'null-check' is already defined at {original}; "
        "a checklist added on top may only add new ids"
    )
    assert str(original).endswith("pgrx-ffi.yaml:159")


def test_colliding_section_id_names_both_files(tmp_path: Path) -> None:
    base = default_checklist()
    path = write(tmp_path, VALID.replace("id: T", "id: A").replace("section: T", "section: A"))
    team = load_checklist(path, base=base)

    with pytest.raises(ChecklistError) as excinfo:
        merge_checklists(base, team)

    assert str(excinfo.value) == (
        f"{path}:5: section 'A' is already defined at {base.sections[0].origin}; "
        "a checklist added on top may only add new ids"
    )


# -- the command -------------------------------------------------------------------------------


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    checklist_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["checklist", *argv])
    result: int = args.run(args)
    return result


def test_json_output_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("--format", "json") == 0

    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"id", "version", "sections", "lifetime_patterns", "items"}
    assert (data["id"], data["version"]) == ("pgrx-ffi", 1)
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
    assert lines[0] == "FFI safety for pgrx extensions (pgrx-ffi@1)"
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
    args = argparse.Namespace(checklists=[], format=output_format)

    assert checklist_command.run(args) == 0
    assert "null-check" in capsys.readouterr().out


def test_bad_team_file_raises_checklist_error(tmp_path: Path) -> None:
    path = write(tmp_path, "")

    with pytest.raises(ChecklistError, match=rf"^{path}:1: checklist file is empty"):
        checklist_command.run(argparse.Namespace(checklists=[str(path)], format="text"))


def test_checklist_equality_ignores_origin() -> None:
    checklist = default_checklist()
    moved = Checklist(
        id=checklist.id,
        version=checklist.version,
        title=checklist.title,
        description=checklist.description,
        sections=checklist.sections,
        lifetime_patterns=checklist.lifetime_patterns,
        items=tuple(
            Item(i.id, i.section, i.question, i.guidance, i.applies_to) for i in checklist.items
        ),
        parts=checklist.parts,
    )

    assert moved == checklist
