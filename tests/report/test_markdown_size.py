"""PR-sized Markdown: ``check`` and ``diff --format markdown`` stay under 60,000 characters
whatever the repository (summary first, blocking sites next, a note saying what was left out
and how to get it), link locations when CI says where the repository lives, and show exempt
and signed sites as counts. Read back with markdown-it, as GitHub would render them."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.commands.test_check import released
from tests.commands.test_sign_off import _isolated
from tests.exemptions.sites import made_site, reviewed, state_of
from unsafe_audit.cli import main
from unsafe_audit.diff import Delta, SiteDelta, Status
from unsafe_audit.model import Side, SiteKind
from unsafe_audit.report import check_markdown, diff_markdown
from unsafe_audit.report.interface import CheckReport, CodePair, DiffReport
from unsafe_audit.report.links import SourceLinks, links_from_environment
from unsafe_audit.report.markdown_budget import MAX_MARKDOWN_CHARS, Budget
from unsafe_audit.review_state import Review

__all__ = ["_isolated"]  # the autouse fixture: isolated git config, cache and clock
_MD = MarkdownIt("commonmark").enable("table")
BASE = Side("v0.12.5", "b" * 40)
HEAD = Side("v0.12.6", "a" * 40)
GITHUB = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "owner/ext",
    "GITHUB_SHA": "c" * 40,
}


def render_check(report: CheckReport) -> str:
    out = io.StringIO()
    check_markdown.write(report, out)
    return out.getvalue()


def render_diff(report: DiffReport) -> str:
    out = io.StringIO()
    diff_markdown.write(report, out)
    return out.getvalue()


def check_report(n: int, **fields: object) -> CheckReport:
    state = state_of(*(reviewed(i) for i in range(n)))
    return CheckReport(BASE, HEAD, "given with --base", state, ".unsafe-audit/ledger", **fields)  # type: ignore[arg-type]


def links_in(markdown: str) -> list[str]:
    found: list[str] = []
    for token in _MD.parse(markdown):
        for child in token.children or ():
            if child.type == "link_open":
                found.append(str(child.attrs["href"]))
    return found


def test_budget_keeps_rows_while_they_fit_and_says_what_it_left_out() -> None:
    budget = Budget(limit=110)
    budget.add("# top\n")
    budget.section("## a\n", ["row 1\n", "row 2\n"], "end a\n", "rows of a")
    budget.section("## b\n", ["x" * 60 + "\n", "y" * 60 + "\n"], "end b\n", "rows of b")
    budget.section("## c\n", ["z\n"], "", "rows of c")
    text = budget.text("Ask for JSON.")
    assert text.startswith("# top\n## a\nrow 1\nrow 2\nend a\n## b\n" + "x" * 60 + "\nend b\n")
    assert text.endswith("Left out: 1 rows of b; 1 rows of c. Ask for JSON.\n")
    assert Budget().text("never shown") == ""


def test_a_huge_check_report_stays_under_the_limit_summary_first() -> None:
    md = render_check(check_report(3_000))
    assert len(md) <= MAX_MARKDOWN_CHARS
    assert md.startswith("## unsafe-audit check ❌\n\nv0.12.6 against **v0.12.5** (given with")
    assert "\n### Needs sign-off (3000)\n" in md
    rows = [line for line in md.splitlines() if line.startswith("| missing | unchanged |")]
    assert 100 < len(rows) < 3_000
    note = md[md.index("\n### Not shown here\n") :]
    assert f"Left out: {3_000 - len(rows):,} sites that need a sign-off." in note
    assert f"`unsafe-audit check --base v0.12.5 --head {'a' * 40} --format json`" in note, note
    headings = [t.tag for t in _MD.parse(md) if t.type == "heading_open"]
    assert headings == ["h2", "h3", "h3"]  # nothing cut mid-table spills into the note


def test_a_small_report_is_whole_and_has_no_note() -> None:
    md = render_check(check_report(3))
    assert "Not shown here" not in md
    assert md.count("| missing | unchanged |") == 3


def test_exempt_and_signed_sites_are_counts_not_rows() -> None:
    state = state_of(reviewed(0, Review.SIGNED), reviewed(1), reviewed(2))
    exempt = state.sites[1]
    state = state_of(
        state.sites[0],
        type(exempt)(exempt.delta, exempt.review, None, "exempt", False, exempt="v0.12.5"),
        state.sites[2],
    )
    report = CheckReport(BASE, HEAD, "r", state, "l", exemptions=".unsafe-audit/exemptions.yaml")
    md = render_check(report)
    assert "| exempt since adoption (among the missing and stale; not blocking) | 1 |" in md
    assert "| signed | 1 |" in md
    assert md.count(f"`{made_site(2).id}`") == 1
    assert f"`{made_site(1).id}`" not in md and f"`{made_site(0).id}`" not in md


def test_locations_link_to_the_head_commit_when_ci_says_where() -> None:
    links = links_from_environment(GITHUB)
    assert links == SourceLinks("https://github.com/owner/ext", "c" * 40)
    md = render_check(check_report(2, links=links))
    assert links_in(md) == [
        f"https://github.com/owner/ext/blob/{'a' * 40}/src/lib.rs#L{n}" for n in (1, 2)
    ]
    worktree = Side(None, None, working_tree=True, based_on="d" * 40)
    assert links is not None
    assert (
        links.url(worktree, "src/a.rs", 3)
        == f"https://github.com/owner/ext/blob/{'d' * 40}/src/a.rs#L3"
    )
    bare = Side(None, None, working_tree=True)
    assert (
        links.url(bare, "src/a.rs", 3)
        == f"https://github.com/owner/ext/blob/{'c' * 40}/src/a.rs#L3"
    )


def test_a_hostile_path_stays_the_link_text_and_is_encoded_in_the_url() -> None:
    path = "src/a](https://evil.example) <b>|`c` (x).rs\n## h"
    site = made_site(1, path)
    r = reviewed(1)
    r = type(r)(SiteDelta(Status.UNCHANGED, site, site), r.review, None, "never", True)
    report = CheckReport(BASE, HEAD, "r", state_of(r), "l", links=links_from_environment(GITHUB))
    md = render_check(report)
    assert links_in(md) == [
        "https://github.com/owner/ext/blob/"
        + "a" * 40
        + "/src/a%5D%28https%3A//evil.example%29%20%3Cb%3E%7C%60c%60%20%28x%29.rs%0A%23%23%20h#L2"
    ]
    headings = [t for t in _MD.parse(md) if t.type == "heading_open"]
    assert len(headings) == 2  # the title and "Needs sign-off"; no "## h"
    widths: list[int] = []
    for token in _MD.parse(md):
        if token.type == "tr_open":
            widths.append(0)
        elif token.type in ("td_open", "th_open"):
            widths[-1] += 1
    assert widths[-2:] == [7, 7]  # the sites table's header and row: the path's | is escaped
    row = next(line for line in md.splitlines() if line.startswith("| missing | unchanged |"))
    assert row.count(" | ") == 6  # seven cells: the pipe in the path is escaped


def test_odd_ci_variables_give_no_links() -> None:
    for key, value in [
        ("GITHUB_SERVER_URL", "javascript:alert(1)"),
        ("GITHUB_SERVER_URL", "https://github.com/a b"),
        ("GITHUB_REPOSITORY", "owner/ext/../../x"),
        ("GITHUB_REPOSITORY", "owner"),
        ("GITHUB_REPOSITORY", "../ext"),
    ]:
        assert links_from_environment({**GITHUB, key: value}) is None, (key, value)
    assert links_from_environment({}) is None
    odd_sha = links_from_environment({**GITHUB, "GITHUB_SHA": "HEAD"})
    assert odd_sha == SourceLinks("https://github.com/owner/ext", None)


def _diff_report(n: int, lines: int, **fields: object) -> DiffReport:
    sites = [SiteDelta(Status.NEW, made_site(i), None) for i in range(n)]
    code = "\n".join(f"    let x{j} = unsafe {{ *p.add({j}) }};" for j in range(lines))
    return DiffReport(
        BASE,
        HEAD,
        "r",
        Delta(tuple(sites)),
        (),
        (),
        review_code={d: CodePair(None, code) for d in sites},
        **fields,  # type: ignore[arg-type]
    )


def test_a_huge_diff_report_shows_code_then_one_line_per_site_then_a_note() -> None:
    md = render_diff(_diff_report(2_000, 40))
    assert len(md) <= MAX_MARKDOWN_CHARS
    assert md.startswith("## unsafe-audit: changes since v0.12.5\n")
    full = md.count("\n#### new: ")
    compact = len(re.findall(r"^- new `unsafe_block` in `f\d+` — ", md, re.MULTILINE))
    assert full > 10 and compact > 100
    assert f"\nWithout their code, to keep this report short ({2_000 - full}):\n" in md
    assert f"Left out: {2_000 - full - compact:,} sites that need review." in md
    assert f"`unsafe-audit diff --base v0.12.5 --head {'a' * 40} --format json`" in md
    fences = [t for t in _MD.parse(md) if t.type == "fence"]
    assert len(fences) == full


def test_diff_locations_link_each_side_to_its_commit() -> None:
    site = made_site(3, "src/b.rs")
    moved = SiteDelta(Status.MOVED, site, made_site(3, "src/a.rs"))
    report = DiffReport(
        BASE, HEAD, "r", Delta((moved,)), (), (), links=links_from_environment(GITHUB)
    )
    md = render_diff(report)
    assert links_in(md) == [
        f"https://github.com/owner/ext/blob/{'a' * 40}/src/b.rs#L4",
        f"https://github.com/owner/ext/blob/{'b' * 40}/src/a.rs#L4",
    ]
    assert SiteKind.UNSAFE_BLOCK.value in md


def test_check_and_diff_link_to_the_commit_head_resolves_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = released(tmp_path / "ext")
    lib = (repo.path / "src" / "lib.rs").read_text()
    repo.write(
        "src/lib.rs", lib + "pub fn e() { unsafe { pg_sys::pfree(std::ptr::null_mut()) } }\n"
    )
    head = repo.commit("e")
    for key, value in GITHUB.items():
        monkeypatch.setenv(key, value)
    found = {}
    for command in ("check", "diff"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main([command, str(repo.path), "--head", "HEAD", "--format", "markdown", "--no-cache"])
        found[command] = links_in(out.getvalue())
    blob = f"https://github.com/owner/ext/blob/{head}/src/lib.rs"
    assert found["check"] == [f"{blob}#L{line}" for line in (9, 9, 4, 4, 7, 7)]
    assert found["diff"] == [f"{blob}#L9", f"{blob}#L9"]
    # The work tree links to the commit it is based on.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", str(repo.path), "--format", "markdown", "--no-cache"])
    assert links_in(out.getvalue())[0] == f"{blob}#L9"
