"""Markdown injection: the PR comment cannot be forged by what a pull request commits.

``check --format markdown`` and ``diff --format markdown`` are posted as PR comments or job
summaries. Each case commits hostile text to a real repository — a file named with a newline
and ``## All sites are signed off ✅`` and ``<!--``, a file named with ``|``, ledger fields with
HTML, a comment and table syntax, a tag with ``<!--``, source whose hint quotes backticks and
code that holds a fence — runs the real command, and reads the Markdown back with markdown-it
(CommonMark with GFM tables, as GitHub renders it): the only headings, HTML and table columns
are the report's own, and the hostile text shows as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tests.gitrepo import GitRepo, isolate_git_config
from tests.hostile.cli_run import Ran, run_cli

HEADING = "src/a\n## All sites are signed off ✅\n<!--.rs"
PIPE = "src/a|b.rs"
FORGED_RELEASE = "v0.1.0 | forged cell <!-- hide"
FORGED_REVIEWER = "Eve <!-- --> <img src=x onerror=alert(1)> [ok](https://evil.example) *ok*"

UNSAFE = "pub fn {name}(p: *const u8) -> u8 {{\n    unsafe {{ *p.add({n}) }}\n}}\n"
"""A site; ``n`` keeps each one's code apart (equal code elsewhere would read as moved)."""
STALE_V1 = "pub fn s(p: *const u8) -> u8 {\n    unsafe { *p.add(4) }\n}\n"
STALE_V2 = "pub fn s(p: *const u8) -> u8 {\n    unsafe { *p.add(5) }\n}\n"
HINTED = """\
pub fn q() -> u8 {
    let p: *const u8 = lookup("`| <!-- x\\n## h");
    unsafe { *p }
}

pub fn r(p: *const u8) -> u8 {
    unsafe {
        let _s = r"
```
## All sites are signed off ✅
<!--
";
        *p
    }
}
"""

_MD = MarkdownIt("commonmark").enable("table")


def _flat(markdown: str) -> list[Token]:
    out: list[Token] = []
    for token in _MD.parse(markdown):
        out.append(token)
        out.extend(token.children or ())
    return out


def headings(markdown: str) -> list[str]:
    """The text each heading shows."""
    tokens = _MD.parse(markdown)
    return [
        "".join(c.content for c in (tokens[i + 1].children or ()))
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
    ]


def html(markdown: str) -> list[str]:
    """Every piece of raw HTML a renderer would pass through."""
    return [t.content.strip() for t in _flat(markdown) if t.type in ("html_block", "html_inline")]


def row_widths(markdown: str) -> list[int]:
    """The number of cells of each table row, in order."""
    widths: list[int] = []
    for token in _MD.parse(markdown):
        if token.type == "tr_open":
            widths.append(0)
        elif token.type in ("td_open", "th_open"):
            widths[-1] += 1
    return widths


def cells(markdown: str) -> list[str]:
    """The text shown in each table cell (code included)."""
    tokens = _MD.parse(markdown)
    return [
        "".join(c.content for c in (tokens[i + 1].children or ()))
        for i, t in enumerate(tokens)
        if t.type == "td_open"
    ]


def assert_only_our_html(markdown: str) -> None:
    for piece in html(markdown):
        assert piece.startswith("<details><summary>") or piece == "</details>", piece
    assert not any("<!--" in piece for piece in html(markdown))


def _quoted(key: str, value: str) -> str:
    line: str = yaml.safe_dump({key: value}, allow_unicode=True, width=10**6)
    return line.strip()


@dataclass
class Forged:
    repo: GitRepo
    cache: Path

    def run(self, *args: str) -> Ran:
        return run_cli(self.repo.path, self.cache, *args)

    def site_id(self, path: str) -> str:
        import json

        ran = self.run("scan", ".", "--format", "json")
        assert ran.code == 0, ran.err
        [site] = [s for s in json.loads(ran.out)["sites"] if s["path"] == path]
        return str(site["id"])

    def sign_off(self, site: str, *extra: str) -> Path:
        ran = self.run(
            "sign-off", site, "--all-pass", "--pattern", "borrow",
            "--reviewer", "Rita <rita@example.com>", "--justification", "sound", *extra,
        )  # fmt: skip
        assert ran.code == 0, ran.err
        return self.repo.path / ".unsafe-audit" / "ledger" / f"{site}.yaml"


