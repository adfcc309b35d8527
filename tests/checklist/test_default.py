"""The checklist shipped with unsafe-audit: its items, what they apply to, and where it is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checklist.files import EXPECTED_IDS, REPO_CHECKLIST, UNSAFE_KEYWORD_KINDS
from unsafe_audit.checklist.load import default_checklist, load_checklist
from unsafe_audit.checklist.model import Checklist, Item
from unsafe_audit.model import SiteKind


def test_default_checklist_has_three_sections_and_fifteen_items() -> None:
    checklist = default_checklist()

    assert checklist.id == "pgrx-ffi"
    assert checklist.version == 2
    assert [s.id for s in checklist.sections] == ["A", "B", "C"]
    assert len(checklist.items) == 15
    assert {s: [i.id for i in checklist.items_in(s)] for s in "ABC"} == EXPECTED_IDS
    assert [p.id for p in checklist.lifetime_patterns] == ["borrow", "own", "pin", "n/a"]
    assert checklist.parts == ("pgrx-ffi@2",)


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
        SiteKind.EXTERN_FN,
        SiteKind.EXTERN_BLOCK,
        SiteKind.UNSAFE_EXTERN_BLOCK,
        SiteKind.UNSAFE_ATTRIBUTE,
    )


def test_an_extern_fn_is_asked_about_the_boundary_and_names_no_lifetime_pattern() -> None:
    checklist = default_checklist()
    ids = [item.id for item in checklist.items_for(SiteKind.EXTERN_FN)]

    assert ids == ["pg-guard", "no-use-after-throw", "reread-this-release"]
    assert not checklist.pattern_applies(SiteKind.EXTERN_FN)


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
        REPO_CHECKLIST.read_text(encoding="utf-8").replace("version: 2", "version: 7"),
        encoding="utf-8",
    )
    monkeypatch.setattr("importlib.resources.files", lambda package: tmp_path)
    default_checklist.cache_clear()
    try:
        assert default_checklist().version == 7
    finally:
        default_checklist.cache_clear()


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
