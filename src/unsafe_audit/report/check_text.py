"""``check --format text``: blocking units first (each with the pg_sys uses it covers), then
failed sign-offs, then the files not searched for sites (generated ones included), then the
counts: sites, review units, units per review state. Units an adoption exemption covers are
only counted."""

from __future__ import annotations

from typing import TextIO

from unsafe_audit.config.model import CONFIG_PATH
from unsafe_audit.model import EARNED_GENERATED, Site
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.report.interface import CheckReport
from unsafe_audit.report.style import plural
from unsafe_audit.review_state import FileReview, Review, SiteReview
from unsafe_audit.units import describe_uses


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item or "(crate root)"
    label = terminal_line(label)
    return label + " [macro]" if site.in_macro else label


def _row(r: SiteReview) -> str:
    s = r.site
    row = (
        f"  {s.id}  {r.review.value:7} {r.delta.status.value:9} {s.kind.value:19} "
        f"{terminal_line(s.path)}:{s.span.line}  {_label(s)}\n      {terminal_line(r.reason)}\n"
    )
    if r.members:
        row += f"      pg_sys: {terminal_line(describe_uses(r.member_sites))}\n"
    return row


def _file_row(r: FileReview) -> str:
    f = r.file
    where = terminal_line(f.path) + (f":{f.line}" if f.line else "")
    state = "blocks" if r.blocking else "ok"
    row = f"  {state:6} {f.reason.value:10} {where}\n"
    return row if f.message == EARNED_GENERATED else row + f"      {terminal_line(r.reason)}\n"


def write(report: CheckReport, out: TextIO) -> None:
    """For people at a terminal (no hints: a terminal listing stays short)."""
    state = report.state
    head, base = terminal_line(report.head.label), terminal_line(report.base.label)
    parts = [f"{head} against {base}; ledger {terminal_line(report.ledger)}\n"]
    blocking = [r for r in state.sites if r.blocking]
    if blocking:
        parts.append(f"\nNEEDS SIGN-OFF ({len(blocking)})\n")
        parts.extend(_row(r) for r in blocking)
    waived = [r for r in state.sites if not r.blocking and not r.review.valid and r.exempt is None]
    if waived:
        parts.append(f"\nNOT SIGNED OFF, NOT BLOCKING with --only-changed ({len(waived)})\n")
        parts.extend(_row(r) for r in waived)
    failed = state.with_review(Review.FAILED)
    if failed:
        parts.append(f"\nSHIPPED WITH A FAIL ANSWER ({len(failed)})\n")
        parts.extend(_row(r) for r in failed)
    if state.files:
        blocked = len(state.blocking_files)
        parts.append(f"\nNOT SEARCHED FOR SITES ({len(state.files)}; {blocked} blocking)\n")
        parts.extend(_file_row(r) for r in state.files)
    summary = state.summary()
    counts = ", ".join(f"{summary[r.value]} {r.value}" for r in Review)
    exempt = ""
    if report.exemptions is not None:
        exempt = f"; {summary['exempt']} exempt since adoption ({terminal_line(report.exemptions)})"
    covered = f"; {summary['covered']} covered by their unit" if summary["covered"] else ""
    parts.append(
        f"\n{plural(summary['sites'], 'site')} in {plural(summary['units'], 'review unit')}: "
        f"{counts}{exempt}; "
        f"{plural(summary['orphaned'], 'orphaned entry', 'orphaned entries')}{covered}\n"
    )
    if report.unneeded_exemptions:
        parts.append(
            f"{plural(len(report.unneeded_exemptions), 'exemption')} no longer needed (signed off, "
            "changed "
            "or gone): unsafe-audit prune --apply drops them\n"
        )
    if report.ok:
        parts.append("OK: every site that needs a sign-off has one\n")
    if summary["blocking"]:
        parts.append(
            f"FAIL: {plural(summary['blocking'], 'review unit')} "
            f"need{'s' if summary['blocking'] == 1 else ''} a sign-off "
            "(unsafe-audit sign-off SITE_ID --justification TEXT --answer ITEM=pass ...)\n"
        )
    if state.blocking_files:
        parts.append(
            f"FAIL: {plural(len(state.blocking_files), 'file')} could not be searched for sites "
            f"(fix them, or allow them with allow_unread in {CONFIG_PATH})\n"
        )
    out.write("".join(parts))
