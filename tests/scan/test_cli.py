"""`unsafe-audit scan` through `cli.main` and a subprocess: file selection, git, JSON (the
table's layout is tested in ``tests/report/test_scan_renderers.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.gitrepo import GitRepo, isolate_git_config
from unsafe_audit.cli import main

LIB_RS = """\
use pgrx::pg_sys;
use pgrx::prelude::*;

pgrx::pg_module_magic!();

#[pg_extern]
fn backend_pid() -> i32 {
    // SAFETY: MyProcPid is set before any extension code runs.
    unsafe { pg_sys::MyProcPid }
}
"""

MEMORY_RS = """\
use pgrx::pg_sys;

/// # Safety
/// Call inside a memory context that outlives the returned pointer.
pub unsafe fn raw_palloc(size: usize) -> *mut u8 {
    pg_sys::palloc(size) as *mut u8
}
"""

# LIB_RS with a second unsafe block added after the release.
LIB_RS_EDITED = (
    LIB_RS
    + """
#[pg_extern]
fn xact_id() -> u32 {
    unsafe { pg_sys::GetCurrentTransactionId() }
}
"""
)

# A file that has every kind of site, to stress the table's summary.
ALL_KINDS_RS = """\
use pgrx::pg_sys;

pub struct SharedState(*mut pg_sys::LWLock);

// SAFETY: the lock lives in shared memory for the life of the postmaster.
unsafe impl Send for SharedState {}

pub unsafe trait ShmemInit {
    fn init(&self);
}

extern "C" {
    fn audit_helper(x: i32) -> i32;
}

unsafe extern "C" {
    fn audit_other() -> i32;
}

#[unsafe(no_mangle)]
pub extern "C" fn _PG_init() {
    unsafe {
        pg_sys::RequestAddinShmemSpace(1024);
    }
}

