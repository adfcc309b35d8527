"""``unsafe-audit adopt`` and the exemptions it writes, on real git repositories: ``check``
passes exempt sites while they are unchanged, new and changed code still blocks, ``prune``
drops what is no longer needed, ``review --exempt`` works through them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.commands.test_check import released
from tests.commands.test_sign_off import LIB, _isolated, sign, site, sites_of
from tests.gitrepo import GitRepo
from tests.report.test_check_renderers import schema_errors
from unsafe_audit.cli import main
from unsafe_audit.exemptions.yaml_io import HEADER
from unsafe_audit.model import SiteKind
from unsafe_audit.review_loader import ReviewRequest, load_review

__all__ = ["_isolated"]  # the autouse fixture: isolated git config, cache and clock
EXEMPTIONS = ".unsafe-audit/exemptions.yaml"
NEW_FN = "pub fn e() { unsafe { pg_sys::pfree(std::ptr::null_mut()) } }\n"
C_CHANGED = LIB.replace("unsafe { pg_sys::pfree", "unsafe { let _ = 1; pg_sys::pfree")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*args, "--no-cache"])
    out = capsys.readouterr()
    return code, out.out, out.err


def check(capsys: pytest.CaptureFixture[str], repo: GitRepo, *args: str) -> dict[str, Any]:
    code, out, err = cli(capsys, "check", str(repo.path), "--format", "json", *args)
    data: dict[str, Any] = json.loads(out)
    assert code == (0 if data["ok"] else 1), err
    return data


def lines_of(repo: GitRepo, path: str = EXEMPTIONS) -> list[str]:
    text = (repo.path / path).read_text()
    assert text.startswith(HEADER + "schema_version: 1\n")
    return [line for line in text.splitlines() if line.startswith("- ")]


def adopted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> GitRepo:
    """pg_sys fns a and c released as v0.1.0, a's block signed off, the rest adopted."""
    repo = released(tmp_path / "ext")
    assert sign(repo, site(repo, SiteKind.UNSAFE_BLOCK, "a").id, "--justification", "ok") == 0
    code, out, _ = cli(capsys, "adopt", str(repo.path), "--rev", "v0.1.0")
    assert code == 0
    assert out.splitlines()[:2] == [
        f"exempted 3 sites at v0.1.0 in {EXEMPTIONS} (2 pg_sys_call, 1 unsafe_block)",
        "0 were exempt already, 1 have a sign-off; 3 exemptions in all",
    ]
    return repo


def test_adopt_writes_one_sorted_line_per_unsigned_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = adopted(tmp_path, capsys)
    unsigned = sorted(
        (s for s in sites_of(repo) if (s.kind, s.item) != (SiteKind.UNSAFE_BLOCK, "a")),
        key=lambda s: s.id,
    )
    assert lines_of(repo) == [
        f"- {{site: {s.id}, kind: {s.kind.value}, path: src/lib.rs, release: v0.1.0}}"
        for s in unsigned
    ]


def test_check_passes_exempt_sites_and_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = adopted(tmp_path, capsys)
    data = check(capsys, repo)
    assert data["ok"] is True
    assert data["summary"] == {
        "sites": 4,
        "signed": 1,
        "failed": 0,
        "stale": 0,
        "missing": 3,
        "blocking": 0,
        "exempt": 3,
        "orphaned": 0,
    }
    assert [(s["review"], s["exempt"]) for s in data["sites"]] == [
        ("signed", False),
        ("missing", True),
        ("missing", True),
        ("missing", True),
    ]
    assert data["exemptions"] == {"file": EXEMPTIONS, "unneeded": []}
    _, text, _ = cli(capsys, "check", str(repo.path))
    assert "NOT SIGNED OFF" not in text
    assert (
        f"4 sites: 1 signed, 0 failed, 0 stale, 3 missing; 3 exempt since adoption ({EXEMPTIONS})"
        "; 0 orphaned entries\nOK: every site that needs a sign-off has one\n"
    ) in text
    _, markdown, _ = cli(capsys, "check", str(repo.path), "--format", "markdown")
    assert "| exempt since adoption (among the missing and stale; not blocking) | 3 |\n" in markdown
    assert "| missing |" in markdown and "| missing | unchanged |" not in markdown
    _, sarif, _ = cli(capsys, "check", str(repo.path), "--format", "sarif")
    log = json.loads(sarif)
    assert [r["properties"]["review"] for r in log["runs"][0]["results"]] == ["signed"]
    assert log["runs"][0]["properties"]["summary"]["exempt"] == 3
    assert schema_errors(log) == []


def test_changed_and_new_code_needs_a_review_even_when_exempt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = adopted(tmp_path, capsys)
    old_c_block = site(repo, SiteKind.UNSAFE_BLOCK, "c").id
    repo.write("src/lib.rs", C_CHANGED + NEW_FN)
    data = check(capsys, repo)
    found = [(s["item"], s["kind"], s["status"], s["blocking"], s["exempt"]) for s in data["sites"]]
    assert found == [
        ("e", "unsafe_block", "new", True, False),
        ("e", "pg_sys_call", "new", True, False),
        ("c", "unsafe_block", "changed", True, False),
        ("a", "unsafe_block", "unchanged", False, False),
        ("a", "pg_sys_call", "unchanged", False, True),
        ("c", "pg_sys_call", "unchanged", False, True),
    ]
    assert data["exemptions"]["unneeded"] == [old_c_block]


