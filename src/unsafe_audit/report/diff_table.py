"""``diff --format table``: sites grouped by status with counts, in 80 columns."""

from __future__ import annotations

from typing import TextIO

from unsafe_audit.diff import Status
from unsafe_audit.model import Side, Site
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.report.interface import DiffReport
from unsafe_audit.report.scan_table import fit, fit_left, write_skipped
from unsafe_audit.report.style import PLAIN, Palette, Tone

_TONES = {
    Status.NEW: Tone.ATTENTION,
    Status.CHANGED: Tone.ATTENTION,
    Status.MOVED: Tone.NOTE,
    Status.MIGRATED: Tone.NOTE,
    Status.UNCHANGED: Tone.MUTED,
    Status.REMOVED: Tone.GONE,
}
"""The colour of each status's heading on a terminal."""


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item or "(crate root)"
    label = terminal_line(label)
    return label + " [macro]" if site.in_macro else label


def _side_label(side: Side) -> str:
    if side.commit is not None and side.ref is not None and side.ref != side.commit:
        return f"{terminal_line(side.ref)} ({side.commit[:12]})"
    return terminal_line(side.label)


def write(
    report: DiffReport, out: TextIO, *, show_unchanged: bool = False, palette: Palette = PLAIN
) -> None:
    """Sites grouped by status with counts; unchanged ones counted, listed if
    ``show_unchanged``. A location is shortened from the left, so it keeps its file name and
    line (``…/wal_decoder/src/lib.rs:42``); an item path from the left too, a pg_sys name from
    the right."""
    out.write(f"{_side_label(report.base)} -> {_side_label(report.head)}\n")
    delta = report.delta
    for status in Status:
        group = delta.with_status(status)
        if not group:
            continue
        heading = f"{status.value.upper()} ({len(group)})"
        out.write(f"\n{palette.paint(heading, _TONES[status])}\n")
        if status is Status.UNCHANGED and not show_unchanged:
            out.write("  (not listed; --show-unchanged lists them)\n")
            continue
        for d in group:
            s = d.site
            loc = fit_left(f"{terminal_line(s.path)}:{s.span.line}", 30)
            label = fit(_label(s), 26) if s.kind.is_pg_sys else fit_left(_label(s), 26)
            out.write(f"  {s.kind.value:19} {loc:30} {label}\n")
            if d.status is Status.MOVED and d.base is not None and d.head is not None:
                was = f"{terminal_line(d.base.path)}:{d.base.span.line}"
                if d.base.item != d.head.item:
                    was += f" ({terminal_line(d.base.item or '(crate root)')})"
                out.write(f"  {'':19} from {fit_left(was, 52)}\n")
    summary = delta.summary()
    counts = ", ".join(f"{n} {k}" for k, n in summary.items())
    review = len(delta.needs_review())
    verdict = palette.paint(
        f"{review} need review (new or changed)", Tone.ATTENTION if review else Tone.GOOD
    )
    out.write(f"\n{counts}\n{verdict}\n")
    write_skipped(report.unread, out)
