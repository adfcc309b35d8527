"""The majors a side builds for, read from a revision's blobs or from the work tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, isolate_git_config
from unsafe_audit.cargo_features import MANIFEST_BYTES
from unsafe_audit.history import Repository, side_majors

WORKSPACE = '[workspace]\nmembers = ["crates/*"]\n'


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git_config(monkeypatch)


def _workspace(tmp_path: Path) -> tuple[GitRepo, str]:
    repo = GitRepo.init(tmp_path / "ws")
    repo.write("Cargo.toml", WORKSPACE)
    repo.write("crates/a/Cargo.toml", '[features]\npg16 = ["pgrx/pg16"]\npg17 = []\n')
    repo.write("crates/b/Cargo.toml", "[package]\nname = 'b'\n")
    repo.write("crates/a/src/lib.rs", "pub fn f() {}\n")
    first = repo.commit("workspace")
    repo.write("crates/b/Cargo.toml", "[features]\npg18 = []\n")
    repo.commit("b builds for 18")
    return repo, first


def test_a_revision_and_the_work_tree_are_read_from_their_own_side(tmp_path: Path) -> None:
    repo, first = _workspace(tmp_path)
    repo.write("crates/c/Cargo.toml", "[features]\npg13 = []\n")  # untracked, not ignored
    repo.write(".gitignore", "ignored/\n")
    repo.write("crates/ignored/Cargo.toml", "[features]\npg14 = []\n")
    with Repository.open(repo.path) as r:
        assert side_majors(r, first, "") == (16, 17)
        assert side_majors(r, r.resolve("HEAD"), "") == (16, 17, 18)
        assert side_majors(r, None, "") == (13, 16, 17, 18)
        assert side_majors(r, first, "crates/a/") == (16, 17)
        assert side_majors(r, first, "crates/b/") == ()
        assert [e.path for e in r.manifests(first)] == [
            "Cargo.toml",
            "crates/a/Cargo.toml",
            "crates/b/Cargo.toml",
        ]


def test_the_work_tree_never_follows_a_symlink_or_reads_an_oversized_manifest(
    tmp_path: Path,
) -> None:
    repo, _ = _workspace(tmp_path)
    outside = tmp_path / "outside.toml"
    outside.write_text("[features]\npg15 = []\n")
    (repo.path / "crates/a/Cargo.toml").unlink()
    os.symlink(outside, repo.path / "crates/a/Cargo.toml")
    big = "[features]\npg13 = []\n#" + "x" * MANIFEST_BYTES + "\n"
    repo.write("crates/b/Cargo.toml", big)
    (repo.path / "solo").mkdir()
    os.symlink(outside, repo.path / "solo/Cargo.toml")  # read by its path, not listed
    with Repository.open(repo.path) as r:
        assert side_majors(r, None, "") == ()
        assert side_majors(r, None, "solo/") == ()
    repo.commit("link and big manifest")
    with Repository.open(repo.path) as r:
        assert side_majors(r, r.resolve("HEAD"), "") == ()  # a symlink blob is no manifest


def test_a_fifo_or_a_directory_named_cargo_toml_names_no_major_and_never_hangs(
    tmp_path: Path,
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", "pub fn f() {}\n")
    repo.commit("no manifest")
    os.mkfifo(repo.path / "Cargo.toml")
    (repo.path / "sub/Cargo.toml").mkdir(parents=True)
    with Repository.open(repo.path) as r:
        assert side_majors(r, None, "") == ()
        assert side_majors(r, None, "sub/") == ()
