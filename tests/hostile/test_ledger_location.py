"""Where the ledger may be: inside the work tree, never in git's own directory.

Files in ``.git`` are never committed, so sign-offs written there could never reach a pull
request, and ``.git/hooks`` holds programs git runs. ``--ledger`` (or a symlink committed in
place of ``.unsafe-audit``) that resolves into the git directory is an error, as is a ledger
outside the repository; a bare repository says it has no work tree to read a ledger from.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo
from tests.hostile.harness import (
    LEDGER,
    Tree,
    cli,
    entry_for,
    released,
    site_of,
    write_entry,
)
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.store import ledger_directory
from unsafe_audit.model import SiteKind


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return released(tmp_path / "ext")


def in_git_dir(given: str, resolved: Path, git_dir: Path) -> str:
    return (
        f"unsafe-audit: error: ledger directory {given!r} resolves to {resolved}, which is in the "
        f"git directory {git_dir}: git does not version files there, so sign-offs could never "
        f"be committed; give a directory of the work tree, such as {LEDGER}\n"
    )


@pytest.mark.parametrize("given", [".git", ".git/hooks", ".git/unsafe-audit/ledger"])
def test_a_ledger_in_the_git_directory_is_refused(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, given: str
) -> None:
    git_dir = (repo.path / ".git").resolve()
    before = Tree(repo.path)
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a").id
    for command in (
        ["check", str(repo.path), "--ledger", given],
        [
            "sign-off",
            site,
            str(repo.path),
            "--all-pass",
            "--pattern",
            "own",
            "--ledger",
            given,
        ],
        ["prune", str(repo.path), "--apply", "--ledger", given],
    ):
        result = cli(capsys, *command)
        assert (result.code, result.out) == (2, "")
        assert result.err == in_git_dir(given, (repo.path / given).resolve(), git_dir)
    assert before.changes() == {}


def test_a_committed_symlink_into_the_git_directory_is_refused(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    # The PR replaces .unsafe-audit with a link, so the default ledger lands in .git.
    (repo.path / ".unsafe-audit").symlink_to(".git")
    before = Tree(repo.path)
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a").id
    result = cli(capsys, "sign-off", site, str(repo.path), "--all-pass", "--pattern", "own")
    assert result.code == 2
    git_dir = (repo.path / ".git").resolve()
    assert result.err.endswith(in_git_dir(LEDGER, git_dir / "ledger", git_dir))
    assert before.changes() == {}
    assert not (repo.path / ".git" / "ledger").exists()


def test_a_ledger_resolving_to_the_repository_root_or_outside_is_refused(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    for given in (".git/..", "../elsewhere"):
        result = cli(capsys, "check", str(repo.path), "--ledger", given)
        assert result.code == 2
        assert "which is not inside the repository" in result.err
    assert not (repo.path.parent / "elsewhere").exists()


def test_a_bare_repository_says_it_has_no_ledger_to_read(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path
) -> None:
    bare = repo.clone(tmp_path / "bare.git", bare=True)
    result = cli(capsys, "check", str(bare.path), "--head", "main")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"unsafe-audit: error: {bare.path.resolve()} is a bare repository: it has no work tree "
        f"to read the ledger directory '{LEDGER}' from; run unsafe-audit in a clone that has one\n"
    )


def test_a_linked_worktree_keeps_its_ledger_in_its_own_work_tree(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path
) -> None:
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "--quiet", str(linked), "HEAD")
    assert (linked / ".git").is_file()
    worktree = GitRepo(linked)
    site = site_of(worktree, SiteKind.UNSAFE_BLOCK, "a")
    result = cli(capsys, "sign-off", site.id, str(linked), "--all-pass", "--pattern", "own")
    assert result.code == 0
    assert (linked / LEDGER / f"{site.id}.yaml").is_file()
    # ... and may not reach into the git directory it shares with the main work tree.
    os.symlink(repo.path / ".git", linked / "shared")
    result = cli(capsys, "check", str(linked), "--ledger", "shared/hooks")
    assert result.code == 2
    assert "ledger directory 'shared/hooks' resolves to" in result.err


def test_a_valid_ledger_elsewhere_in_the_work_tree_is_fine(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a")
    (repo.path / "audit").mkdir()
    write_entry(repo, site.id, entry_for(site)).rename(repo.path / "audit" / f"{site.id}.yaml")
    result = cli(capsys, "check", str(repo.path), "--ledger", "audit", "--format", "json")
    assert result.code == 1  # the other three sites are not signed off
    assert f'"id": "{site.id}", "kind": "unsafe_block"' in result.out
    assert '"review": "signed"' in result.out


def test_a_ledger_holding_the_git_directory_is_refused(tmp_path: Path) -> None:
    # GIT_DIR may put the git directory anywhere inside the work tree.
    (tmp_path / "state" / ".git").mkdir(parents=True)
    with pytest.raises(LedgerError) as e:
        ledger_directory(tmp_path, "state", git_dirs=[tmp_path / "state" / ".git"])
    assert str(e.value).startswith(
        f"ledger directory 'state' resolves to {tmp_path.resolve() / 'state'}, which holds the "
        "git directory"
    )
