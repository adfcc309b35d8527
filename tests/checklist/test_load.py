"""The validating loader: a team file loads, and every error names file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.checklist.files import VALID, error_for, write
from unsafe_audit.checklist.load import load_checklist
from unsafe_audit.checklist.model import Item, ItemId, Section
from unsafe_audit.errors import ChecklistError
from unsafe_audit.model import SiteKind


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

    assert message == (
        f"{path}:3: the YAML tag !!python/object/apply:os.getpid is not allowed in a checklist "
        "(only text, numbers, true/false, dates, lists and mappings)"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    with pytest.raises(ChecklistError, match=rf"^{path}: cannot read checklist: "):
        load_checklist(path)
