"""File names a pull request commits: bytes that are not UTF-8, newlines, control characters.

``check``, ``diff`` and ``review`` crashed with a traceback (exit 1) on a committed file whose
name is not UTF-8. Each case commits hostile names to a real repository, runs the real command
in a process whose output is decoded as strict UTF-8 (as on a CI runner), and asserts the exit
code, that nothing crashed, that every output shows the name as a visible escape (a terminal
line, a Markdown code span, a percent-encoded SARIF uri, a JSON escape), and that nothing in
the work tree changed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo
from tests.hostile.cli_run import Ran, run_cli
from tests.hostile.harness import TRACEBACK, Tree, untouched
from unsafe_audit.review_loader import ReviewRequest, load_review

LATIN1 = b"src/caf\xe9.rs"
"""A name in Latin-1, not UTF-8: Python sees ``caf\\udce9``."""
UNSAFE = b"pub fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n"


def _commit(repo: GitRepo, name: bytes, content: bytes) -> None:
    path = os.path.join(os.fsencode(repo.path), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(content)
    repo.commit(f"add {name!r}")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """A release v0.1.0 with a plain library, then a head that adds ``src/café.rs`` (Latin-1)."""
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", "pub fn g() {}\n")
    repo.commit("release")
    repo.tag("v0.1.0")
    _commit(repo, LATIN1, UNSAFE)
    return repo


def run(repo: GitRepo, *args: str) -> Ran:
    tree = Tree(repo.path)
    ran = run_cli(repo.path, repo.path.parent / "cache", *args)
    untouched(tree)
    assert TRACEBACK not in ran.err
    return ran


@pytest.mark.parametrize("head", [[], ["--head", "HEAD"]], ids=["work-tree", "head"])
def test_check_text_shows_a_name_that_is_not_utf8_as_an_escape(
    repo: GitRepo, head: list[str]
) -> None:
    ran = run(repo, "check", ".", *head)

    assert ran.code == 1
    assert "  missing new       unsafe_block        src/caf\\udce9.rs:2  caf\\udce9::f\n" in ran.out


def test_check_json_markdown_and_sarif_escape_a_name_that_is_not_utf8(repo: GitRepo) -> None:
    as_json = run(repo, "check", ".", "--format", "json")
    markdown = run(repo, "check", ".", "--format", "markdown")
    sarif = run(repo, "check", ".", "--format", "sarif")

    assert (as_json.code, markdown.code, sarif.code) == (1, 1, 1)
    assert '"path": "src/caf\\udce9.rs"' in as_json.out
    assert json.loads(as_json.out)["sites"][0]["path"] == "src/caf\udce9.rs"
    assert "| `src/caf\\udce9.rs#L2` |" in markdown.out
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(sarif.out)["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert uris == {"src/caf%E9.rs"}


def test_a_warm_check_reads_the_stat_index_of_a_name_that_is_not_utf8(repo: GitRepo) -> None:
    first = run(repo, "check", ".")
    second = run(repo, "check", ".")

    assert (first.code, second.code) == (1, 1)
    assert first.out == second.out


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_diff_shows_a_name_that_is_not_utf8_in_every_format(repo: GitRepo, fmt: str) -> None:
    ran = run(repo, "diff", ".", "--format", fmt)

    assert ran.code == 0
    expected = {
        "table": "  unsafe_block        src/caf\\udce9.rs:2",
        "json": '"path": "src/caf\\udce9.rs", "line": 2',
        "markdown": "#### new: `unsafe_block` in `caf\\udce9::f` — `src/caf\\udce9.rs#L2`",
    }[fmt]
    assert expected in ran.out


def test_scan_of_the_work_tree_and_of_a_revision_shows_the_name_escaped(repo: GitRepo) -> None:
    work_tree = run(repo, "scan", ".")
    at_rev = run(repo, "scan", ".", "--rev", "HEAD")

    assert (work_tree.code, at_rev.code) == (0, 0)
    for ran in (work_tree, at_rev):
        assert "unsafe_block        src/caf\\udce9.rs:2" in ran.out


def test_the_review_loads_with_a_name_that_is_not_utf8(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(repo.path.parent / "cache"))
    loaded = load_review(ReviewRequest(path=repo.path, use_cache=True))
    try:
        assert [i.site.path for i in loaded.session.items] == ["src/caf\udce9.rs"]
    finally:
        loaded.close()


def test_a_file_whose_name_and_content_are_not_utf8_is_listed_escaped_and_blocks(
    repo: GitRepo,
) -> None:
    _commit(repo, b"src/\xff\x1b[2J.rs", b"pub fn f() { unsafe { 1 } } // \xe9\n")

    text = run(repo, "check", ".")
    markdown = run(repo, "check", ".", "--format", "markdown")

    assert (text.code, markdown.code) == (1, 1)
    assert "  blocks not_utf8   src/\\udcff\\x1b[2J.rs:1\n" in text.out
    assert "| `not_utf8` | `src/\\udcff\\x1b[2J.rs#L1` | not valid UTF-8 (byte 31)" in markdown.out


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (b"src/a\nb.rs", "src/a\\nb.rs"),
        (b"src/\x1b]0;owned\x07.rs", "src/\\x1b]0;owned\\x07.rs"),
        (b"src/\xe2\x80\xaeevil.rs", "src/\\u202eevil.rs"),
    ],
    ids=["newline", "osc", "bidi"],
)
def test_newlines_and_control_bytes_in_names_show_as_escapes(
    repo: GitRepo, name: bytes, shown: str
) -> None:
    _commit(repo, name, UNSAFE)

    text = run(repo, "check", ".")
    scan = run(repo, "scan", ".")

    assert (text.code, scan.code) == (1, 0)
    assert f"{shown}:2" in text.out
    assert f"{shown}:2" in scan.out
    for out in (text.out, scan.out):
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
