"""Two branches that sign off different sites merge with a real ``git merge``, no conflict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands.test_check import released
from tests.commands.test_sign_off import _isolated, run, sign, site
from unsafe_audit.model import SiteKind

__all__ = ["_isolated"]


def test_branches_signing_different_sites_merge_cleanly_and_check_sees_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    first = site(repo, SiteKind.UNSAFE_BLOCK, "a").id
    second = site(repo, SiteKind.UNSAFE_BLOCK, "c").id

    repo.branch("review-a", checkout=True)
    assert sign(repo, first, "--justification", "palloc never returns NULL") == 0
    repo.commit("sign off a")
    repo.checkout("main")
    repo.branch("review-c", checkout=True)
    assert sign(repo, second, "--justification", "p is freed exactly once") == 0
    repo.commit("sign off c")

    repo.checkout("main")
    repo.git("merge", "--no-edit", "--no-ff", "review-a")
    repo.git("merge", "--no-edit", "--no-ff", "review-c")  # raises on a conflict
    assert repo.git("status", "--porcelain") == ""
    assert sorted(p.name for p in (repo.path / ".unsafe-audit" / "ledger").iterdir()) == sorted(
        [f"{first}.yaml", f"{second}.yaml"]
    )

    capsys.readouterr()
    # The pg_sys call inside each block is covered by the block's sign-off.
    assert run("check", str(repo.path), "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    reviews = {s["id"]: s["review"] for s in data["sites"]}
    assert (reviews[first], reviews[second]) == ("signed", "signed")
    summary = data["summary"]
    assert (summary["sites"], summary["units"], summary["signed"]) == (4, 2, 2)
