"""``unsafe-audit diff`` on real git repositories built in temporary directories."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from tests.gitrepo import GitRepo, isolate_git_config
from unsafe_audit.commands import diff as diff_command
from unsafe_audit.errors import GitError

Row = tuple[str, str, str, int]
PG = "use pgrx::pg_sys;\n"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git_config(monkeypatch)
    # Nothing a test runs may write to the developer's cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _parse(path: Path, *args: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="unsafe-audit")
    diff_command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["diff", str(path), "--no-cache", *args])


def run_diff(
    capsys: pytest.CaptureFixture[str], path: Path, *args: str, fmt: str = "json"
) -> tuple[str, str]:
    """Run the command; return (stdout, stderr)."""
    ns = _parse(path, "--format", fmt, *args)
    assert diff_command.run(ns) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def diff_json(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> dict[str, Any]:
    out, _ = run_diff(capsys, path, *args)
    result: dict[str, Any] = json.loads(out)
    return result


def rows(result: dict[str, Any]) -> list[Row]:
    """(status, kind, path, line) per site: head's location, or base's for removed sites."""
    return [
        (s["status"], s["kind"], s["path"] or s["base_path"], s["line"] or s["base_line"])
        for s in result["sites"]
    ]


def diff_error(path: Path, *args: str) -> str:
    with pytest.raises(GitError) as e:
        diff_command.run(_parse(path, *args))
    return str(e.value)


# -- the sites of one crate across two releases ---------------------------------------------------

V1 = (
    PG
    + "pub fn a() -> *mut u8 {\n    unsafe { pg_sys::palloc(8) as *mut u8 }\n}\n"  # 2-4
    + "pub fn b() -> *mut u8 {\n    let n = 8;\n    unsafe { pg_sys::palloc0(n) as *mut u8 }\n}\n"
    + "pub fn c(p: *mut u8) {\n    unsafe { pg_sys::pfree(p.cast()) }\n}\n"  # 10-12
)
V2 = (
    PG
    + "pub fn a() -> *mut u8 {\n    unsafe { pg_sys::palloc(16) as *mut u8 }\n}\n"
    + "pub fn b() -> *mut u8 {\n    let n = 32;\n    unsafe { pg_sys::palloc0(n) as *mut u8 }\n}\n"
    + "pub fn d() -> u32 {\n    unsafe { pg_sys::GetCurrentTransactionId().into() }\n}\n"
)


@pytest.fixture(scope="module")
def released_template(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """v0.1.0 with V1, then an untagged commit with V2 on main (built once per module)."""
    repo = GitRepo.init(tmp_path_factory.mktemp("released") / "ext")
    repo.write("Cargo.toml", '[package]\nname = "ext"\n')
    repo.write("src/lib.rs", V1)
    repo.commit("v0.1.0")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", V2)
    repo.commit("edit a, edit next to b, delete c, add d")
    return repo


@pytest.fixture
def released(released_template: GitRepo, tmp_path: Path) -> GitRepo:
    """A fresh copy of :func:`released_template` (tests may edit, commit and clone it)."""
    return released_template.copy(tmp_path / "ext")


def test_add_delete_edit_inside_and_next_to(
    released: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    result = diff_json(capsys, released.path, "--head", "main")
    assert rows(result) == [
        ("new", "unsafe_block", "src/lib.rs", 10),
        ("new", "pg_sys_call", "src/lib.rs", 10),
        ("changed", "unsafe_block", "src/lib.rs", 3),
        ("changed", "pg_sys_call", "src/lib.rs", 3),
        ("unchanged", "unsafe_block", "src/lib.rs", 7),
        ("unchanged", "pg_sys_call", "src/lib.rs", 7),
        ("removed", "unsafe_block", "src/lib.rs", 10),
        ("removed", "pg_sys_call", "src/lib.rs", 10),
    ]
    assert result["schema_version"] == 1
    assert result["base"]["ref"] == "v0.1.0"
    assert result["base"]["commit"] == released.rev_parse("v0.1.0")
    assert result["head"] == {"ref": "main", "commit": released.rev_parse("main")}
    assert result["summary"] == {
        "new": 2,
        "changed": 2,
        "moved": 0,
        "migrated": 0,
        "unchanged": 2,
        "removed": 2,
    }
    changed = result["sites"][2]
    assert (changed["before"], changed["after"]) == (
        "unsafe { pg_sys::palloc(8) as *mut u8 }",
        "unsafe { pg_sys::palloc(16) as *mut u8 }",
    )
    assert (changed["base_path"], changed["base_line"]) == ("src/lib.rs", 3)


def test_base_choice_is_explained_on_stderr(
    released: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    _, err = run_diff(capsys, released.path, "--head", "main")
    assert err == (
        "unsafe-audit: comparing main with v0.1.0: v0.1.0 is the highest release tag (the "
        "revision under audit is not tagged; pre-releases skipped)\n"
    )


def test_working_tree_head_includes_uncommitted_edits(
    released: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    released.write("src/lib.rs", V2.replace("palloc(16)", "palloc(32)"))
    result = diff_json(capsys, released.path, "--base", "main")
    assert rows(result) == [
        ("changed", "unsafe_block", "src/lib.rs", 3),
        ("changed", "pg_sys_call", "src/lib.rs", 3),
        ("unchanged", "unsafe_block", "src/lib.rs", 7),
        ("unchanged", "pg_sys_call", "src/lib.rs", 7),
        ("unchanged", "unsafe_block", "src/lib.rs", 10),
        ("unchanged", "pg_sys_call", "src/lib.rs", 10),
    ]
    assert result["head"] == {
        "ref": None,
        "commit": None,
        "working_tree": True,
        "based_on": released.rev_parse("HEAD"),
    }
    # Nothing was checked out or staged to read the base.
    assert released.git("status", "--porcelain") == " M src/lib.rs"


@pytest.mark.parametrize("rev", ["v0.1.0", "main"])
def test_a_revision_against_itself_is_only_unchanged(
    released: GitRepo, capsys: pytest.CaptureFixture[str], rev: str
) -> None:
    result = diff_json(capsys, released.path, "--base", rev, "--head", rev)
    assert {s["status"] for s in result["sites"]} == {"unchanged"}
    assert len(result["sites"]) == 6


def test_reformatting_a_whole_file_changes_nothing(
    released: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    released.write(
        "src/lib.rs",
        "// Reformatted by hand.\n"
        + V2.replace("    unsafe { ", "    // SAFETY: fine.\n    unsafe {\n        ")
        .replace(" as *mut u8 }", " as *mut u8\n    }")
        .replace(".into() }", ".into()\n    }"),
    )
    released.commit("reformat")
    result = diff_json(capsys, released.path, "--base", "HEAD~1", "--head", "HEAD")
    assert rows(result) == [
        ("unchanged", "unsafe_block", "src/lib.rs", 5),
        ("unchanged", "pg_sys_call", "src/lib.rs", 6),
        ("unchanged", "unsafe_block", "src/lib.rs", 12),
        ("unchanged", "pg_sys_call", "src/lib.rs", 13),
        ("unchanged", "unsafe_block", "src/lib.rs", 18),
        ("unchanged", "pg_sys_call", "src/lib.rs", 19),
    ]


def test_fn_moved_to_another_file_and_file_renamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    read_fn = "pub unsafe fn read(p: *const u8) -> u8 {\n    *p\n}\n"
    repo.write("src/lib.rs", "pub mod cache;\n" + read_fn)
    repo.write("src/cache.rs", PG + "pub fn f() {\n    unsafe { pg_sys::palloc(1) };\n}\n")
    repo.commit("initial")
    repo.tag("v1.0.0", annotated=False)
    repo.write("src/lib.rs", "pub mod cache;\npub mod io;\n")
    repo.write("src/io.rs", read_fn)
    repo.rename("src/cache.rs", "src/cache/mod.rs")
    repo.commit("split")
    result = diff_json(capsys, repo.path, "--head", "HEAD")
    assert rows(result) == [
        ("moved", "unsafe_block", "src/cache/mod.rs", 3),
        ("moved", "pg_sys_call", "src/cache/mod.rs", 3),
        ("moved", "unsafe_fn", "src/io.rs", 1),
    ]
    moved_fn = result["sites"][2]
    assert (moved_fn["base_path"], moved_fn["base_line"], moved_fn["base_item"]) == (
        "src/lib.rs",
        2,
        "read",
    )
    assert moved_fn["item"] == "io::read"


def test_duplicate_sites_are_matched_one_to_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    line = "    unsafe { pg_sys::palloc(8) };\n"
    repo.write("src/lib.rs", PG + "fn f() {\n" + line * 2 + "}\n")
    repo.commit("two")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", PG + "fn f() {\n" + line * 3 + "}\n")
    repo.commit("three")
    assert rows(diff_json(capsys, repo.path, "--head", "HEAD")) == [
        ("new", "unsafe_block", "src/lib.rs", 5),
        ("new", "pg_sys_call", "src/lib.rs", 5),
        ("unchanged", "unsafe_block", "src/lib.rs", 3),
        ("unchanged", "pg_sys_call", "src/lib.rs", 3),
        ("unchanged", "unsafe_block", "src/lib.rs", 4),
        ("unchanged", "pg_sys_call", "src/lib.rs", 4),
    ]


MIGRATION_BASE = (
    'extern "C" {\n    fn strlen(s: *const u8) -> usize;\n}\n'
    + '#[no_mangle]\npub extern "C" fn abi() -> u32 {\n    2\n}\n'
    + "pub unsafe fn len(s: *const u8) -> usize {\n    strlen(s)\n}\n"
)
MIGRATION_HEAD = (
    'unsafe extern "C" {\n    unsafe fn strlen(s: *const u8) -> usize;\n}\n'
    + '#[unsafe(no_mangle)]\npub extern "C" fn abi() -> u32 {\n    2\n}\n'
    + "pub unsafe fn len(s: *const u8) -> usize {\n"
    + "    // SAFETY: the caller passes a C string.\n    unsafe { strlen(s) }\n}\n"
)


def test_edition_2024_migration_is_migrated_and_needs_no_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", MIGRATION_BASE)
    repo.commit("2021")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", MIGRATION_HEAD)
    repo.commit("edition 2024")
    result = diff_json(capsys, repo.path, "--head", "HEAD")
    assert rows(result) == [
        ("migrated", "unsafe_extern_block", "src/lib.rs", 1),
        ("migrated", "unsafe_fn", "src/lib.rs", 2),
        ("migrated", "unsafe_attribute", "src/lib.rs", 4),
        ("migrated", "unsafe_fn", "src/lib.rs", 8),
        ("migrated", "unsafe_block", "src/lib.rs", 10),
        ("unchanged", "extern_fn", "src/lib.rs", 5),
    ]
    assert result["needs_review"] == 0


def test_extern_block_moving_to_c_unwind_is_changed_and_to_unsafe_c_is_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", 'extern "C" {\n    fn strlen(s: *const u8) -> usize;\n}\n')
    repo.write("src/guard.rs", 'extern "C" {\n    fn pg_re_throw();\n}\n')
    repo.commit("2021")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", 'unsafe extern "C" {\n    fn strlen(s: *const u8) -> usize;\n}\n')
    repo.write("src/guard.rs", 'unsafe extern "C-unwind" {\n    fn pg_re_throw();\n}\n')
    repo.commit("edition 2024, pgrx 0.13")
    repo.tag("v0.2.0")
    result = diff_json(capsys, repo.path, "--base", "v0.1.0", "--head", "v0.2.0")
    assert rows(result) == [
        ("changed", "unsafe_extern_block", "src/guard.rs", 1),
        ("migrated", "unsafe_extern_block", "src/lib.rs", 1),
    ]
    changed = result["sites"][0]
    assert (changed["before"], changed["after"]) == (
        'extern "C" {\n    fn pg_re_throw();\n}',
        'unsafe extern "C-unwind" {\n    fn pg_re_throw();\n}',
    )
    assert result["needs_review"] == 1


def test_base_tag_on_a_release_branch_that_main_never_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", PG + "fn f() {\n    unsafe { pg_sys::palloc(1) };\n}\n")
    repo.commit("initial")
    repo.tag("v0.1.0")
    repo.branch("release/0.1", checkout=True)
    repo.write("src/lib.rs", PG + "fn f() {\n    unsafe { pg_sys::palloc(2) };\n}\n")
    repo.commit("fix on the release branch")
    repo.tag("v0.1.1")
    repo.checkout("main")
    repo.write("src/lib.rs", PG + "fn f() {\n    unsafe { pg_sys::palloc(3) };\n}\n")
    repo.commit("main moves on")
    result = diff_json(capsys, repo.path, "--head", "main")
    assert result["base"]["ref"] == "v0.1.1"
    assert result["base"]["commit"] == repo.rev_parse("v0.1.1")
    assert rows(result) == [
        ("changed", "unsafe_block", "src/lib.rs", 3),
        ("changed", "pg_sys_call", "src/lib.rs", 3),
    ]
    assert result["sites"][0]["before"] == "unsafe { pg_sys::palloc(2) }"


# -- errors ----------------------------------------------------------------------------------------


def test_shallow_clone_lacking_the_base_commit(released: GitRepo, tmp_path: Path) -> None:
    shallow = released.clone(tmp_path / "shallow", depth=1)
    assert diff_error(shallow.path, "--head", "HEAD") == (
        "no earlier release tag found, and this is a shallow clone that may lack tags and "
        "history; run `git fetch --unshallow --tags`, or name the base revision explicitly"
    )
    old = released.rev_parse("v0.1.0")
    assert diff_error(shallow.path, "--base", old) == (
        f"the base commit {old} is not in this shallow clone; run `git fetch --unshallow` "
        f"(or `git fetch --depth=N origin {old}`)"
    )


def test_repository_without_tags_is_a_first_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", "pub unsafe fn f() {}\n")
    repo.commit("initial")
    assert diff_error(repo.path) == (
        "no release tag (such as v0.1.0) in the repository, so there is no previous release "
        "to diff against; if this is the first release, every site is new: pass "
        "--allow-first-release to list them all as new, or --base REF to compare with another "
        "revision"
    )
    result = diff_json(capsys, repo.path, "--allow-first-release")
    assert rows(result) == [("new", "unsafe_fn", "src/lib.rs", 1)]
    assert (result["base"]["ref"], result["base"]["commit"], result["base"]["first_release"]) == (
        None,
        None,
        True,
    )


def test_head_that_is_the_only_release_is_a_first_release(released: GitRepo) -> None:
    message = diff_error(released.path, "--head", "v0.1.0")
    assert message.startswith("no release tag older than v0.1.0, so there is no previous release")


@pytest.mark.parametrize("option", ["--base", "--head"])
def test_unknown_ref(released: GitRepo, option: str) -> None:
    assert diff_error(released.path, option, "v9.9.9") == (
        f"unknown revision 'v9.9.9': no such commit in {released.path.resolve()}; "
        "list tags with `git tag` and branches with `git branch -a`"
    )


def test_bare_repository_needs_head(
    released: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = released.clone(tmp_path / "ext.git", bare=True)
    assert diff_error(bare.path) == (
        f"{bare.path.resolve()} is a bare repository and has no work tree to compare; "
        "name the revision to audit with --head REF"
    )
    result = diff_json(capsys, bare.path, "--head", "main")
    assert [r[0] for r in rows(result)] == [
        "new",
        "new",
        "changed",
        "changed",
        "unchanged",
        "unchanged",
        "removed",
        "removed",
    ]


def test_not_a_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert diff_error(tmp_path / "plain").endswith(
        "is not inside a git repository; diff compares git revisions "
        "(use `unsafe-audit scan` for a plain directory)"
    )


@pytest.mark.parametrize("head", [None, "HEAD"])
def test_submodules_are_skipped_and_listed(
    released: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str], head: str | None
) -> None:
    dep = GitRepo.init(tmp_path / "dep")
    dep.write("src/lib.rs", "pub unsafe fn hidden() {}\n")
    dep.commit("dep")
    released.add_submodule(dep, "vendor/dep")
    released.commit("vendor dep")
    args = ("--head", head) if head else ()
    out, err = run_diff(capsys, released.path, *args)
    result = json.loads(out)
    assert result["submodules"] == ["vendor/dep"]
    assert result["warnings"] == [
        {"path": "vendor/dep", "line": 0, "message": "submodule not scanned (scan it on its own)"}
    ]
    assert "warning: vendor/dep: submodule not scanned (scan it on its own)\n" in err
    assert all(s["path"] != "vendor/dep/src/lib.rs" for s in result["sites"])