def test_a_pull_request_cannot_exempt_the_code_it_adds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = adopted(tmp_path, capsys)
    repo.write("src/lib.rs", LIB + NEW_FN)
    new = [s for s in sites_of(repo) if s.item == "e"]
    with (repo.path / EXEMPTIONS).open("a") as f:
        for s in new:
            f.write(f"- {{site: {s.id}, kind: {s.kind.value}, path: src/lib.rs, release: v1}}\n")
    data = check(capsys, repo)
    assert [(s["item"], s["blocking"], s["exempt"]) for s in data["sites"][:2]] == [
        ("e", True, False),
        ("e", True, False),
    ]
    assert data["summary"]["exempt"] == 3


def test_prune_drops_exemptions_of_signed_and_changed_sites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = adopted(tmp_path, capsys)
    old_c_block = site(repo, SiteKind.UNSAFE_BLOCK, "c").id
    a_call = site(repo, SiteKind.PG_SYS_CALL, "palloc").id
    c_call = site(repo, SiteKind.PG_SYS_CALL, "pfree").id
    assert sign(repo, a_call, "--justification", "palloc never returns NULL") == 0
    repo.write("src/lib.rs", C_CHANGED)
    assert check(capsys, repo)["exemptions"]["unneeded"] == sorted([a_call, old_c_block])
    code, out, err = cli(capsys, "prune", str(repo.path))
    assert code == 0
    assert out.splitlines() == [
        f"would drop exemption {sid} ({kind} at src/lib.rs, exempt since v0.1.0): {why}"
        for sid, kind, why in sorted(
            [(a_call, "pg_sys_call", "signed off"), (old_c_block, "unsafe_block", "gone")]
        )
    ]
    assert err.endswith(
        f"2 exemptions in {EXEMPTIONS} no longer needed; run with --apply to drop them\n"
    )
    assert len(lines_of(repo)) == 3
    code, out, err = cli(capsys, "prune", str(repo.path), "--apply")
    assert code == 0 and out.startswith("dropped exemption ")
    assert lines_of(repo) == [
        f"- {{site: {c_call}, kind: pg_sys_call, path: src/lib.rs, release: v0.1.0}}"
    ]
    assert err.endswith(f"1 exemptions left in {EXEMPTIONS}\n")


def test_adopting_again_adds_only_new_sites_and_keeps_old_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = adopted(tmp_path, capsys)
    before = lines_of(repo)
    repo.write("src/lib.rs", LIB + NEW_FN)
    repo.commit("e")
    repo.tag("v0.2.0")
    code, out, _ = cli(capsys, "adopt", str(repo.path), "--dry-run")
    assert code == 0
    assert out.startswith(f"would exempt 2 sites at working tree of v0.2.0 in {EXEMPTIONS}")
    assert lines_of(repo) == before
    code, out, _ = cli(capsys, "adopt", str(repo.path), "--rev", "v0.2.0")
    assert out.splitlines()[1] == "3 were exempt already, 1 have a sign-off; 5 exemptions in all"
    after = lines_of(repo)
    assert set(before) < set(after) and after == sorted(after)
    assert sum("release: v0.2.0" in line for line in after) == 2


def test_the_configuration_and_the_option_name_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    repo.write(".unsafe-audit/config.yaml", "exemptions: audit/baseline.yaml\n")
    assert cli(capsys, "adopt", str(repo.path))[0] == 0
    assert len(lines_of(repo, "audit/baseline.yaml")) == 4
    assert not (repo.path / EXEMPTIONS).exists()
    assert check(capsys, repo)["summary"]["exempt"] == 4
    data = check(capsys, repo, "--exemptions", "other.yaml")
    assert data["summary"]["blocking"] == 4 and "exemptions" not in data
    _, _, err = cli(capsys, "check", str(repo.path), "--exemptions", "other.yaml")
    assert err.startswith("unsafe-audit: no exemptions file other.yaml: no site is exempt\n")


def test_a_broken_exemptions_file_is_an_error_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = adopted(tmp_path, capsys)
    path = repo.path / EXEMPTIONS
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines[:-1], "<<<<<<< ours\n", lines[-1], ">>>>>>> theirs\n"]))
    code, out, err = cli(capsys, "check", str(repo.path))
    assert (code, out) == (2, "")
    assert err.startswith(f"unsafe-audit: error: {EXEMPTIONS}:{len(lines)}: merge-conflict")
    repo.write(".unsafe-audit/config.yaml", "exemptions: ../elsewhere.yaml\n")
    code, _, err = cli(capsys, "adopt", str(repo.path))
    assert code == 2
    assert err == (
        "unsafe-audit: error: .unsafe-audit/config.yaml:1: 'exemptions' '../elsewhere.yaml' "
        "has an empty, '.' or '..' segment\n"
    )


def test_review_leaves_exempt_sites_out_and_exempt_reviews_only_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = adopted(tmp_path, capsys)
    repo.write("src/lib.rs", LIB + NEW_FN)
    exempt_ids = {s.id for s in sites_of(repo) if s.item == "c" or s.kind is SiteKind.PG_SYS_CALL}
    exempt_ids -= {s.id for s in sites_of(repo) if s.item == "e"}
    for only_exempt, expected in ((False, {"a", "e"}), (True, {"a", "c"})):
        loaded = load_review(ReviewRequest(path=repo.path, exempt=only_exempt, use_cache=False))
        try:
            items = loaded.session.items
            assert {i.site.item for i in items} == expected
            if only_exempt:
                assert {i.id for i in items} == exempt_ids
            assert any("exempt" in n for n in loaded.notices)
        finally:
            loaded.close()
