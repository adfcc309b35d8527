"""Team checklists on top of the shipped one: they may add, never redefine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checklist.files import EXPECTED_IDS, TEAM_ON_BASE, VALID, error_for, write
from unsafe_audit.checklist.load import default_checklist, load_checklist
from unsafe_audit.checklist.model import merge_checklists
from unsafe_audit.errors import ChecklistError
from unsafe_audit.model import SiteKind


def test_team_items_join_the_base_sections(tmp_path: Path) -> None:
    base = default_checklist()
    team = load_checklist(write(tmp_path, TEAM_ON_BASE), base=base)

    merged = merge_checklists(base, team)

    assert (merged.id, merged.version) == ("pgrx-ffi", 2)
    assert merged.parts == ("pgrx-ffi@2", "acme@3")
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
    assert str(original).endswith("pgrx-ffi.yaml:181")


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
