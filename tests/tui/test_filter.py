"""The filter screen narrows the queue by one hint id."""

from __future__ import annotations

import asyncio

from textual.widgets import Select

from tests.tui.pilot import opened
from tests.tui.prepared import ALL, QueueFilter, Workspace
from unsafe_audit.tui.screens.filter import FilterScreen
from unsafe_audit.tui.widgets.queue import QueueList


def test_filter_by_one_hint_id(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader()) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            assert session.hint_counts() == {
                "context-reset": 2,
                "context-switch-back": 1,
                "long-lived-static": 2,
                "pg-guard-missing": 5,  # pg_cache_abi_version (an extern fn) among them
                "raw-error-calls": 1,  # three raw calls in one unsafe block
                "safety-comment-missing": 16,  # one per fn, not one per block
            }
            session.set_filter(QueueFilter(status=ALL))
            await pilot.press("f")
            screen = app.screen
            assert isinstance(screen, FilterScreen)
            screen.query_one("#f-hint-id", Select).value = "pg-guard-missing"
            await pilot.pause()
            await pilot.click("#apply")
            await pilot.pause()
            assert session.filter == QueueFilter(status=ALL, hint="pg-guard-missing")
            assert len(session.visible_items()) == 5
            assert all(
                "pg-guard-missing" in {h.hint_id for h in item.hints}
                for item in session.visible_items()
            )
            queue = app.query_one(QueueList)
            assert queue.border_title == "all · hint pg-guard-missing (5)"
            assert len([r for r in queue.rows if r.index is not None]) == 5

            await pilot.press("f")
            screen = app.screen
            assert isinstance(screen, FilterScreen)
            assert screen.query_one("#f-hint-id", Select).value == "pg-guard-missing"
            await pilot.click("#reset")
            await pilot.pause()
            assert session.filter == QueueFilter()

    asyncio.run(run())
