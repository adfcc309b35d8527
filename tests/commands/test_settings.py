"""``.unsafe-audit/config.yaml`` as the commands' defaults: ledger, checklists, only_changed and
tag_pattern from the file, each overridden by the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.commands.test_sign_off import LIB, _isolated, make_repo, run, units_of
from tests.gitrepo import GitRepo
from unsafe_audit.cli import build_parser, main
from unsafe_audit.commands.review import request_from
from unsafe_audit.errors import ConfigError, GitError, UsageError

__all__ = ["_isolated"]

CONFIG = ".unsafe-audit/config.yaml"
TEAM = """\
id: acme
version: 3
title: ACME additions
items:
  - id: acme-logged
    section: B
    question: Is every raw pointer this site reads logged at DEBUG5?
    guidance: Pass when it is.
    applies_to: [unsafe_block]
"""


def configure(repo: GitRepo, text: str) -> None:
    repo.write(CONFIG, text)


def check_json(capsys: pytest.CaptureFixture[str], repo: GitRepo, *args: str) -> dict[str, Any]:
    capsys.readouterr()
    run("check", str(repo.path), "--format", "json", *args)
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def released(path: Path) -> GitRepo:
    repo = make_repo(path, LIB)
    repo.commit("next")
    return repo


def sign_everything(repo: GitRepo, *extra: str) -> None:
    for s in units_of(repo):
        code = run(
            "sign-off",
            s.id,
            str(repo.path),
            "--all-pass",
            "--pattern",
            "borrow",
            "--justification",
            "reviewed",
            *extra,
        )
        assert code == 0


def test_the_configured_ledger_is_where_sign_off_writes_and_check_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    configure(repo, "ledger: audit/signed\n")

    sign_everything(repo)

    written = sorted(p.name for p in (repo.path / "audit" / "signed").iterdir())
    assert written == sorted(f"{s.id}.yaml" for s in units_of(repo))
    assert not (repo.path / ".unsafe-audit" / "ledger").exists()
    data = check_json(capsys, repo)
    assert (data["ok"], data["ledger"]) == (True, "audit/signed")
    # The command line wins: the default ledger is empty.
    overridden = check_json(capsys, repo, "--ledger", ".unsafe-audit/ledger")
    assert (overridden["ok"], overridden["summary"]["missing"]) == (False, len(units_of(repo)))


def test_configured_checklists_are_asked_and_a_command_line_checklist_replaces_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    sign_everything(repo)  # under the built-in checklist alone
    repo.write("audit/acme.yaml", TEAM)
    configure(repo, "checklists:\n  - audit/acme.yaml\n")

    capsys.readouterr()
    assert main(["checklist", str(repo.path), "--format", "json"]) == 0
    items = [i["id"] for i in json.loads(capsys.readouterr().out)["items"]]
    assert "acme-logged" in items
    other = repo.path / "audit" / "other.yaml"
    other.write_text(TEAM.replace("acme", "other"), encoding="utf-8")
    assert main(["checklist", str(repo.path), "--format", "json", "--checklist", str(other)]) == 0
    replaced = [i["id"] for i in json.loads(capsys.readouterr().out)["items"]]
    assert ("other-logged" in replaced, "acme-logged" in replaced) == (True, False)

    # Signed off without the team item: the configured gate rejects those entries...
    data = check_json(capsys, repo)
    blocks = [s for s in data["sites"] if s["kind"] == "unsafe_block"]
    assert {s["reason"] for s in blocks} == {"sign-off rejected: lacks item acme-logged"}
    # ...and signed off under the configured checklist, they count.
    sign_everything(repo)
    assert check_json(capsys, repo)["ok"] is True


def test_a_configured_checklist_must_stay_in_the_work_tree(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    outside = tmp_path / "outside.yaml"
    outside.write_text(TEAM, encoding="utf-8")
    (repo.path / "audit").mkdir()
    os.symlink(outside, repo.path / "audit" / "acme.yaml")
    configure(repo, "checklists: [audit/acme.yaml]\n")

    with pytest.raises(ConfigError) as caught:
        run("check", str(repo.path))
    assert str(caught.value) == (
        f"{CONFIG}: checklist 'audit/acme.yaml' leads out of the repository (a symbolic link); "
        "a configured checklist must be a file of the work tree"
    )


def test_only_changed_from_the_configuration_and_its_override(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")  # four unchanged, unsigned sites
    configure(repo, "only_changed: true\n")

    gated = check_json(capsys, repo)
    assert (gated["ok"], gated["only_changed"]) == (True, True)
    everything = check_json(capsys, repo, "--no-only-changed")
    assert (everything["ok"], everything["only_changed"]) == (False, False)
    configure(repo, "only_changed: false\n")
    assert check_json(capsys, repo, "--only-changed")["ok"] is True


def test_the_tag_pattern_chooses_the_base_and_the_command_line_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", LIB, tag="pg_cache-v0.1.0")
    repo.write("src/other.rs", "pub fn o() { unsafe {} }\n")
    repo.commit("other crate's release")
    repo.tag("pg_other-v5.0.0")
    repo.commit("next")
    configure(repo, "tag_pattern: 'pg_cache-v*'\n")

    capsys.readouterr()
    assert run("diff", str(repo.path), "--format", "json") == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["base"]["ref"] == "pg_cache-v0.1.0"
    assert err == (
        "unsafe-audit: comparing working tree with pg_cache-v0.1.0: pg_cache-v0.1.0 is the "
        "highest release tag matching 'pg_cache-v*' (the revision under audit is not tagged; "
        "pre-releases skipped)\n"
    )
    assert check_json(capsys, repo, "--tag-pattern", "pg_other-*")["base"]["ref"] == (
        "pg_other-v5.0.0"
    )


def test_a_tag_pattern_matching_nothing_says_so(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    with pytest.raises(GitError) as caught:
        run("diff", str(repo.path), "--tag-pattern", "pg_cache-v*")
    assert str(caught.value).startswith(
        "no release tag matching 'pg_cache-v*' in the repository, so there is no previous release"
    )


def test_a_bad_tag_pattern_on_the_command_line_is_a_usage_error(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    with pytest.raises(UsageError) as caught:
        run("check", str(repo.path), "--tag-pattern", "")
    assert str(caught.value) == "--tag-pattern '' is empty"


def test_a_configuration_mistake_stops_every_command_that_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    site_id = units_of(repo)[0].id
    configure(repo, "ledger: /etc\n")
    for argv in (
        ["check", str(repo.path)],
        ["diff", str(repo.path)],
        ["prune", str(repo.path)],
        ["checklist", str(repo.path)],
        ["sign-off", site_id, str(repo.path), "--all-pass", "--pattern", "own"],
    ):
        capsys.readouterr()
        assert main(argv) == 2, argv
        assert capsys.readouterr().err.startswith(
            f"unsafe-audit: error: {CONFIG}:1: 'ledger' '/etc' starts with '/'"
        ), argv


def test_review_takes_the_same_defaults_and_the_command_line_still_wins(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    repo.write("audit/acme.yaml", TEAM)
    configure(
        repo,
        "ledger: audit/signed\nchecklists: [audit/acme.yaml]\ntag_pattern: 'v0.*'\n",
    )
    parser = build_parser(only="review")

    request = request_from(parser.parse_args(["review", str(repo.path)]), repo.path)
    assert (request.ledger, list(request.checklists)) == (
        "audit/signed",
        [str(repo.path / "audit" / "acme.yaml")],
    )
    assert request.config is not None and request.config.tag_pattern == "v0.*"

    args = parser.parse_args(
        ["review", str(repo.path), "--ledger", "other", "--tag-pattern", "x-*", "--checklist", "t"]
    )
    request = request_from(args, repo.path)
    assert (request.ledger, list(request.checklists)) == ("other", ["t"])
    assert request.config is not None and request.config.tag_pattern == "x-*"
