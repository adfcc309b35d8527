"""``diff`` as a table, JSON and Markdown: the hand-written JSON line renderer writes exactly
what ``json.dumps`` writes for the documented dict; the report is plain data that renders after
the repository is closed; table and Markdown layouts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.diff.test_cli import _isolated, released, released_template, run_diff
from tests.gitrepo import GitRepo
from unsafe_audit import samples
from unsafe_audit.commands.diff import DiffFormat, diff_report, renderer_for, shown_files
from unsafe_audit.compare import compare
from unsafe_audit.diff import Status
from unsafe_audit.report.diff_json import delta_json, delta_line
from unsafe_audit.report.interface import DiffReport
from unsafe_audit.report.style import COLOUR
from unsafe_audit.scan import ScanOptions

__all__ = [
    "_isolated",
    "released",
    "released_template",
]  # the autouse fixture, and the fixture of two releases

DIFF_PAIRS = (
    ("pg_cache", "v0.1.0", "v0.2.0"),
    ("pg_cache", "v0.2.0", "v0.2.1"),
    ("pg_cache", "v0.2.1", "v0.3.0"),
    ("pg_hooks", "0.1.0", "0.3.0"),
)


@pytest.fixture(scope="module")
def sample_repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("samples")
    return {name: samples.build(name, root / name) for name in ("pg_cache", "pg_hooks")}


def report_of(repo: Path, base: str, head: str, fmt: DiffFormat) -> DiffReport:
    """The report ``fmt`` renders; the repository is closed when it is returned."""
    comparison = compare(
        repo, base=base, head=head, options=ScanOptions(use_cache=False), sources=shown_files(fmt)
    )
    return diff_report(comparison, fmt)


@pytest.mark.parametrize(("name", "base", "head"), DIFF_PAIRS)
def test_diff_delta_line_is_json_dumps_of_the_contract_dict(
    sample_repos: dict[str, Path], name: str, base: str, head: str
) -> None:
    report = report_of(sample_repos[name], base, head, DiffFormat.JSON)
    deltas = report.delta.sites
    for delta in deltas:
        assert delta_line(delta, report) == json.dumps(delta_json(delta, report))
    # The pairs between them hold every status the renderer branches on.
    assert Status.UNCHANGED in {d.status for d in deltas}


def test_diff_pairs_cover_changed_new_and_removed(sample_repos: dict[str, Path]) -> None:
    seen: set[Status] = set()
    for name, base, head in DIFF_PAIRS:
        seen |= {
            d.status
            for d in report_of(sample_repos[name], base, head, DiffFormat.TABLE).delta.sites
        }
    assert {Status.CHANGED, Status.NEW, Status.REMOVED, Status.MOVED} <= seen


def test_the_report_holds_the_code_its_format_shows_and_no_more(
    sample_repos: dict[str, Path],
) -> None:
    table = report_of(sample_repos["pg_cache"], "v0.2.1", "v0.3.0", DiffFormat.TABLE)
    as_json = report_of(sample_repos["pg_cache"], "v0.2.1", "v0.3.0", DiffFormat.JSON)
    markdown = report_of(sample_repos["pg_cache"], "v0.2.1", "v0.3.0", DiffFormat.MARKDOWN)

    changed = table.delta.with_status(Status.CHANGED)
    assert changed
    assert (table.changed_code, table.review_code) == ({}, {})
    assert (set(as_json.changed_code), as_json.review_code) == (set(changed), {})
    assert (markdown.changed_code, set(markdown.review_code)) == (
        {},
        set(markdown.delta.needs_review()),
    )
    # Exact spans for JSON, whole lines for Markdown: the same change, sliced two ways.
    first = changed[0]
    exact, whole = as_json.changed_code[first], markdown.review_code[first]
    assert exact.before is not None and exact.after is not None
    assert whole.before is not None and whole.after is not None
    assert exact.before in whole.before and exact.after in whole.after
    assert exact.before != exact.after


def test_every_format_renders_after_the_repository_is_closed(
    sample_repos: dict[str, Path],
) -> None:
    rendered: dict[DiffFormat, str] = {}
    for fmt in DiffFormat:
        report = report_of(sample_repos["pg_hooks"], "0.1.0", "0.3.0", fmt)
        out = io.StringIO()
        renderer_for(fmt)(report, out)
        rendered[fmt] = out.getvalue()

    assert set(rendered) == set(DiffFormat)
    summary = json.loads(rendered[DiffFormat.JSON])["summary"]
    assert summary["new"] > 0
    counts = ", ".join(f"{n} {k}" for k, n in summary.items())
    assert f"\n{counts}\n" in rendered[DiffFormat.TABLE]
    assert rendered[DiffFormat.TABLE].startswith("0.1.0 (")
    assert rendered[DiffFormat.MARKDOWN].startswith("## unsafe-audit: changes since 0.1.0\n\n")
    assert (
        f"### Needs review ({summary['new'] + summary['changed']})"
        in (rendered[DiffFormat.MARKDOWN])
    )


# -- table and Markdown ----------------------------------------------------------------------------


def test_table_groups_by_status_with_counts_in_80_columns(
    released: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = run_diff(capsys, released.path, "--head", "main", fmt="table")
    short = released.rev_parse("v0.1.0")[:12]
    assert out.splitlines() == [
        f"v0.1.0 ({short}) -> main ({released.rev_parse('main')[:12]})",
        "",
        "NEW (2)",
        "  unsafe_block        src/lib.rs:10                  d",
        "  pg_sys_call         src/lib.rs:10                  GetCurrentTransactionId",
        "",
        "CHANGED (2)",
        "  unsafe_block        src/lib.rs:3                   a",
        "  pg_sys_call         src/lib.rs:3                   palloc",
        "",
        "UNCHANGED (2)",
        "  (not listed; --show-unchanged lists them)",
        "",
        "REMOVED (2)",
        "  unsafe_block        src/lib.rs:10                  c",
        "  pg_sys_call         src/lib.rs:10                  pfree",
        "",
        "2 new, 2 changed, 0 moved, 0 migrated, 2 unchanged, 2 removed",
        "4 need review (new or changed)",
    ]
    assert max(len(line) for line in out.splitlines()) <= 80


def test_table_lists_unchanged_sites_when_asked(
    released: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = run_diff(capsys, released.path, "--head", "main", "--show-unchanged", fmt="table")
    assert (
        "UNCHANGED (2)\n"
        "  unsafe_block        src/lib.rs:7                   b\n"
        "  pg_sys_call         src/lib.rs:7                   palloc0\n"
    ) in out


def test_markdown_summary_then_sites_needing_review(
    released: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = run_diff(capsys, released.path, "--head", "main", fmt="markdown")
    assert out.startswith("## unsafe-audit: changes since v0.1.0\n\n")
    assert (
        "| Status | Sites |\n|---|---:|\n| new (needs review) | 2 |\n"
        "| changed (needs review) | 2 |\n| moved | 0 |\n| migrated | 0 |\n| unchanged | 2 |\n"
        "| removed | 2 |\n\n### Needs review (4)\n\n"
    ) in out
    assert (
        "#### changed: `unsafe_block` in `a` — `src/lib.rs#L3`\n\n"
        "Before (`src/lib.rs#L3` in v0.1.0):\n\n"
        "```rust\nunsafe { pg_sys::palloc(8) as *mut u8 }\n```\n\n"
        "After (`src/lib.rs#L3`):\n\n"
        "```rust\nunsafe { pg_sys::palloc(16) as *mut u8 }\n```\n"
    ) in out
    assert "#### new: `pg_sys_call` in `GetCurrentTransactionId` — `src/lib.rs#L10`\n" in out
    assert "- removed `unsafe_block` in `c` — was `src/lib.rs#L10`\n" in out


def test_markdown_fence_is_longer_than_backticks_in_the_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", 'fn f() {\n    unsafe { g("a") };\n}\n')
    repo.commit("initial")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", 'fn f() {\n    unsafe { g("```\\n## not a heading") };\n}\n')
    repo.commit("backticks")
    out, _ = run_diff(capsys, repo.path, "--head", "HEAD", fmt="markdown")
    assert '````rust\nunsafe { g("```\\n## not a heading") };\n````\n' in out


def test_table_shortens_long_locations_from_the_left_keeping_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    deep = "pgrx-examples/wal_decoder/src/lib.rs"
    repo.write(deep, "fn f() {}\n")
    repo.commit("initial")
    repo.tag("v0.1.0")
    item = "decoder::output_plugin::callbacks::change"
    repo.write(
        deep,
        "mod decoder { mod output_plugin { mod callbacks {\n"
        "fn change() {\n" + "\n" * 40 + "    unsafe { g() };\n}\n}}}\n",
    )
    repo.commit("decode")

    out, _ = run_diff(capsys, repo.path, "--head", "HEAD", fmt="table")

    (row,) = [line for line in out.splitlines() if line.startswith("  unsafe_block")]
    # 30 columns of location, 26 of item path: each keeps its end, which says most.
    assert row == f"  unsafe_block        …les/wal_decoder/src/lib.rs:43 …{item[-25:]}"
    assert max(len(line) for line in out.splitlines()) <= 80


def test_table_colours_headings_only_when_asked(
    released: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    report = report_of(released.path, "v0.1.0", "main", DiffFormat.TABLE)
    plain, coloured = io.StringIO(), io.StringIO()
    renderer_for(DiffFormat.TABLE)(report, plain)
    renderer_for(DiffFormat.TABLE, palette=COLOUR)(report, coloured)

    assert "\x1b" not in plain.getvalue()
    assert "\n\x1b[1;33mNEW (2)\x1b[0m\n" in coloured.getvalue()
    assert "\n\x1b[2mUNCHANGED (2)\x1b[0m\n" in coloured.getvalue()
    assert "\n\x1b[31mREMOVED (2)\x1b[0m\n" in coloured.getvalue()
    strip = coloured.getvalue()
    for code in ("\x1b[1;33m", "\x1b[2m", "\x1b[31m", "\x1b[0m"):
        strip = strip.replace(code, "")
    assert strip == plain.getvalue()


def test_diff_json_gives_each_site_its_unit_on_both_sides(sample_repos: dict[str, Path]) -> None:
    report = report_of(sample_repos["pg_cache"], "v0.2.1", "v0.3.0", DiffFormat.JSON)
    sites = [json.loads(delta_line(d, report)) for d in report.delta.sites]
    # unit and base_unit come last, but for a pg_sys call's contract after them.
    assert all([k for k in s if k != "contract"][-2:] == ["unit", "base_unit"] for s in sites)
    by_id = {s["id"]: s for s in sites if s["id"] is not None}
    members = [s for s in sites if s["id"] is not None and s["unit"] != s["id"]]
    # Every member is a pg_sys use, and its unit is an unsafe site of head.
    assert members and {s["kind"] for s in members} == {"pg_sys_call", "pg_sys_static"}
    assert all(not by_id[s["unit"]]["kind"].startswith("pg_sys") for s in members)
    removed = [s for s in sites if s["status"] == "removed"]
    assert removed and all(s["unit"] is None and s["base_unit"] for s in removed)
    new = [s for s in sites if s["status"] == "new"]
    assert new and all(s["base_unit"] is None and s["unit"] for s in new)
