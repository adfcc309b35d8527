"""Made-up sites and review states for the exemption and report tests (no repository)."""

from __future__ import annotations

from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.model import Site, SiteId, SiteKind, Span
from unsafe_audit.review_state import Review, ReviewState, SiteReview


def site_id(n: int) -> SiteId:
    return SiteId(f"{n:016x}")


def made_site(n: int, path: str = "src/lib.rs", kind: SiteKind = SiteKind.UNSAFE_BLOCK) -> Site:
    span = Span(line=n + 1, column=5, end_line=n + 1, start_byte=10 * n, end_byte=10 * n + 9)
    return Site(site_id(n), kind, path, span, item=f"f{n}", token_hash=f"{n:016x}")


def reviewed(
    n: int,
    review: Review = Review.MISSING,
    status: Status = Status.UNCHANGED,
    path: str = "src/lib.rs",
) -> SiteReview:
    site = made_site(n, path)
    base = None if status is Status.NEW else site
    blocking = not review.valid
    return SiteReview(SiteDelta(status, site, base), review, None, "never signed off", blocking)


def state_of(*reviews: SiteReview) -> ReviewState:
    return ReviewState(tuple(reviews), ())
