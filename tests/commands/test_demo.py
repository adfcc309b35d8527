"""``unsafe-audit demo`` keeps one repository per sample in the cache and resumes there.

The review itself needs a terminal, which the tests do not have: each run stops there with the
usual error (exit 2), after building or reusing the repository and saying how to resume."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from tests.gitrepo import isolate_git_config
from unsafe_audit.cli import main


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    isolate_git_config(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg cache"))
    return tmp_path / "xdg cache" / "unsafe-audit" / "demo" / "pg_cache"


def demo(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[list[str], str]:
    capsys.readouterr()
    assert main(["demo", *args]) == 2  # no terminal for the review
    out, err = capsys.readouterr()
    assert err == (
        "unsafe-audit: error: review is interactive and needs a terminal; use "
        "`unsafe-audit sign-off` in scripts\n"
    )
    return out.splitlines(), err


def resume_lines(repo: Path) -> list[str]:
    where = shlex.quote(str(repo))
    return [
        f"unsafe-audit demo: the repository is kept at {repo}",
        "  unsafe-audit demo    # resume the review",
        f"  cd {where} && unsafe-audit check    # exits 0 once every site is signed off",
    ]


def test_the_first_demo_builds_and_the_next_one_resumes(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines, _ = demo(capsys)
    assert lines == [f"unsafe-audit demo: built sample pg_cache in {cache}", *resume_lines(cache)]
    signed = cache / ".unsafe-audit" / "ledger" / "0123456789abcdef.yaml"
    signed.parent.mkdir(parents=True)
    signed.write_text("kept\n", encoding="utf-8")

    lines, _ = demo(capsys)

    assert lines == [
        f"unsafe-audit demo: resuming sample pg_cache in {cache} (--fresh starts over)",
        *resume_lines(cache),
    ]
    assert signed.read_text(encoding="utf-8") == "kept\n"


def test_a_broken_demo_repository_is_built_again(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo(capsys)
    subprocess.run(
        ["git", "-C", str(cache), "tag", "-d", "v0.2.1"], check=True, capture_output=True
    )

    lines, _ = demo(capsys)

    assert lines[0] == f"unsafe-audit demo: built sample pg_cache in {cache}"
    tags = subprocess.run(
        ["git", "-C", str(cache), "tag"], check=True, capture_output=True, text=True
    ).stdout.split()
    assert tags == ["v0.1.0", "v0.2.0", "v0.2.1", "v0.3.0"]


def test_fresh_starts_over(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo(capsys)
    (cache / "notes.txt").write_text("mine\n", encoding="utf-8")

    lines, _ = demo(capsys, "--fresh")

    assert lines[0] == f"unsafe-audit demo: built sample pg_cache in {cache}"
    assert not (cache / "notes.txt").exists()


def test_keep_builds_elsewhere_and_resumes_there(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mine"
    lines, _ = demo(capsys, "--keep", str(target))
    assert lines[0] == f"unsafe-audit demo: built sample pg_cache in {target}"
    assert lines[2] == f"  unsafe-audit demo --keep {target}    # resume the review"
    assert not cache.exists()

    lines, _ = demo(capsys, "--keep", str(target))
    assert lines[0].startswith(f"unsafe-audit demo: resuming sample pg_cache in {target}")
