"""``unsafe-audit scan``: list every unsafe site and pg_sys use, as a table or as JSON."""

from __future__ import annotations

import argparse
import enum
import sys
import textwrap
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any, TextIO, assert_never

from unsafe_audit import json_document as js
from unsafe_audit.commands.scan_options import add_scan_options, scan_options
from unsafe_audit.model import Site
from unsafe_audit.scan import ScanResult, scan_path

SCHEMA_VERSION = 1


class ScanFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


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
        print(f"warning: {warning}", file=sys.stderr)
    fmt = ScanFormat(args.format)
    if fmt is ScanFormat.TABLE:
        write_table(result, sys.stdout)
    elif fmt is ScanFormat.JSON:
        write_json(result, sys.stdout)
    else:
        assert_never(fmt)
    return 0


def site_json(site: Site) -> dict[str, Any]:
    """One site in the JSON contract."""
    return {
        "id": site.id,
        "kind": site.kind.value,
        "path": site.path,
        "line": site.span.line,
        "end_line": site.span.end_line,
        "column": site.span.column,
        "item": site.item,
        "in_macro": site.in_macro,
        "parent": site.parent,
        "name": site.name,
        "safety_comment": site.safety_comment,
        "attributes": list(site.attributes),
        "pg_sys_calls": list(site.pg_sys_calls),
    }


def site_line(site: Site) -> str:
    """``json.dumps(site_json(site))``, written directly (a warm scan of a large tree spends
    most of its time here otherwise)."""
    sp = site.span
    esc = encode_basestring_ascii
    parent, name, safety = site.parent, site.name, site.safety_comment
    attrs, calls = site.attributes, site.pg_sys_calls
    return (
        f'{{"id": "{site.id}", "kind": "{site.kind}", "path": {esc(site.path)}, '
        f'"line": {sp.line}, "end_line": {sp.end_line}, "column": {sp.column}, '
        f'"item": {esc(site.item)}, "in_macro": {"true" if site.in_macro else "false"}, '
        f'"parent": {"null" if parent is None else esc(parent)}, '
        f'"name": {"null" if name is None else esc(name)}, '
        f'"safety_comment": {"null" if safety is None else esc(safety)}, '
        f'"attributes": [{", ".join(map(esc, attrs)) if attrs else ""}], '
        f'"pg_sys_calls": [{", ".join(map(esc, calls)) if calls else ""}]}}'
    )


def write_json(result: ScanResult, out: TextIO) -> None:
    """The JSON contract (:func:`to_json`), one site per line."""
    document: dict[str, Any] = {**to_json(result, with_sites=False), "sites": result.sites}
    js.write_document(document, out, render=site_line)


def to_json(result: ScanResult, *, with_sites: bool = True) -> dict[str, Any]:
    """The JSON contract as a dict (``sites`` left out unless ``with_sites``)."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "root": result.root,
        "rev": result.rev,
        "files_scanned": result.files_scanned,
        "files_skipped": result.files_skipped,
        "generated_skipped": result.generated_skipped,
        "warnings": [
            {"path": w.path, "line": w.line, "message": w.message} for w in result.warnings
        ],
    }
    if with_sites:
        document["sites"] = [site_json(s) for s in result.sites]
    return document


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _fit_left(text: str, width: int) -> str:
    """Shorten from the left, so a long path keeps its file name and line number."""
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


def write_table(result: ScanResult, out: TextIO) -> None:
    """Sites as a table that fits 80 columns: short id, kind, file:line, item or pg_sys name."""
    where = f"revision {result.rev[:12]}" if result.rev else "files on disk"
    out.write(f"{result.root} ({where})\n")
    if result.sites:
        out.write(f"{'ID':8} {'KIND':19} {'LOCATION':26} ITEM / NAME\n")
    for s in result.sites:
        loc = _fit_left(f"{s.path}:{s.span.line}", 26)
        label = s.name if s.kind.is_pg_sys and s.name else s.item or "(crate root)"
        if s.in_macro:
            label += " [macro]"
        # An item path is shortened from the left (its last segment says most), a name from
        # the right.
        fitted = _fit(label, 24) if s.kind.is_pg_sys else _fit_left(label, 24)
        out.write(f"{s.id[:8]} {s.kind.value:19} {loc:26} {fitted}\n")
    counts: dict[str, int] = {}
    for s in result.sites:
        counts[s.kind.value] = counts.get(s.kind.value, 0) + 1
    skipped = f"{result.files_skipped} skipped"
    if result.generated_skipped:
        skipped += f" ({result.generated_skipped} generated; --include-generated scans them)"
    out.write(f"\n{len(result.sites)} sites in {result.files_scanned} files, {skipped}\n")
    if counts:
        listing = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        for line in textwrap.wrap(listing, width=78):
            out.write(f"  {line}\n")
