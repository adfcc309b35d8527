"""``unsafe-audit diff``: which unsafe sites and pg_sys uses changed since the previous release.

Output as a table (people at a terminal), JSON (tools; ``schema_version`` 1) or Markdown (a PR
comment or a CI job summary). The choice of base is explained on stderr.
"""

from __future__ import annotations

import argparse
import enum
import functools
import sys
from pathlib import Path
from typing import Any, assert_never

from unsafe_audit.commands.scan_options import add_scan_options, scan_options
from unsafe_audit.compare import Comparison, compare
from unsafe_audit.diff import SiteDelta, Status, before_after
from unsafe_audit.report import diff_json, diff_markdown, diff_table
from unsafe_audit.report.interface import CodePair, DiffReport, Renderer


class DiffFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


def renderer_for(fmt: DiffFormat, *, show_unchanged: bool = False) -> Renderer[DiffReport]:
    """The renderer of one output format (``show_unchanged`` is for the table)."""
    if fmt is DiffFormat.TABLE:
        return functools.partial(diff_table.write, show_unchanged=show_unchanged)
    if fmt is DiffFormat.JSON:
        return diff_json.write
    if fmt is DiffFormat.MARKDOWN:
        return diff_markdown.write
    assert_never(fmt)


def diff_report(comparison: Comparison, fmt: DiffFormat) -> DiffReport:
    """The plain value ``fmt`` renders, with the code it shows read now, while the comparison's
    sources are open. Only that code is read: slicing out every new site of a large diff takes
    time the table and the JSON do not need."""
    base_source, head_source = comparison.base_source, comparison.head_source

    def code(delta: SiteDelta, *, whole_lines: bool) -> CodePair:
        before, after = before_after(
            delta, base_source=base_source, head_source=head_source, whole_lines=whole_lines
        )
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
    p.add_argument(
        "--show-unchanged", action="store_true", help="table: also list the unchanged sites"
    )
    add_scan_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    options = scan_options(args)
    with compare(
        args.path,
        base=args.base,
        head=args.head,
        allow_first_release=args.allow_first_release,
        options=options,
    ) as comparison:
        print(
            f"unsafe-audit: comparing {comparison.head.label} with {comparison.base.label}: "
            f"{comparison.reason}",
            file=sys.stderr,
        )
        for warning in comparison.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        fmt = DiffFormat(args.format)
        report = diff_report(comparison, fmt)
    renderer_for(fmt, show_unchanged=args.show_unchanged)(report, sys.stdout)
    return 0
