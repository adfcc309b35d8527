"""The review prepared in memory is the review ``unsafe-audit review`` loads from git.

Most TUI tests run on :func:`tests.tui.prepared.pg_cache_review`; this test is what makes them
tests of the real thing: the same items (sites, statuses, hints, code views, diffs), title and
sign-off identity as the loader builds from the pg_cache sample's git repository.
"""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import load_review, request_for
from tests.tui.prepared import PG_CACHE_TITLE, REVIEWER, STAMP, TOOL, Workspace


def test_prepared_pg_cache_review_is_what_review_loads(
    pg_cache: Path, workspace: Workspace
) -> None:
    real = load_review(request_for(pg_cache))
    try:
        prepared = workspace.load()
        assert prepared.title == real.title == PG_CACHE_TITLE
        assert prepared.notices == real.notices == []
        mine, theirs = prepared.session, real.session
        assert len(theirs.items) == 39  # 67 sites in 39 review units
        assert mine.items == theirs.items
        assert mine.checklist == theirs.checklist
        assert mine.read_only is theirs.read_only is None
        for who in (mine.identity, theirs.identity):
            assert (who.reviewer, who.release, who.checklist, who.tool, who.clock()) == (
                REVIEWER,
                "working tree of v0.3.0",
                "pgrx-ffi@2",
                TOOL,
                STAMP,
            )
        assert mine.current == theirs.current
        assert mine.progress() == theirs.progress() == (0, 39)
    finally:
        real.close()
