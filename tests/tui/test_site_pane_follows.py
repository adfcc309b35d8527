"""Moving through the queue redraws the queue at once and the site pane when the keys pause."""

from __future__ import annotations

import asyncio

from tests.tui.pilot import opened
from tests.tui.prepared import Workspace
from unsafe_audit.tui.widgets.checklist import ChecklistPanel
from unsafe_audit.tui.widgets.queue import QueueList


def test_held_key_moves_the_queue_and_the_pane_follows_when_keys_stop(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), site_delay=3600) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            first = session.current
            assert first is not None
            panel = app.query_one(ChecklistPanel)
            assert panel.site_id == first.id
            await pilot.press("j", "j", "j")
            third = session.current
            assert third is not None and third.id != first.id
            queue = app.query_one(QueueList)
            assert queue.rows[queue.cursor_row].index == session.visible[session.cursor]
            assert app.site_pending and panel.site_id == first.id
            await pilot.press("enter")
            assert not app.site_pending and panel.site_id == third.id
            assert app.focused is panel

    asyncio.run(run())


def test_pane_renders_after_the_delay(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), site_delay=0.04) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            await pilot.press("j", "j")
            await pilot.pause(0.2)
            assert session.current is not None
            assert not app.site_pending
            assert app.query_one(ChecklistPanel).site_id == session.current.id

    asyncio.run(run())


def test_a_key_that_acts_on_the_site_shows_it_first_and_acts_on_it(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), site_delay=3600) as (app, pilot):
            await pilot.press("j", "e")
            # e brought the pane up to date and opened the editor on the site moved to: a key
            # is never spent on showing the site (the dropped keys).
            assert not app.site_pending
            assert type(app.screen).__name__ == "JustificationEditor"
            current = app.loaded.session.current if app.loaded else None
            assert current is not None
            assert current.site.label in str(app.screen.query_one("#editor-title").render())

    asyncio.run(run())
