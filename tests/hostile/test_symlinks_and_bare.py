"""Symbolic links out of the scanned tree, and bare repositories.

A plain directory handed to ``scan`` (a vendored crate, an unpacked tarball) may hold ``.rs``
symlinks to files anywhere: a scan reads that directory only, so a link out of it is listed as
not searched and never followed (to a secret, to ``/dev/zero``), while a link to a file inside
it is read. A bare repository has no work tree: ``scan --rev`` reads the revision from git
objects, and every command that needs a work tree says so. Every case runs the real command as
a process with a time limit and checks that nothing changed beside the tree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.gitrepo import GitRepo
from tests.hostile.harness import Outcome, Tree, spawn, untouched

LIB = "pub fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n"
SECRET = "pub fn hidden() {\n    unsafe { core::hint::unreachable_unchecked() }\n}\n"
OUTSIDE = "a symbolic link to a file outside the scanned directory; not followed"


@pytest.fixture
def crate(tmp_path: Path) -> Path:
    """A plain directory (no git) with one site, and a Rust file outside it."""
    root = tmp_path / "crate"
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text(LIB, encoding="utf-8")
    (tmp_path / "outside.rs").write_text(SECRET, encoding="utf-8")
    return root


def scan(cwd: Path, *args: str) -> tuple[Outcome, dict[str, Any]]:
    tree = Tree(cwd.parent, cwd.parent / "xdg-cache")
    ran = spawn("scan", *args, "--format", "json", cwd=cwd, timeout=60)
    untouched(tree)
    doc: dict[str, Any] = json.loads(ran.out) if ran.out else {}
    return ran, doc


def sites(doc: dict[str, Any]) -> list[tuple[str, int]]:
    return [(s["path"], s["line"]) for s in doc["sites"]]


def test_a_file_symlink_out_of_the_scanned_directory_is_not_followed(crate: Path) -> None:
    (crate / "src" / "secret.rs").symlink_to(crate.parent / "outside.rs")

    ran, doc = scan(crate, ".")

    assert ran.code == 0
    assert sites(doc) == [("src/lib.rs", 2)]
    assert doc["skipped"] == [
        {
            "path": "src/secret.rs",
            "reason": "unreadable",
            "line": 0,
            "message": f"not scanned: {OUTSIDE}",
        }
    ]
    assert (doc["files_scanned"], doc["files_skipped"]) == (1, 1)
    assert ran.err == f"warning: src/secret.rs: not scanned: {OUTSIDE}\n"


def test_a_relative_symlink_climbing_out_is_not_followed(crate: Path) -> None:
    (crate / "src" / "up.rs").symlink_to("../../outside.rs")

    ran, doc = scan(crate, ".")

    assert (ran.code, sites(doc)) == (0, [("src/lib.rs", 2)])
    assert [f["path"] for f in doc["skipped"]] == ["src/up.rs"]


def test_a_symlink_to_a_device_is_not_read(crate: Path) -> None:
    (crate / "src" / "zero.rs").symlink_to("/dev/zero")

    ran, doc = scan(crate, ".")

    assert (ran.code, sites(doc)) == (0, [("src/lib.rs", 2)])
    assert doc["skipped"][0]["message"] == f"not scanned: {OUTSIDE}"


def test_a_file_symlink_inside_the_scanned_directory_is_read(crate: Path) -> None:
    (crate / "src" / "again.rs").symlink_to("lib.rs")

    ran, doc = scan(crate, ".")

    assert ran.code == 0
    assert sites(doc) == [("src/again.rs", 2), ("src/lib.rs", 2)]
    assert "skipped" not in doc


def test_a_dangling_symlink_is_listed_as_unreadable(crate: Path) -> None:
    (crate / "src" / "gone.rs").symlink_to("nowhere.rs")

    ran, doc = scan(crate, ".")

    assert ran.code == 0
    assert doc["skipped"] == [
        {
            "path": "src/gone.rs",
            "reason": "unreadable",
            "line": 0,
            "message": "not scanned: a symbolic link that cannot be followed (No such file or "
            "directory)",
        }
    ]


def test_a_subdirectory_scan_does_not_follow_a_link_to_its_parent(crate: Path) -> None:
    (crate / "src" / "up.rs").symlink_to("../src/lib.rs")
    (crate / "src" / "sub").mkdir()
    (crate / "src" / "sub" / "parent.rs").symlink_to("../lib.rs")

    ran, doc = scan(crate / "src", "sub")

    assert (ran.code, doc["sites"]) == (0, [])
    assert doc["skipped"][0]["message"] == f"not scanned: {OUTSIDE}"


def test_a_symlink_committed_to_git_is_not_scanned(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", LIB)
    (tmp_path / "outside.rs").write_text(SECRET, encoding="utf-8")
    (repo.path / "src" / "secret.rs").symlink_to(tmp_path / "outside.rs")
    repo.commit("a symlink out of the work tree")

    work_tree, work_doc = scan(repo.path, ".")
    at_rev, rev_doc = scan(repo.path, ".", "--rev", "HEAD")

    assert (work_tree.code, at_rev.code) == (0, 0)
    assert sites(work_doc) == sites(rev_doc) == [("src/lib.rs", 2)]


# -- bare repositories -------------------------------------------------------------------------


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A bare clone of a repository with a release and one more commit."""
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", LIB)
    repo.commit("release")
    repo.tag("v0.1.0")
    repo.write("src/more.rs", SECRET)
    repo.commit("more")
    return repo.clone(tmp_path / "ext.git", bare=True).path


def test_scan_rev_reads_a_bare_repository(bare: Path) -> None:
    ran, doc = scan(bare, ".", "--rev", "HEAD")

    assert ran.code == 0
    assert sites(doc) == [("src/lib.rs", 2), ("src/more.rs", 2)]
    assert doc["rev"] is not None


def test_scan_rev_of_a_tag_reads_a_bare_repository_from_inside_its_git_directory(
    bare: Path,
) -> None:
    ran, doc = scan(bare / "refs", "..", "--rev", "v0.1.0")

    assert (ran.code, sites(doc)) == (0, [("src/lib.rs", 2)])


def test_scan_of_a_bare_repository_without_rev_says_there_is_no_work_tree(bare: Path) -> None:
    ran, _ = scan(bare, ".")

    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        f"unsafe-audit: error: {bare} is a bare repository and has no work tree to scan; "
        "scan a revision with --rev REF\n"
    )


def test_scan_of_an_unknown_revision_of_a_bare_repository_is_a_usage_error(bare: Path) -> None:
    ran, _ = scan(bare, ".", "--rev", "v9.9.9")

    assert (ran.code, ran.out) == (2, "")
    assert "v9.9.9" in ran.err
    assert "not inside a git repository" not in ran.err


def test_diff_of_a_bare_repository_compares_revisions(bare: Path) -> None:
    ran = spawn("diff", ".", "--head", "HEAD", "--format", "json", cwd=bare, timeout=60)

    assert ran.code == 0
    doc = json.loads(ran.out)
    assert [(s["status"], s["path"]) for s in doc["sites"]] == [
        ("new", "src/more.rs"),
        ("unchanged", "src/lib.rs"),
    ]


def test_check_of_a_bare_repository_says_it_has_no_ledger_to_read(bare: Path) -> None:
    ran = spawn("check", ".", "--head", "HEAD", cwd=bare, timeout=60)

    assert (ran.code, ran.out) == (2, "")
    assert "is a bare repository" in ran.err
