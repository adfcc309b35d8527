"""``unsafe-audit scan``: list every unsafe site and pg_sys use, as a table or as JSON."""

from __future__ import annotations

import argparse
import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, assert_never

from unsafe_audit.commands.scan_options import add_scan_options, scan_options
from unsafe_audit.model import ScanResult
from unsafe_audit.report import scan_json, scan_table
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.scan import scan_path

if TYPE_CHECKING:  # the check and diff report types are not needed to print a scan
    from unsafe_audit.report.interface import Renderer


class ScanFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


def renderer_for(fmt: ScanFormat) -> Renderer[ScanResult]:
    """The renderer of one output format."""
    if fmt is ScanFormat.TABLE:
        return scan_table.write
    if fmt is ScanFormat.JSON:
        return scan_json.write
    assert_never(fmt)


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "scan",
        help="list every unsafe site and pg_sys use",
        description=(
            "List every unsafe site (blocks, unsafe fn/impl/trait, extern blocks, unsafe "
            "attributes, also inside macros) and every pg_sys call or static, with a fingerprint "
            "id that survives reformatting and line moves. Scans the work tree, or a git revision "
            "read straight from git objects with --rev."
        ),
    )
    p.add_argument(
        "path", nargs="?", default=".", type=Path, help="crate or repository (default .)"
    )
    p.add_argument("--rev", help="scan this git revision (tag, branch, sha) instead of the files")
    p.add_argument(
        "--format",
        choices=[f.value for f in ScanFormat],
        default=ScanFormat.TABLE.value,
        help="table (default, for people) or json (schema_version 1, for tools)",
    )
    add_scan_options(p)
    p.set_defaults(run=run)


class _ProgressBar:
    """A one-line progress bar on stderr, shown only on a terminal and for long scans."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total < 200:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\rscanning [{bar}] {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    options = scan_options(args, progress=bar)
    try:
        result = scan_path(args.path, args.rev, options)
    finally:
        if bar is not None:
            bar.clear()
    for warning in result.warnings:
        print(f"warning: {terminal_line(str(warning))}", file=sys.stderr)
    renderer_for(ScanFormat(args.format))(result, sys.stdout)
    return 0