/// # Safety
/// Caller holds the lock.
pub unsafe fn backend_pid() -> i32 {
    pg_sys::MyProcPid
}
"""

LIB_SITES = [
    ("unsafe_block", "src/lib.rs", 9),
    ("pg_sys_static", "src/lib.rs", 9),
]
MEMORY_SITES = [
    ("unsafe_fn", "src/memory.rs", 5),
    ("pg_sys_call", "src/memory.rs", 6),
]
EDITED_LIB_SITES = [
    *LIB_SITES,
    ("unsafe_block", "src/lib.rs", 14),
    ("pg_sys_call", "src/lib.rs", 14),
]

SITE_KEYS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "kind": str,
    "path": str,
    "line": int,
    "end_line": int,
    "column": int,
    "item": str,
    "in_macro": bool,
    "parent": (str, type(None)),
    "name": (str, type(None)),
    "safety_comment": (str, type(None)),
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git_config(monkeypatch)
    # Belt and braces: even a scan that forgets --no-cache never touches the real cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def write(root: Path, rel: str, text: str) -> Path:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out, err


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = scan(capsys, "--format", "json", *args)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def rows(doc: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(s["kind"], s["path"], s["line"]) for s in doc["sites"]]


def make_crate(root: Path) -> Path:
    write(root, "Cargo.toml", '[package]\nname = "pg_audit_demo"\nversion = "0.1.0"\n')
    write(root, "src/lib.rs", LIB_RS)
    write(root, "src/memory.rs", MEMORY_RS)
    return root


# -- plain directories ---------------------------------------------------------------------------


def test_plain_directory_skips_target_and_hidden_dirs_with_paths_relative_to_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    crate = make_crate(tmp_path / "crate")
    write(crate, "target/debug/build/pg_audit_demo-1/out/bindings.rs", "unsafe fn x() {}\n")
    write(crate, ".cargo/registry/src/dep/lib.rs", "unsafe fn y() {}\n")
    write(crate, "src/.scratch/try.rs", "unsafe fn z() {}\n")

    doc = scan_json(capsys, str(crate))

    assert rows(doc) == LIB_SITES + MEMORY_SITES
    assert doc["root"] == str(crate.resolve())
    assert doc["rev"] is None
    assert doc["files_scanned"] == 2
    assert doc["files_skipped"] == 0
    assert doc["warnings"] == []


def test_plain_directory_sites_carry_items_names_and_safety_comments(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    crate = make_crate(tmp_path / "crate")

    doc = scan_json(capsys, str(crate))

    summary = [(s["kind"], s["item"], s["name"], s["safety_comment"]) for s in doc["sites"]]
    assert summary == [
        (
            "unsafe_block",
            "backend_pid",
            None,
            "MyProcPid is set before any extension code runs.",
        ),
        # A pg_sys use inside a block shares the block's SAFETY comment.
        (
            "pg_sys_static",
            "backend_pid",
            "MyProcPid",
            "MyProcPid is set before any extension code runs.",
        ),
        (
            "unsafe_fn",
            "memory::raw_palloc",
            "raw_palloc",
            "Call inside a memory context that outlives the returned pointer.",
        ),
        ("pg_sys_call", "memory::raw_palloc", "palloc", None),
    ]
    by_kind = {s["kind"]: s for s in doc["sites"]}
    assert by_kind["pg_sys_call"]["parent"] == by_kind["unsafe_fn"]["id"]


def test_relative_path_argument_scans_from_the_current_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crate = make_crate(tmp_path / "crate")
    monkeypatch.chdir(crate)

    doc = scan_json(capsys)  # the path defaults to "."

    assert rows(doc) == LIB_SITES + MEMORY_SITES
    assert doc["root"] == str(crate.resolve())


# -- git work trees ------------------------------------------------------------------------------


def test_git_work_tree_skips_ignored_files_and_includes_untracked_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    make_crate(repo.path)
    repo.write(".gitignore", "/target/\nsrc/scratch.rs\n")
    repo.commit("initial")
    repo.write("src/scratch.rs", "pub fn try_it() { unsafe { core::hint::spin_loop() } }\n")
    repo.write("src/ffi.rs", 'extern "C" {\n    fn audit_helper(x: i32) -> i32;\n}\n')

    doc = scan_json(capsys, str(repo.path))

    assert rows(doc) == [("extern_block", "src/ffi.rs", 1), *LIB_SITES, *MEMORY_SITES]
    assert doc["files_scanned"] == 3
    assert doc["root"] == str(repo.path)


def test_an_ignored_directory_named_on_the_command_line_is_scanned_as_a_plain_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A crate vendored into an ignored directory (or a package in an in-repo .venv): git lists
    # none of its files, but the user asked for it by name, so it is walked instead.
    repo = GitRepo.init(tmp_path / "ext")
    make_crate(repo.path / "vendor" / "dep")
    repo.write(".gitignore", "/vendor/\n")
    repo.write("src/own.rs", "pub unsafe fn own() {}\n")
    repo.commit("initial")

    whole = scan_json(capsys, str(repo.path))
    vendored = scan_json(capsys, str(repo.path / "vendor" / "dep"))

    assert rows(whole) == [("unsafe_fn", "src/own.rs", 1)]
    assert rows(vendored) == LIB_SITES + MEMORY_SITES
    assert vendored["root"] == str(repo.path / "vendor" / "dep")
    assert [w["message"] for w in vendored["warnings"]] == [
        f"vendor/dep is ignored by git in {repo.path}; scanned as a plain directory"
    ]
    assert "warnings" in whole and whole["warnings"] == []


def test_git_subdirectory_scan_uses_paths_and_ids_relative_to_the_repository_root(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = GitRepo.init(tmp_path / "workspace")
    make_crate(repo.path / "crates" / "ext")
    repo.write("crates/other/src/lib.rs", "pub unsafe fn other() {}\n")
    repo.commit("workspace")

    whole = scan_json(capsys, str(repo.path))
    sub = scan_json(capsys, str(repo.path / "crates" / "ext"))

    assert rows(sub) == [(k, f"crates/ext/{p}", n) for k, p, n in LIB_SITES + MEMORY_SITES]
    assert sub["root"] == whole["root"] == str(repo.path)
    in_ext = [s for s in whole["sites"] if s["path"].startswith("crates/ext/")]
    assert sub["sites"] == in_ext
    assert [s["id"] for s in sub["sites"]] == [s["id"] for s in in_ext]
    assert ("unsafe_fn", "crates/other/src/lib.rs", 1) in rows(whole)


def test_subdirectory_scan_from_inside_it_with_rev(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo.init(tmp_path / "workspace")
    make_crate(repo.path / "crates" / "ext")
    sha = repo.commit("workspace")
    monkeypatch.chdir(repo.path / "crates" / "ext" / "src")

    doc = scan_json(capsys, "--rev", "HEAD")

    assert doc["rev"] == sha
    assert rows(doc) == [(k, f"crates/ext/{p}", n) for k, p, n in LIB_SITES + MEMORY_SITES]


def test_empty_repository_work_tree_scans_to_zero_sites(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = GitRepo.init(tmp_path / "empty")

    code, out, err = scan(capsys, "--format", "json", str(repo.path))

    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["sites"], doc["files_scanned"], doc["files_skipped"]) == ([], 0, 0)


# -- --rev ---------------------------------------------------------------------------------------


def test_rev_reads_the_committed_version_not_the_modified_work_tree(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    make_crate(repo.path)
    released = repo.commit("release 0.1.0")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", LIB_RS_EDITED)
    (repo.path / "src" / "memory.rs").unlink()

    at_tag = scan_json(capsys, "--rev", "v0.1.0", str(repo.path))
    on_disk = scan_json(capsys, str(repo.path))

    assert rows(at_tag) == LIB_SITES + MEMORY_SITES
    assert at_tag["rev"] == released
    assert rows(on_disk) == EDITED_LIB_SITES
    assert on_disk["rev"] is None
    # The work tree was only read, never checked out.
    assert (repo.path / "src" / "lib.rs").read_text(encoding="utf-8") == LIB_RS_EDITED


def test_rev_table_names_the_revision(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    make_crate(repo.path)
    sha = repo.commit("initial")

    code, out, _ = scan(capsys, "--rev", "main", str(repo.path))

    assert code == 0
    assert out.splitlines()[0] == f"{repo.path} (revision {sha[:12]})"


def test_rev_on_a_plain_directory_says_it_needs_git(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    crate = make_crate(tmp_path / "crate")

    code, out, err = scan(capsys, "--rev", "v0.1.0", str(crate))

    assert code == 2
    assert out == ""
    assert "--rev needs a git repository" in err
    assert str(crate) in err
    assert "Traceback" not in err


def test_unknown_rev_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    make_crate(repo.path)
    repo.commit("initial")
    repo.tag("v0.1.0")

    code, out, err = scan(capsys, "--rev", "v9.9.9", str(repo.path))

    assert code == 2
    assert out == ""
    assert "unknown revision 'v9.9.9'" in err
    assert "git tag" in err
    assert "Traceback" not in err


def test_rev_head_in_a_repository_without_commits_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = GitRepo.init(tmp_path / "empty")
    repo.write("src/lib.rs", LIB_RS)

    code, out, err = scan(capsys, "--rev", "HEAD", str(repo.path))

    assert code == 2
    assert out == ""
    assert err.startswith("unsafe-audit: error: ")
    assert "has no commits yet" in err
    assert "Traceback" not in err


# -- JSON ----------------------------------------------------------------------------------------


def test_json_matches_the_schema_version_1_contract(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    make_crate(repo.path)
    sha = repo.commit("initial")

    for args, rev in ((["--rev", "HEAD"], sha), ([], None)):
        doc = scan_json(capsys, *args, str(repo.path))

        assert doc["schema_version"] == 1
        assert doc["root"] == str(repo.path)
        assert doc["rev"] == rev
        assert (doc["files_scanned"], doc["files_skipped"]) == (2, 0)
        assert doc["warnings"] == []
        assert len(doc["sites"]) == 4
        for site in doc["sites"]:
            for key, types in SITE_KEYS.items():
                assert isinstance(site[key], types), (key, site)
            assert len(site["id"]) == 16
            assert int(site["id"], 16) >= 0
            assert site["end_line"] >= site["line"]
            assert site["column"] >= 1
        first = doc["sites"][0]
        assert {k: first[k] for k in SITE_KEYS if k != "id"} == {
            "kind": "unsafe_block",
            "path": "src/lib.rs",
            "line": 9,
            "end_line": 9,
            "column": 5,
            "item": "backend_pid",
            "in_macro": False,
            "parent": None,
            "name": None,
            "safety_comment": "MyProcPid is set before any extension code runs.",
        }


def test_json_goes_to_stdout_and_warnings_to_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    crate = make_crate(tmp_path / "crate")
    (crate / "src" / "latin1.rs").write_bytes(
        b"// Auteur: Ren\xe9\npub fn f() -> i32 { unsafe { 1 } }\n"
    )

    code, out, err = scan(capsys, "--format", "json", str(crate))

    assert code == 0
    doc = json.loads(out)
    assert rows(doc) == LIB_SITES + MEMORY_SITES
    assert doc["warnings"] == [
        {"path": "src/latin1.rs", "line": 1, "message": "not valid UTF-8 (byte 14); file skipped"}
    ]
    assert err == "warning: src/latin1.rs:1: not valid UTF-8 (byte 14); file skipped\n"


def test_subprocess_json_with_warnings_parses_and_keeps_warnings_on_stderr(
    tmp_path: Path,
) -> None:
    crate = make_crate(tmp_path / "crate")
    write(
        crate,
        "src/broken.rs",
        "pub fn broken( {\n    let x = ;\n}\n\n"
        "pub fn later() {\n    unsafe { std::hint::unreachable_unchecked() }\n}\n",
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}

    proc = subprocess.run(
        [sys.executable, "-m", "unsafe_audit", "scan", "--format", "json", str(crate)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert rows(doc) == [("unsafe_block", "src/broken.rs", 6), *LIB_SITES, *MEMORY_SITES]
    assert [(w["path"], w["line"]) for w in doc["warnings"]] == [("src/broken.rs", 1)]
    assert proc.stderr.startswith("warning: src/broken.rs:1: ")
    assert "Traceback" not in proc.stderr


def test_subprocess_exit_code_for_a_missing_path(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}
    missing = tmp_path / "no-such-crate"

    proc = subprocess.run(
        [sys.executable, "-m", "unsafe_audit", "scan", "--no-cache", str(missing)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"unsafe-audit: error: {missing} does not exist\n"


# -- help ----------------------------------------------------------------------------------------


def test_top_level_help_exits_0_and_lists_scan(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])

    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "scan" in out
    assert "usage: unsafe-audit" in out


def test_scan_help_exits_0_and_documents_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", "--help"])

    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--rev", "--format", "--include-generated", "--no-cache"):
        assert option in out, option


def test_no_command_prints_help_to_stderr_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage: unsafe-audit" in err


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", "--format", "yaml", "."])

    assert exc.value.code == 2
    assert "invalid choice: 'yaml'" in capsys.readouterr().err
