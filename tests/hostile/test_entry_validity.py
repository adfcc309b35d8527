"""Entries that parse but do not vouch for their site: they must not pass the gate.

A pull request can add unsafe code together with a ledger entry written by hand. The entry
counts only if it answers exactly the checklist items that apply to the site's kind under the
checklist in use, names a lifetime pattern the checklist knows (``n/a`` where none applies) and
records the site's kind. Otherwise ``check`` exits 1 with the site missing and a reason saying
what is wrong. The checklist label alone decides nothing (see ``review_state``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.checklist.files import VALID
from tests.commands.test_sign_off import LIB, make_repo, sites_of
from tests.gitrepo import GitRepo
from tests.hostile.harness import (
    Tree,
    cli,
    entry_for,
    released,
    sign_everything,
    site_of,
    untouched,
    write_entry,
)
from unsafe_audit.ledger.entry import Answer, Verdict
from unsafe_audit.model import Site, SiteKind

NEW_CODE = "pub fn z(p: *mut u8) {\n    unsafe { *p = 0 }\n}\n"


def check(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, *args: str
) -> tuple[int, dict[str, Any]]:
    before = Tree(repo.path, repo.path / ".git")
    result = cli(capsys, "check", str(repo.path), "--format", "json", *args)
    untouched(before)
    data: dict[str, Any] = json.loads(result.out)
    return result.code, data


def review_of(data: dict[str, Any], site: Site) -> tuple[str, bool, str]:
    (row,) = [s for s in data["sites"] if s["id"] == site.id]
    return row["review"], row["blocking"], row["reason"]


def hostile_new_site(tmp_path: Path) -> tuple[GitRepo, Site]:
    """A released repository with every old site signed, and a new unsafe block added by the
    pull request (which will bring its own entry)."""
    repo = released(tmp_path / "ext")
    sign_everything(repo)
    repo.write("src/lib.rs", LIB + NEW_CODE)
    return repo, site_of(repo, SiteKind.UNSAFE_BLOCK, "z")


def rejected(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, site: Site, reason: str, *args: str
) -> None:
    code, data = check(capsys, repo, *args)
    assert code == 1
    assert data["ok"] is False
    assert review_of(data, site) == ("missing", True, f"sign-off rejected: {reason}")
    assert data["summary"]["blocking"] == 1


def test_the_honest_entry_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, site = hostile_new_site(tmp_path)
    write_entry(repo, site.id, entry_for(site))
    code, data = check(capsys, repo)
    assert code == 0
    assert review_of(data, site)[:2] == ("signed", False)


def test_an_entry_answering_only_an_unknown_item_does_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    write_entry(repo, site.id, entry_for(site, answers=(("zzz", Answer(Verdict.PASS)),)))
    rejected(
        capsys,
        repo,
        site,
        "answers unknown item zzz; lacks items ctx-owner, no-stored-borrow, copy-to-outlive, "
        "reset-no-dangling, no-drop-on-reset and 9 more",
    )


def test_one_extra_unknown_item_is_enough_to_reject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    full = entry_for(site)
    write_entry(
        repo, site.id, entry_for(site, answers=(*full.answers, ("zzz", Answer(Verdict.PASS))))
    )
    rejected(capsys, repo, site, "answers unknown item zzz")


def test_an_entry_lacking_items_does_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    answers = tuple(a for a in entry_for(site).answers if a[0] not in ("null-check", "ctx-owner"))
    write_entry(repo, site.id, entry_for(site, answers=answers))
    rejected(capsys, repo, site, "lacks items ctx-owner, null-check")


def test_an_item_of_another_kind_does_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    full = entry_for(site)
    write_entry(
        repo, site.id, entry_for(site, answers=(*full.answers, ("pg-guard", Answer(Verdict.PASS))))
    )
    rejected(
        capsys, repo, site, "answers item pg-guard that does not apply to an unsafe_block site"
    )


def test_an_entry_recording_another_kind_does_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    write_entry(repo, site.id, entry_for(site, kind=SiteKind.UNSAFE_FN))
    rejected(capsys, repo, site, "records kind unsafe_fn for an unsafe_block site")


def test_an_unknown_lifetime_pattern_does_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    write_entry(repo, site.id, entry_for(site, lifetime_pattern="zzz"))
    rejected(capsys, repo, site, "unknown lifetime pattern 'zzz'")


def test_all_gaps_are_named_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, site = hostile_new_site(tmp_path)
    answers = (("zzz", Answer(Verdict.PASS)), *entry_for(site).answers[1:])
    write_entry(repo, site.id, entry_for(site, answers=answers, lifetime_pattern="leak"))
    rejected(
        capsys,
        repo,
        site,
        "answers unknown item zzz; lacks item ctx-owner; unknown lifetime pattern 'leak'",
    )


def test_na_is_a_valid_pattern_where_one_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    write_entry(repo, site.id, entry_for(site, lifetime_pattern="n/a"))
    assert check(capsys, repo)[0] == 0


def test_a_pattern_for_a_kind_that_takes_none_does_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", "pub unsafe trait Plain {}\n")
    repo.commit("next")
    (trait,) = sites_of(repo)
    write_entry(repo, trait.id, entry_for(trait, lifetime_pattern="own"))
    rejected(
        capsys,
        repo,
        trait,
        "names lifetime pattern 'own' for an unsafe_trait site, which takes none (n/a)",
    )


def test_another_checklist_label_with_the_same_items_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    write_entry(repo, site.id, entry_for(site, checklist="pgrx-ffi@7 + whatever@1"))
    code, data = check(capsys, repo)
    assert code == 0
    assert review_of(data, site)[0] == "signed"


def test_a_team_item_counts_only_when_check_uses_the_team_checklist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    team = tmp_path / "team.yaml"
    team.write_text(VALID.lstrip("\n"))
    signed = cli(
        capsys,
        "sign-off",
        site.id,
        str(repo.path),
        "--all-pass",
        "--pattern",
        "own",
        "--justification",
        "z writes through a pointer its caller owns",
        "--checklist",
        str(team),
    )
    assert signed.code == 0
    data = check(capsys, repo, "--checklist", str(team))[1]
    assert review_of(data, site)[:2] == ("signed", False)
    data = check(capsys, repo)[1]
    assert review_of(data, site) == (
        "missing",
        True,
        "sign-off rejected: answers unknown item guc-registered",
    )


def test_a_sign_off_made_before_a_team_item_was_added_is_asked_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    write_entry(repo, site.id, entry_for(site))
    team = tmp_path / "team.yaml"
    team.write_text(VALID.lstrip("\n"))
    code, data = check(capsys, repo, "--checklist", str(team))
    assert code == 1
    # Every unsafe block now lacks the team's item, the old ones too; the pg_sys calls inside
    # them are covered by them (their own entries, from before review units, are kept).
    units = [s for s in data["sites"] if s["unit"] == s["id"]]
    assert {s["reason"] for s in units} == {"sign-off rejected: lacks item guc-registered"}
    members = [s for s in data["sites"] if s["unit"] != s["id"]]
    assert members and all(
        s["reason"].endswith("): sign-off rejected: lacks item guc-registered") for s in members
    )


def test_a_rejected_entry_is_shown_in_the_text_report_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site = hostile_new_site(tmp_path)
    write_entry(repo, site.id, entry_for(site, kind=SiteKind.UNSAFE_FN))
    result = cli(capsys, "check", str(repo.path))
    assert result.code == 1
    assert "sign-off rejected: records kind unsafe_fn for an unsafe_block site" in result.out


MIGRATION_BASE = (
    'extern "C" {\n    fn strlen(s: *const u8) -> usize;\n}\n'
    + "pub unsafe fn len(s: *const u8) -> usize {\n    strlen(s)\n}\n"
)
MIGRATION_HEAD = (
    'unsafe extern "C" {\n    unsafe fn strlen(s: *const u8) -> usize;\n}\n'
    + "pub unsafe fn len(s: *const u8) -> usize {\n"
    + "    // SAFETY: the caller passes a C string.\n    unsafe { strlen(s) }\n}\n"
)


def test_a_migrated_site_keeps_the_sign_off_of_its_base_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", MIGRATION_BASE, tag=None)
    base_sites = sites_of(repo)
    assert SiteKind.EXTERN_BLOCK in {s.kind for s in base_sites}
    for s in base_sites:
        write_entry(repo, s.id, entry_for(s, lifetime_pattern="n/a"))
    repo.commit("signed")
    repo.tag("v0.1.0")
    repo.commit("start of the next release")
    repo.write("src/lib.rs", MIGRATION_HEAD)
    data = check(capsys, repo)[1]
    kept = {s["kind"]: s["review"] for s in data["sites"] if s["base_id"] is not None}
    # The block was an extern_block when signed off; as an unsafe_extern_block it still counts.
    assert kept == {"unsafe_extern_block": "signed", "unsafe_fn": "signed"}
    # What edition 2024 adds (the inner `unsafe fn` and `unsafe {}`) has no base and no entry.
    assert sorted(s["reason"] for s in data["sites"] if s["base_id"] is None) == [
        "never signed off",
        "never signed off",
    ]
