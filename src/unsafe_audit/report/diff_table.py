"""``diff --format table``: sites grouped by status with counts, in 80 columns."""

from __future__ import annotations

from typing import TextIO

from unsafe_audit.diff import Status
from unsafe_audit.model import Side, Site
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.report.interface import DiffReport
from unsafe_audit.report.scan_table import write_skipped


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item or "(crate root)"
    label = terminal_line(label)
    return label + " [macro]" if site.in_macro else label


def _side_label(side: Side) -> str:
    if side.commit is not None and side.ref is not None and side.ref != side.commit:
        return f"{terminal_line(side.ref)} ({side.commit[:12]})"
    return terminal_line(side.label)


def write(report: DiffReport, out: TextIO, *, show_unchanged: bool = False) -> None:
    """Sites grouped by status with counts; unchanged ones counted, listed if
    ``show_unchanged``."""
    out.write(f"{_side_label(report.base)} -> {_side_label(report.head)}\n")
    delta = report.delta
    for status in Status:
        group = delta.with_status(status)
        if not group:
            continue
        out.write(f"\n{status.value.upper()} ({len(group)})\n")
        if status is Status.UNCHANGED and not show_unchanged:
            out.write("  (not listed; --show-unchanged lists them)\n")
            continue
        for d in group:
            s = d.site
            loc = _fit(f"{terminal_line(s.path)}:{s.span.line}", 30)
            out.write(f"  {s.kind.value:19} {loc:30} {_fit(_label(s), 26)}\n")
            if d.status is Status.MOVED and d.base is not None and d.head is not None:
                was = f"{terminal_line(d.base.path)}:{d.base.span.line}"
                if d.base.item != d.head.item:
                    was += f" ({terminal_line(d.base.item or '(crate root)')})"
                out.write(f"  {'':19} {_fit('from ' + was, 57)}\n")
    summary = delta.summary()
    counts = ", ".join(f"{n} {k}" for k, n in summary.items())
    out.write(f"\n{counts}\n{len(delta.needs_review())} need review (new or changed)\n")
    write_skipped(report.unread, out)