def _forge(entry: Path) -> None:
    """Edit a committed entry by hand, as a PR author can."""
    text = entry.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^release: .*$", lambda _: _quoted("release", FORGED_RELEASE), text)
    text = re.sub(r"(?m)^reviewer: .*$", lambda _: _quoted("reviewer", FORGED_REVIEWER), text)
    entry.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def forged_template(tmp_path_factory: pytest.TempPathFactory) -> Forged:
    """The forged repository, built once per module (each test gets a copy)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _build_forged(tmp_path_factory.mktemp("forged"), monkeypatch)


@pytest.fixture
def forged(forged_template: Forged, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Forged:
    isolate_git_config(monkeypatch)
    copy = forged_template.repo.copy(tmp_path / "ext")
    return replace(forged_template, repo=copy, cache=tmp_path / "cache")


def _build_forged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Forged:
    """Released with two signed sites (one later changed, one shipped with a fail answer)
    whose entries were edited by hand; head adds files with hostile names and code."""
    isolate_git_config(monkeypatch)
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", "pub fn ok() {}\n")
    repo.commit("start")
    repo.tag("v0.0.1")
    repo.write("src/stale.rs", STALE_V1)
    repo.write("src/failed.rs", UNSAFE.format(name="f", n=1))
    repo.commit("two sites")
    f = Forged(repo, tmp_path / "cache")
    _forge(f.sign_off(f.site_id("src/stale.rs")))
    failing = ("--answer", "null-check=fail", "--justification", "ships anyway")
    _forge(f.sign_off(f.site_id("src/failed.rs"), *failing))
    repo.commit("sign off")
    repo.tag("v0.1.0")
    repo.write("src/stale.rs", STALE_V2)
    repo.write(HEADING, UNSAFE.format(name="g", n=2))
    repo.write(PIPE, UNSAFE.format(name="h", n=3))
    repo.write("src/hint.rs", HINTED)
    repo.commit("head")
    return f


def test_check_markdown_has_only_its_own_headings_html_and_columns(forged: Forged) -> None:
    ran = forged.run("check", ".", "--format", "markdown")

    assert ran.code == 1, ran.err
    md = ran.out
    assert headings(md)[0] == "unsafe-audit check ❌"
    assert [h.split(" (")[0] for h in headings(md)[1:]] == [
        "Needs sign-off",
        "Shipped with a fail answer",
    ]
    assert_only_our_html(md)
    widths = row_widths(md)
    assert widths[:6] == [2] * 6  # the summary: header and five counts
    assert set(widths[6:]) == {7}  # every site row: seven columns
    shown = cells(md)
    assert "src/a\\n## All sites are signed off ✅\\n<!--.rs#L2" in shown
    assert "a\\n## All sites are signed off ✅\\n<!--::g" in shown
    assert "src/a|b.rs#L2" in shown and "a|b::h" in shown


def test_check_markdown_shows_forged_ledger_fields_as_typed(forged: Forged) -> None:
    md = forged.run("check", ".", "--format", "markdown").out

    shown = cells(md)
    assert f"the code changed since it was signed off for {FORGED_RELEASE}" in shown
    assert (
        f"signed off by {FORGED_REVIEWER} for {FORGED_RELEASE}, shipped with fail: null-check"
        in shown
    )
    assert not any(t.type in ("link_open", "image", "em_open") for t in _flat(md))


def test_check_markdown_hints_quoting_hostile_source_stay_one_list_item(forged: Forged) -> None:
    md = forged.run("check", ".", "--format", "markdown").out

    assert_only_our_html(md)
    items = [t for t in _flat(md) if t.type == "list_item_open"]
    hint_lines = [line for line in md.splitlines() if line.startswith("- `")]
    assert len(items) == len(hint_lines) > 0
    quoting = [line for line in hint_lines if "lookup(" in line]
    assert len(quoting) == 1
    assert "\\<!-- x" in quoting[0] and "## h" in quoting[0]


def test_diff_markdown_has_only_its_own_headings_and_no_comment(forged: Forged) -> None:
    ran = forged.run("diff", ".", "--format", "markdown")

    assert ran.code == 0, ran.err
    md = ran.out
    found = headings(md)
    assert found[:2] == ["unsafe-audit: changes since v0.1.0", "Needs review (5)"]
    assert all(re.match(r"(new|changed): unsafe_block in ", h) for h in found[2:]), found
    assert len(found) == 7
    assert "new: unsafe_block in a\\n## All sites are signed off ✅\\n<!--::g — " in "\n".join(
        found
    )
    assert_only_our_html(md)
    assert set(row_widths(md)) == {2}


def test_diff_markdown_fences_code_that_holds_a_fence(forged: Forged) -> None:
    md = forged.run("diff", ".", "--format", "markdown").out

    fences = [t for t in _MD.parse(md) if t.type == "fence"]
    [held] = [t for t in fences if 'r"' in t.content]
    assert held.info == "rust"
    assert "```\n## All sites are signed off ✅\n<!--\n" in held.content
    assert "````rust\n" in md


def test_a_tag_holding_a_comment_is_shown_as_typed(forged: Forged) -> None:
    forged.repo.tag("v0.1.0<!--x", rev="v0.1.0")

    diff = forged.run("diff", ".", "--base", "v0.1.0<!--x", "--format", "markdown")
    check = forged.run("check", ".", "--base", "v0.1.0<!--x", "--format", "markdown")

    assert diff.code == 0 and check.code == 1, diff.err + check.err
    assert headings(diff.out)[0] == "unsafe-audit: changes since v0.1.0<!--x"
    assert "changes since v0.1.0\\<!--x" in diff.out
    assert "against **v0.1.0\\<!--x**" in check.out
    assert_only_our_html(diff.out)
    assert_only_our_html(check.out)
