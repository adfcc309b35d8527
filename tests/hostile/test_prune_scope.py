"""``prune`` and ``check`` given one crate of a workspace see only that crate's entries.

A scan of ``crates/a`` sees none of ``crates/b``'s sites, so every entry of crate B looked
orphaned, and ``prune crates/a --apply`` deleted valid sign-offs (a ``check`` at the root then
showed them missing: data loss). Only entries whose recorded ``path`` lies under the scanned
directory are considered: for orphans, and for the match by code of a site moved earlier.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.commands.test_sign_off import make_repo, sites_of
from tests.gitrepo import GitRepo
from tests.hostile.harness import Tree, cli, entry_for, ledger_dir, write_entry
from unsafe_audit.model import Site

CRATE = (
    "use pgrx::pg_sys;\n"
    "pub fn keep() -> *mut u8 {\n"
    "    unsafe { pg_sys::palloc(8) as *mut u8 }\n"
    "}\n"
)
GONE = "pub fn gone(p: *mut u8) {\n    unsafe { pg_sys::pfree(p.cast()) }\n}\n"


def workspace(tmp_path: Path, *crates: str) -> GitRepo:
    """A repository with one crate per name under ``crates/``, every site signed off and
    released as v0.1.0, head one commit later."""
    repo = make_repo(tmp_path / "ws", "", tag=None)
    for crate in crates:
        repo.write(f"crates/{crate}/src/lib.rs", CRATE + GONE)
    for site in sites_of(repo):
        write_entry(repo, site.id, entry_for(site))
    repo.commit("crates, signed off")
    repo.tag("v0.1.0")
    repo.commit("start of the next release")
    return repo


def entries_of(repo: GitRepo, crate: str) -> dict[str, Site]:
    return {s.id: s for s in sites_of(repo) if s.path.startswith(f"crates/{crate}/")}


def check_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    result = cli(capsys, "check", str(path), "--format", "json")
    data: dict[str, Any] = json.loads(result.out)
    return result.code, data


def files(repo: GitRepo) -> set[str]:
    return {p.stem for p in ledger_dir(repo).iterdir()}


def test_prune_of_one_crate_never_deletes_another_crates_sign_offs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = workspace(tmp_path, "a", "b")
    ledger = Tree(ledger_dir(repo))
    result = cli(capsys, "prune", str(repo.path / "crates" / "a"), "--apply")
    assert (result.code, result.out, result.err) == (0, "", "no orphaned entries\n")
    assert ledger.changes() == {}
    code, data = check_json(capsys, repo.path)
    assert code == 0
    # 8 sites in 4 review units: each pg_sys call is covered by the block around it.
    assert (data["summary"]["signed"], data["summary"]["covered"]) == (4, 4)


def test_prune_of_one_crate_deletes_only_that_crates_orphans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = workspace(tmp_path, "a", "b")
    a_before, b_before = entries_of(repo, "a"), entries_of(repo, "b")
    repo.write("crates/a/src/lib.rs", CRATE)
    repo.write("crates/b/src/lib.rs", CRATE)
    a_gone = set(a_before) - set(entries_of(repo, "a"))
    b_gone = set(b_before) - set(entries_of(repo, "b"))
    assert len(a_gone) == len(b_gone) == 2
    result = cli(capsys, "prune", str(repo.path / "crates" / "a"), "--apply")
    assert result.code == 0
    assert sorted(line.split()[1] for line in result.out.splitlines()) == sorted(
        f".unsafe-audit/ledger/{s}.yaml" for s in a_gone
    )
    assert files(repo) == (set(a_before) | set(b_before)) - a_gone
    code, data = check_json(capsys, repo.path)
    assert code == 0
    assert sorted(data["orphaned"]) == sorted(b_gone)  # crate B's are kept until B is pruned
    cli(capsys, "prune", str(repo.path), "--apply")
    assert files(repo) == (set(a_before) | set(b_before)) - a_gone - b_gone


def test_a_crate_whose_name_starts_like_another_is_another_crate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = workspace(tmp_path, "a", "ab")
    repo.write("crates/ab/src/lib.rs", CRATE)
    ab_gone = set(entries_of(repo, "ab"))
    result = cli(capsys, "prune", str(repo.path / "crates" / "a"), "--apply")
    assert (result.code, result.out) == (0, "")
    assert ab_gone <= files(repo)


def test_check_of_one_crate_counts_only_its_own_orphans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = workspace(tmp_path, "a", "b")
    repo.write("crates/b/src/lib.rs", CRATE)
    code, data = check_json(capsys, repo.path / "crates" / "a")
    assert code == 0
    assert data["summary"]["orphaned"] == 0
    code, data = check_json(capsys, repo.path)
    assert (code, data["summary"]["orphaned"]) == (0, 2)


def test_another_crates_entry_never_signs_off_the_same_code_here(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = workspace(tmp_path, "b")
    # Crate A arrives with exactly crate B's code and no sign-off of its own.
    repo.write("crates/a/src/lib.rs", CRATE + GONE)
    code, data = check_json(capsys, repo.path / "crates" / "a")
    assert code == 1
    assert {s["review"] for s in data["sites"]} == {"missing"}
    code, data = check_json(capsys, repo.path)
    assert code == 1
    reviews = {(s["path"].split("/")[1], s["review"]) for s in data["sites"]}
    assert reviews == {("a", "missing"), ("b", "signed")}
