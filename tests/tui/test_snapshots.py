"""Snapshots (pytest-textual-snapshot) of the queue, the site view with its diff, and the help.

Update them with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after a deliberate
change, and look at the SVGs in the report before committing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.tui.conftest import request_for
from tests.tui.pilot import loaded
from unsafe_audit.commands.review import make_loader
from unsafe_audit.review import QueueFilter
from unsafe_audit.tui import ReviewApp, make_app

SIZE = (80, 24)


def _app(repo: Path) -> ReviewApp:
    return make_app(make_loader(request_for(repo)))


async def _wait(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, ReviewApp)
    await loaded(app, pilot)
    # The site pane scrolls to the site after a refresh: let that settle before the picture.
    for _ in range(3):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.05)


def test_queue(snap_compare: Any, pg_cache: Path) -> None:
    assert snap_compare(_app(pg_cache), terminal_size=SIZE, run_before=_wait)


def test_site_view_with_diff(snap_compare: Any, pg_cache: Path) -> None:
    async def changed_site(pilot: Pilot[Any]) -> None:
        await _wait(pilot)
        app = pilot.app
        assert isinstance(app, ReviewApp) and app.loaded is not None
        session = app.loaded.session
        session.set_filter(QueueFilter(status="changed"))
        app.query_one("#queue").load(session)  # type: ignore[attr-defined]
        app.refresh_site()
        for _ in range(3):
            await pilot.pause(0.05)

    assert snap_compare(_app(pg_cache), terminal_size=SIZE, run_before=changed_site)


def test_help_screen(snap_compare: Any, pg_cache: Path) -> None:
    assert snap_compare(
        _app(pg_cache), terminal_size=SIZE, run_before=_wait, press=["question_mark"]
    )
