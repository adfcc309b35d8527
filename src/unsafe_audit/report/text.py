"""``check --format text``: blocking sites first, then failed sign-offs, then the counts."""

from __future__ import annotations

from unsafe_audit.model import Site
from unsafe_audit.report.interface import CheckReport, Formatter
from unsafe_audit.review_state import Review, SiteReview


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item or "(crate root)"
    return label + " [macro]" if site.in_macro else label


def _row(r: SiteReview) -> str:
    s = r.site
    return (
        f"  {s.id}  {r.review.value:7} {r.delta.status.value:9} {s.kind.value:19} "
        f"{s.path}:{s.span.line}  {_label(s)}\n      {r.reason}\n"
    )


class TextFormatter(Formatter):
    """For people at a terminal."""

    def format(self, report: CheckReport) -> str:
        state = report.state
        out = [f"{report.head.label} against {report.base.label}; ledger {report.ledger}\n"]
        blocking = [r for r in state.sites if r.blocking]
        if blocking:
            out.append(f"\nNEEDS SIGN-OFF ({len(blocking)})\n")
            out.extend(_row(r) for r in blocking)
        waived = [r for r in state.sites if not r.blocking and not r.review.valid]
        if waived:
            out.append(f"\nNOT SIGNED OFF, NOT BLOCKING with --only-changed ({len(waived)})\n")
            out.extend(_row(r) for r in waived)
        failed = state.with_review(Review.FAILED)
        if failed:
            out.append(f"\nSHIPPED WITH A FAIL ANSWER ({len(failed)})\n")
            out.extend(_row(r) for r in failed)
        summary = state.summary()
        counts = ", ".join(f"{summary[r.value]} {r.value}" for r in Review)
        out.append(
            f"\n{summary['sites']} sites: {counts}; {summary['orphaned']} orphaned entries\n"
        )
        if report.ok:
            out.append("OK: every site that needs a sign-off has one\n")
        else:
            out.append(
                f"FAIL: {summary['blocking']} sites need a sign-off "
                "(unsafe-audit sign-off SITE_ID --justification TEXT --answer ITEM=pass ...)\n"
            )
        return "".join(out)
