"""Review units through the real commands on real git repositories: a unit's sign-off covers the
pg_sys uses inside it, goes stale when they change, and a ledger written before units (by the
last release of the tool without them) keeps working."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.commands.test_check import check_json, released
from tests.commands.test_sign_off import EPOCH, _isolated, make_repo, refusal, run, sign, site
from tests.gitrepo import CONFIG_ISOLATION
from unsafe_audit.ledger.entry import MemberUse
from unsafe_audit.ledger.store import Ledger
from unsafe_audit.model import SiteKind

__all__ = ["_isolated"]  # the autouse fixture: isolated git config, cache and clock

PROJECT = Path(__file__).resolve().parents[2]
BEFORE_UNITS = "5dbb7b507f706f870c23b68c8fefcb1ba458a260"
"""The project's last commit before review units: its ``sign-off`` writes schema-1 entries, one
per site, pg_sys uses inside unsafe blocks included."""

LIB = (
    "use pgrx::pg_sys;\n"
    "use pgrx::pg_sys::palloc;\n"
    "pub fn a() -> *mut u8 {\n"
    "    // SAFETY: palloc never returns NULL; the memory lives in the current context.\n"
    "    unsafe { palloc(8) as *mut u8 }\n"
    "}\n"
    "pub fn db() -> pg_sys::Oid {\n"
    "    pg_sys::MyDatabaseId\n"
    "}\n"
)


def before_units(tmp_path: Path) -> Path:
    """The ``src`` of :data:`BEFORE_UNITS`, taken from the project's own git history."""
    have = subprocess.run(
        ["git", "-C", str(PROJECT), "cat-file", "-e", f"{BEFORE_UNITS}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if have.returncode != 0:
        pytest.skip(f"needs the project's git history with {BEFORE_UNITS[:12]} (a full clone)")
    archive = tmp_path / "before-units.tar"
    subprocess.run(
        [
            "git",
            "-C",
            str(PROJECT),
            "archive",
            "-o",
            str(archive),
            BEFORE_UNITS,
            "src",
            "checklists",
        ],
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "before-units", filter="data")
    return tmp_path / "before-units" / "src"


def run_before_units(src: Path, *args: str) -> str:
    """``unsafe-audit ARGS`` as the tool was before review units; its stdout."""
    env = {
        **os.environ,
        **CONFIG_ISOLATION,
        "PYTHONPATH": str(src),
        "SOURCE_DATE_EPOCH": EPOCH,
    }
    result = subprocess.run(
        [sys.executable, "-m", "unsafe_audit", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_ledger_written_before_units_loads_passes_and_prunes_its_covered_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = before_units(tmp_path)
    repo = released(tmp_path / "ext", LIB)
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a")
    call = site(repo, SiteKind.PG_SYS_CALL, "palloc")
    static = site(repo, SiteKind.PG_SYS_STATIC, "MyDatabaseId")
    # The old tool signs off every site, the call inside the block included.
    for s in (block, call, static):
        out = run_before_units(
            src, "sign-off", s.id, "-C", str(repo.path), "--all-pass", "--pattern", "own",
            "--justification", f"reviewed {s.kind.value} before units", "--no-cache",
        )  # fmt: skip
        assert out.startswith(f"signed off {s.id} ")
    ledger = Ledger.load(repo.path)
    assert {e.schema_version for e in ledger.entries.values()} == {1}
    assert all(e.members is None for e in ledger.entries.values())
    assert "members" not in (repo.path / f".unsafe-audit/ledger/{block.id}.yaml").read_text()

    data = check_json(capsys, repo.path, code=0)
    summary = data["summary"]
    assert (summary["sites"], summary["units"], summary["signed"], summary["covered"]) == (
        3,
        2,
        2,
        1,
    )
    assert [(s["kind"], s["review"], s["blocking"], s["unit"]) for s in data["sites"]] == [
        ("unsafe_block", "signed", False, block.id),
        ("pg_sys_call", "signed", False, block.id),
        ("pg_sys_static", "signed", False, static.id),
    ]
    assert data["orphaned"] == []

    capsys.readouterr()
    assert run("prune", str(repo.path)) == 0
    assert capsys.readouterr().out == ""  # no orphan; covered entries only with --covered
    assert run("prune", str(repo.path), "--covered") == 0
    out = capsys.readouterr().out
    release = ledger.entries[call.id].release
    assert out == (
        f"would delete .unsafe-audit/ledger/{call.id}.yaml (pg_sys_call at src/lib.rs, signed "
        f"off for {release}): covered by review unit {block.id} (unsafe_block at src/lib.rs:5)\n"
    )
    assert run("prune", str(repo.path), "--apply") == 0
    assert len(Ledger.load(repo.path).entries) == 3
    assert run("prune", str(repo.path), "--apply", "--covered") == 0
    assert sorted(Ledger.load(repo.path).entries) == sorted([block.id, static.id])
    assert check_json(capsys, repo.path, code=0)["summary"]["covered"] == 0


def test_a_member_is_signed_off_through_its_unit_which_records_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext", LIB)
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a")
    call = site(repo, SiteKind.PG_SYS_CALL, "palloc")
    message = refusal(repo, call.id[:10])
    assert message == (
        f"site {call.id} (pg_sys_call at src/lib.rs:5) is a pg_sys use inside review unit "
        f"{block.id} (unsafe_block at src/lib.rs:5), whose sign-off covers it: sign off the "
        f"unit instead (unsafe-audit sign-off {block.id} ...)"
    )
    capsys.readouterr()
    assert sign(repo, block.id, pattern="own") == 0
    assert capsys.readouterr().out == (
        f"signed off {block.id} (unsafe_block at src/lib.rs:5, with the 1 pg_sys use in it): "
        f".unsafe-audit/ledger/{block.id}.yaml\n"
    )
    entry = Ledger.load(repo.path).entries[block.id]
    assert (entry.schema_version, entry.members, entry.contracts) == (
        3,
        (MemberUse(SiteKind.PG_SYS_CALL, "palloc", call.token_hash),),
        (),  # no Cargo.toml names a PostgreSQL major
    )
    data = check_json(capsys, repo.path, code=1)  # MyDatabaseId, a unit, is not signed off
    assert [(s["kind"], s["review"], s["blocking"]) for s in data["sites"]] == [
        ("unsafe_block", "signed", False),
        ("pg_sys_call", "signed", False),
        ("pg_sys_static", "missing", True),
    ]
    member = data["sites"][1]
    assert member["reason"].startswith(f"covered by review unit {block.id} (unsafe_block at ")
    assert member["entry"] == block.id


def test_a_unit_goes_stale_when_a_pg_sys_use_in_it_changes_though_its_tokens_do_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", LIB)
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a")
    static = site(repo, SiteKind.PG_SYS_STATIC, "MyDatabaseId")
    assert sign(repo, block.id, pattern="own") == 0
    assert sign(repo, static.id, "--justification", "a plain read", pattern="own") == 0
    repo.commit("sign-offs")
    # `palloc` is now a local fn: the block's tokens are the same, but it calls pg_sys no more.
    repo.write("src/lib.rs", LIB.replace("use pgrx::pg_sys::palloc;\n", "use crate::palloc;\n"))
    data = check_json(capsys, repo.path, "--only-changed", code=1)
    (stale,) = [s for s in data["sites"] if s["review"] == "stale"]
    assert (stale["id"], stale["status"], stale["blocking"]) == (block.id, "unchanged", True)
    assert stale["reason"] == (
        "its pg_sys uses changed since it was signed off for working tree of v0.1.0: "
        "no longer palloc (call)"
    )


def test_check_text_counts_units_and_lists_a_units_pg_sys_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext", LIB)
    capsys.readouterr()
    assert run("check", str(repo.path)) == 1
    out = capsys.readouterr().out
    assert "      pg_sys: palloc (call, line 5)\n" in out
    assert "\n3 sites in 2 review units: 0 signed, 0 failed, 0 stale, 2 missing;" in out
    assert run("check", str(repo.path), "--format", "markdown") == 1
    assert "2 review units (3 sites: a pg_sys use inside an unsafe site is reviewed with it)." in (
        capsys.readouterr().out
    )


HOOK_LIB = (
    "use pgrx::pg_sys;\n"
    "#[pg_guard]\n"
    'pub extern "C-unwind" fn _PG_init() {\n'
    "    let flags = 0;\n"
    "    // SAFETY: _PG_init runs once, before any transaction can call the callback.\n"
    "    unsafe { pg_sys::RegisterXactCallback(Some(on_xact), flags as _) }\n"
    "}\n"
)


def test_an_extern_fn_is_signed_off_on_the_boundary_items_and_gates_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext", HOOK_LIB)
    fn = site(repo, SiteKind.EXTERN_FN, "_PG_init")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "_PG_init")
    before = check_json(capsys, repo.path, code=1)
    # Two units: the fn, and the block with its call.
    assert [(s["kind"], s["line"], s["review"], s["unit"]) for s in before["sites"]] == [
        ("extern_fn", 3, "missing", fn.id),
        ("unsafe_block", 6, "missing", block.id),
        ("pg_sys_call", 6, "missing", block.id),
    ]

    # No memory item applies to the fn alone: its sign-off is asked for no lifetime pattern.
    why = "--justification=#[pg_guard] turns a panic into an ERROR; nothing here can panic."
    assert run("sign-off", fn.id, str(repo.path), "--all-pass", why) == 0
    entry = Ledger.load(repo.path).entries[fn.id]
    assert (entry.kind, entry.lifetime_pattern, entry.members) == (SiteKind.EXTERN_FN, "n/a", ())
    assert [item for item, _ in entry.answers] == [
        "pg-guard",
        "no-use-after-throw",
        "reread-this-release",
    ]
    assert [(s["kind"], s["review"]) for s in check_json(capsys, repo.path, code=1)["sites"]] == [
        ("extern_fn", "signed"),
        ("unsafe_block", "missing"),
        ("pg_sys_call", "missing"),
    ]
    assert sign(repo, block.id) == 0
    assert check_json(capsys, repo.path, code=0)["ok"] is True
