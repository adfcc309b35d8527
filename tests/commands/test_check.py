"""``unsafe-audit check`` and ``prune`` on real git repositories: the gate and its outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.commands.test_sign_off import (
    LIB,
    _isolated,
    make_repo,
    run,
    sign,
    sign_all,
    site,
    sites_of,
)
from tests.gitrepo import GitRepo
from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.diff import Delta, SiteDelta, Status
from unsafe_audit.errors import LedgerError, UsageError
from unsafe_audit.ledger.entry import Answer, Entry, Verdict
from unsafe_audit.model import SiteKind
from unsafe_audit.review_state import Review, review_sites

__all__ = ["_isolated"]  # the autouse fixture: isolated git config, cache and clock


def released(path: Path, lib: str = LIB) -> GitRepo:
    """A repository whose HEAD is one commit past release v0.1.0, so head is diffed with it."""
    repo = make_repo(path, lib)
    repo.commit("start of the next release")
    return repo


def check_json(
    capsys: pytest.CaptureFixture[str], path: Path, *args: str, code: int | None = None
) -> dict[str, Any]:
    capsys.readouterr()
    result = run("check", str(path), "--format", "json", *args)
    if code is not None:
        assert result == code
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def rows(data: dict[str, Any]) -> list[tuple[str, str, int, str, str, bool]]:
    return [
        (s["kind"], s["path"], s["line"], s["status"], s["review"], s["blocking"])
        for s in data["sites"]
    ]


def test_unsigned_sites_fail_and_signed_ones_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    data = check_json(capsys, repo.path, code=1)
    assert data["ok"] is False
    assert data["summary"] == {
        "sites": 4,
        "signed": 0,
        "failed": 0,
        "stale": 0,
        "missing": 4,
        "blocking": 4,
        "exempt": 0,
        "orphaned": 0,
    }
    assert rows(data) == [
        ("unsafe_block", "src/lib.rs", 4, "unchanged", "missing", True),
        ("pg_sys_call", "src/lib.rs", 4, "unchanged", "missing", True),
        ("unsafe_block", "src/lib.rs", 7, "unchanged", "missing", True),
        ("pg_sys_call", "src/lib.rs", 7, "unchanged", "missing", True),
    ]
    sign_all(repo)
    data = check_json(capsys, repo.path, code=0)
    assert data["ok"] is True
    assert [s["review"] for s in data["sites"]] == ["signed"] * 4


def test_moved_site_keeps_its_sign_off_changed_one_goes_stale_removed_one_is_orphaned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d_fn = "pub fn d() -> u32 { unsafe { pg_sys::GetCurrentTransactionId().into() } }\n"
    repo = make_repo(tmp_path / "ext", LIB + d_fn)
    sign_all(repo)
    repo.commit("sign-offs")
    repo.tag("v0.2.0")
    head, tail = LIB.split("pub fn c")
    repo.write("src/lib.rs", head.replace("palloc(8)", "palloc(16)"))
    repo.write("src/free.rs", "use pgrx::pg_sys;\npub fn c" + tail)
    data = check_json(capsys, repo.path, code=1)
    assert rows(data) == [
        ("unsafe_block", "src/lib.rs", 4, "changed", "stale", True),
        ("pg_sys_call", "src/lib.rs", 4, "changed", "stale", True),
        ("unsafe_block", "src/free.rs", 3, "moved", "signed", False),
        ("pg_sys_call", "src/free.rs", 3, "moved", "signed", False),
    ]
    assert data["summary"]["orphaned"] == 2  # fn d's block and its GetCurrentTransactionId call
    stale = data["sites"][0]
    assert stale["reason"] == "the code changed since it was signed off for working tree of v0.1.0"


def test_sign_off_of_an_extern_block_goes_stale_when_it_moves_to_c_unwind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", 'extern "C" {\n    fn pg_re_throw();\n}\n')
    sign_all(repo)
    repo.commit("sign-offs")
    repo.tag("v0.2.0")
    repo.write("src/lib.rs", 'unsafe extern "C-unwind" {\n    fn pg_re_throw();\n}\n')
    data = check_json(capsys, repo.path, code=1)
    assert rows(data) == [("unsafe_extern_block", "src/lib.rs", 1, "changed", "stale", True)]
    assert data["summary"]["orphaned"] == 0


def test_only_changed_gates_new_changed_and_stale_sites_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    repo.write(
        "src/lib.rs", LIB + "pub fn e() { unsafe { pg_sys::pfree(std::ptr::null_mut()) } }\n"
    )
    data = check_json(capsys, repo.path, "--only-changed", code=1)
    assert [(s["status"], s["blocking"]) for s in data["sites"]] == [
        ("new", True),
        ("new", True),
        ("unchanged", False),
        ("unchanged", False),
        ("unchanged", False),
        ("unchanged", False),
    ]
    for s in data["sites"][:2]:
        assert sign(repo, s["id"], "--justification", "null is fine for pfree here? no: ok") == 0
    assert check_json(capsys, repo.path, "--only-changed", code=0)["ok"] is True
    assert check_json(capsys, repo.path, code=1)["summary"]["blocking"] == 4


def test_a_fail_answer_is_listed_but_does_not_fail_the_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    sign_all(repo)
    block = site(repo, SiteKind.UNSAFE_BLOCK, "c").id
    assert (
        sign(
            repo,
            block,
            "--answer",
            "null-check=fail:callers may pass NULL",
            "--justification",
            "pfree(NULL) is caught by an assert in debug builds",
        )
        == 0
    )
    data = check_json(capsys, repo.path, code=0)
    failed = [s for s in data["sites"] if s["review"] == "failed"]
    assert [(s["id"], s["failed_items"], s["blocking"]) for s in failed] == [
        (block, ["null-check"], False)
    ]
    capsys.readouterr()
    assert run("check", str(repo.path), "--format", "markdown") == 0
    markdown = capsys.readouterr().out
    assert "### Shipped with a fail answer (1)" in markdown
    assert markdown.startswith("## unsafe-audit check ✅\n")


def test_first_release_every_site_is_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", tag=None)
    data = check_json(capsys, repo.path, code=1)
    assert data["base"]["ref"] is None
    assert {s["status"] for s in data["sites"]} == {"new"}


def test_head_revision_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = released(tmp_path / "ext")
    sign_all(repo)
    repo.commit("sign-offs")
    repo.write(
        "src/lib.rs", LIB + "pub fn e() { unsafe { pg_sys::pfree(std::ptr::null_mut()) } }\n"
    )
    assert check_json(capsys, repo.path, "--head", "HEAD", code=0)["head"]["ref"] == "HEAD"


# -- errors ----------------------------------------------------------------------------------------


def test_invalid_ledger_yaml_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    ledger = repo.path / ".unsafe-audit" / "ledger"
    ledger.mkdir(parents=True)
    (ledger / "0123456789abcdef.yaml").write_text("schema_version: 1\nsite: [unclosed\n")
    with pytest.raises(LedgerError) as e:
        run("check", str(repo.path))
    assert str(e.value).startswith(".unsafe-audit/ledger/0123456789abcdef.yaml:3: invalid YAML")


def test_require_signatures_needs_allowed_signers(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    with pytest.raises(UsageError) as e:
        run("check", str(repo.path), "--require-signatures")
    assert str(e.value) == "--require-signatures needs --allowed-signers FILE"
    with pytest.raises(UsageError) as e:
        run("check", str(repo.path), "--require-signatures", "--allowed-signers", "nope")
    assert str(e.value) == "--allowed-signers nope: no such file"


def test_ledger_dir_outside_the_repo_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    with pytest.raises(LedgerError) as e:
        run("check", str(repo.path), "--ledger", "/etc")
    assert str(e.value).startswith("ledger directory '/etc' resolves to /etc, which is not inside")


# -- prune -----------------------------------------------------------------------------------------


def test_prune_lists_then_deletes_entries_of_removed_sites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    sign_all(repo)
    c_block = site(repo, SiteKind.UNSAFE_BLOCK, "c").id
    c_call = site(repo, SiteKind.PG_SYS_CALL, "pfree").id
    repo.write("src/lib.rs", LIB.split("pub fn c")[0])
    capsys.readouterr()
    assert run("prune", str(repo.path)) == 0
    out = capsys.readouterr().out
    ledger = repo.path / ".unsafe-audit" / "ledger"
    assert out == "".join(
        f"would delete .unsafe-audit/ledger/{sid}.yaml ({kind} in c at src/lib.rs, signed off "
        "for working tree of v0.1.0-1-gdd101df)\n"
        for sid, kind in sorted([(c_block, "unsafe_block"), (c_call, "pg_sys_call")])
    )
    assert (ledger / f"{c_block}.yaml").exists()
    assert run("prune", str(repo.path), "--apply") == 0
    assert sorted(p.stem for p in ledger.iterdir()) == sorted(s.id for s in sites_of(repo))
    assert check_json(capsys, repo.path, code=0)["summary"]["orphaned"] == 0


# -- review state, pure ----------------------------------------------------------------------------


def test_entry_for_other_code_under_the_same_id_is_stale(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    head = site(repo, SiteKind.UNSAFE_BLOCK, "a")
    entry = Entry(
        site=head.id,
        kind=head.kind,
        path=head.path,
        item=head.item,
        token_hash="0" * 16,
        release="v0.0.1",
        checklist="pgrx-ffi@1",
        tool="unsafe-audit 0.1.0",
        reviewer="Ada <ada@example.com>",
        reviewed_at="2026-01-01T00:00:00Z",
        lifetime_pattern="own",
        answers=(("ctx-owner", Answer(Verdict.PASS)),),
        justification="old",
    )
    state = review_sites(
        Delta((SiteDelta(Status.UNCHANGED, head, head),)), {head.id: entry}, default_checklist()
    )
    (review,) = state.sites
    assert (review.review, review.blocking, review.offered_justification) == (
        Review.STALE,
        True,
        "old",
    )
    assert review.reason == "the code differs from what was signed off for v0.0.1"


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_require_signatures_counts_only_verified_sign_offs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    kind, public = (tmp_path / "id_ed25519.pub").read_text().split()[:2]
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"ada@example.com {kind} {public}\n")
    ids = [s.id for s in sites_of(repo)]
    for sid in ids[:3]:
        assert sign(repo, sid, "--justification", "ok", "--sign-with", str(key)) == 0
    assert sign(repo, ids[3], "--justification", "ok") == 0
    args = ("--require-signatures", "--allowed-signers", str(signers))
    data = check_json(capsys, repo.path, *args, code=1)
    reviews = {s["id"]: (s["review"], s["reason"]) for s in data["sites"]}
    assert [reviews[sid][0] for sid in ids] == ["signed", "signed", "signed", "missing"]
    assert reviews[ids[3]][1] == "sign-off rejected: not signed"
    assert check_json(capsys, repo.path, code=0)["ok"] is True
