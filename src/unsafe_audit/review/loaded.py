"""What a loader hands the review UI: the ready session and what to tell the reviewer. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from unsafe_audit.review.session import ReviewSession

ProgressCallback = Callable[[str, int, int], None]
"""Called while loading with (stage, done, total); total 0 when unknown."""


@dataclass
class LoadedReview:
    """A ready session and what to tell the reviewer about it."""

    session: ReviewSession
    title: str
    """``pg_cache: v0.2.1 → working tree of v0.3.0``."""
    notices: list[str] = field(default_factory=list)
    """Things to show once: warnings from the scan, a damaged drafts file, a resumed draft."""
    close: Callable[[], None] = lambda: None
    """Release what the loader holds (the review lock)."""


Loader = Callable[[ProgressCallback], LoadedReview]
"""What the UI runs in a background worker to get its session."""
