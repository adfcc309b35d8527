"""``scan --format table``: the sites in 80 columns, then counts per kind."""

from __future__ import annotations

import textwrap
from typing import TextIO

from unsafe_audit.model import ScanResult
from unsafe_audit.report.escape import terminal_line


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _fit_left(text: str, width: int) -> str:
    """Shorten from the left, so a long path keeps its file name and line number."""
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


def write(result: ScanResult, out: TextIO) -> None:
    """Sites as a table that fits 80 columns: short id, kind, file:line, item or pg_sys name."""
    where = f"revision {result.rev[:12]}" if result.rev else "files on disk"
    out.write(f"{terminal_line(str(result.root))} ({where})\n")
    if result.sites:
        out.write(f"{'ID':8} {'KIND':19} {'LOCATION':26} ITEM / NAME\n")
    for s in result.sites:
        loc = _fit_left(f"{terminal_line(s.path)}:{s.span.line}", 26)
        label = terminal_line(s.name if s.kind.is_pg_sys and s.name else s.item or "(crate root)")
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
