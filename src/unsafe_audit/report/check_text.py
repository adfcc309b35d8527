"""``check --format text``: blocking sites first, then failed sign-offs, then the counts."""

from __future__ import annotations

from typing import TextIO

from unsafe_audit.model import Site
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.report.interface import CheckReport
from unsafe_audit.review_state import Review, SiteReview


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item or "(crate root)"
    label = terminal_line(label)
    return label + " [macro]" if site.in_macro else label


def _row(r: SiteReview) -> str:
    s = r.site
    return (
        f"  {s.id}  {r.review.value:7} {r.delta.status.value:9} {s.kind.value:19} "
        f"{terminal_line(s.path)}:{s.span.line}  {_label(s)}\n      {terminal_line(r.reason)}\n"
    )


def write(report: CheckReport, out: TextIO) -> None:
    """For people at a terminal (no hints: a terminal listing stays short)."""
    state = report.state
    head, base = terminal_line(report.head.label), terminal_line(report.base.label)
    parts = [f"{head} against {base}; ledger {terminal_line(report.ledger)}\n"]
    blocking = [r for r in state.sites if r.blocking]
    if blocking:
        parts.append(f"\nNEEDS SIGN-OFF ({len(blocking)})\n")
        parts.extend(_row(r) for r in blocking)
    waived = [r for r in state.sites if not r.blocking and not r.review.valid]
    if waived:
        parts.append(f"\nNOT SIGNED OFF, NOT BLOCKING with --only-changed ({len(waived)})\n")
        parts.extend(_row(r) for r in waived)
    failed = state.with_review(Review.FAILED)
    if failed:
        parts.append(f"\nSHIPPED WITH A FAIL ANSWER ({len(failed)})\n")
        parts.extend(_row(r) for r in failed)
    summary = state.summary()
    counts = ", ".join(f"{summary[r.value]} {r.value}" for r in Review)
    parts.append(f"\n{summary['sites']} sites: {counts}; {summary['orphaned']} orphaned entries\n")
    if report.ok:
        parts.append("OK: every site that needs a sign-off has one\n")
    else:
        parts.append(
            f"FAIL: {summary['blocking']} sites need a sign-off "
            "(unsafe-audit sign-off SITE_ID --justification TEXT --answer ITEM=pass ...)\n"
        )
    out.write("".join(parts))
