"""``unsafe-audit diff``: which unsafe sites and pg_sys uses changed since the previous release.

Output as a table (people at a terminal), JSON (tools; ``schema_version`` 1) or Markdown (a PR
comment or a CI job summary). The choice of base is explained on stderr.
"""

from __future__ import annotations

import argparse
import enum
import functools
import os
import sys
from pathlib import Path
from typing import Any, assert_never

from unsafe_audit.commands.base_note import say_base
from unsafe_audit.commands.colour import palette_for
from unsafe_audit.commands.progress import progress_bar
from unsafe_audit.commands.scan_options import add_scan_options, scan_options
from unsafe_audit.commands.settings import add_tag_pattern_option, apply_config
from unsafe_audit.compare import Comparison, SourceNeeds, compare
from unsafe_audit.diff import Delta, SiteDelta, Status
from unsafe_audit.model import Skip
from unsafe_audit.report import diff_json, diff_markdown, diff_table
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.report.interface import CodePair, DiffReport, Renderer
from unsafe_audit.report.links import links_from_environment
from unsafe_audit.report.style import PLAIN, Palette


class DiffFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


def renderer_for(
    fmt: DiffFormat, *, show_unchanged: bool = False, palette: Palette = PLAIN
) -> Renderer[DiffReport]:
    """The renderer of one output format (``show_unchanged`` and ``palette`` are for the
    table)."""
    if fmt is DiffFormat.TABLE:
        return functools.partial(diff_table.write, show_unchanged=show_unchanged, palette=palette)
    if fmt is DiffFormat.JSON:
        return diff_json.write
    if fmt is DiffFormat.MARKDOWN:
        return diff_markdown.write
    assert_never(fmt)


def shown_files(fmt: DiffFormat) -> SourceNeeds:
    """The files whose bytes ``fmt`` shows code from, read while the repository is open: both
    sides of changed sites for JSON, every site needing review for Markdown, none for the
    table (slicing out every new site of a large diff takes time the others do not need)."""

    def needs(root: Path, delta: Delta, majors: tuple[int, ...]) -> tuple[set[str], set[str]]:
        del root, majors
        shown = delta.with_status(Status.CHANGED) if fmt is DiffFormat.JSON else ()
        if fmt is DiffFormat.MARKDOWN:
            shown = delta.needs_review()
        base = {d.base.path for d in shown if d.base is not None}
        head = {d.head.path for d in shown if d.head is not None}
        return base, head

    return needs


def diff_report(comparison: Comparison, fmt: DiffFormat) -> DiffReport:
    """The plain value ``fmt`` renders, with the code it shows cut from the kept files."""
    base_files, head_files = comparison.base_files, comparison.head_files

    def code(delta: SiteDelta, *, whole_lines: bool) -> CodePair:
        before = after = None
        if delta.base is not None:
            before = base_files.code(delta.base, whole_lines=whole_lines)
        if delta.head is not None:
            after = head_files.code(delta.head, whole_lines=whole_lines)
        return CodePair(before, after)

    delta = comparison.delta
    changed_code = (
        {d: code(d, whole_lines=False) for d in delta.with_status(Status.CHANGED)}
        if fmt is DiffFormat.JSON
        else {}
    )
    review_code = (
        {d: code(d, whole_lines=True) for d in delta.needs_review()}
        if fmt is DiffFormat.MARKDOWN
        else {}
    )
    return DiffReport(
        base=comparison.base,
        head=comparison.head,
        reason=comparison.reason,
        delta=delta,
        warnings=comparison.warnings,
        submodules=comparison.submodules,
        changed_code=changed_code,
        review_code=review_code,
        unread=tuple(f for f in comparison.unscanned if f.reason is not Skip.GENERATED),
        links=links_from_environment(os.environ) if fmt is DiffFormat.MARKDOWN else None,
    )


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "diff",
        help="classify sites against the previous release: new, changed, moved, migrated...",
        description=(
            "Compare the unsafe sites and pg_sys uses of head (the work tree, or --head REF) with "
            "those of the previous release: the highest release tag older than head by version "
            "order, found among all tags (also tags on release branches), or --base REF. Both "
            "revisions are read from git objects; nothing is checked out. Each site is new, "
            "changed, moved, migrated (only edition-2024 syntax changed), unchanged or removed; "
            "whitespace, comments and line moves never make a site changed."
        ),
    )
    p.add_argument(
        "path", nargs="?", default=".", type=Path, help="repository or crate in it (default .)"
    )
    p.add_argument("--base", help="compare with this revision instead of the previous release tag")
    p.add_argument(
        "--head",
        help="audit this committed revision (what CI uses) instead of the work tree",
    )
    p.add_argument(
        "--format",
        choices=[f.value for f in DiffFormat],
        default=DiffFormat.TABLE.value,
        help="table (default), json (schema_version 1) or markdown (PR comment, job summary)",
    )
    p.add_argument(
        "--allow-first-release",
        action="store_true",
        help="when there is no earlier release tag, report every site as new instead of failing",
    )
    add_tag_pattern_option(p)
    p.add_argument(
        "--show-unchanged", action="store_true", help="table: also list the unchanged sites"
    )
    add_scan_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    fmt = DiffFormat(args.format)
    apply_config(args, args.path)
    with progress_bar() as bar:
        comparison = compare(
            args.path,
            base=args.base,
            head=args.head,
            allow_first_release=args.allow_first_release,
            options=scan_options(args, progress=bar),
            sources=shown_files(fmt),
        )
    say_base(comparison)
    for warning in comparison.warnings:
        print(f"warning: {terminal_line(str(warning))}", file=sys.stderr)
    report = diff_report(comparison, fmt)
    palette = palette_for(sys.stdout)
    renderer_for(fmt, show_unchanged=args.show_unchanged, palette=palette)(report, sys.stdout)
    return 0
