"""Snapshots (pytest-textual-snapshot) of the queue, the site view with its diff, and the help.

Update them with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after a deliberate
change, and look at the SVGs in the report before committing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.tui.pilot import loaded
from tests.tui.prepared import QueueFilter, ReviewApp, Workspace
from unsafe_audit.tui import app as app_module
from unsafe_audit.tui.widgets.site import SiteView

SIZE = (80, 24)


class _PictureApp(ReviewApp):
    """The review app with scrollbars hidden. Where a scrollbar's thumb sits depends on when
    Textual last measured a pane's content height, which varies from run to run by a frame;
    the pictures are about what the panes show."""

    # A relative CSS_PATH resolves against the subclass's file: name the app's stylesheet.
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))
    CSS = "* { scrollbar-size: 0 0; }"


def _app(workspace: Workspace) -> ReviewApp:
    return _PictureApp(workspace.loader(), site_delay=0)


async def _settle(pilot: Pilot[Any]) -> None:
    """Wait until the site pane has stopped scrolling: it scrolls to the site after a refresh,
    and a picture taken before that differs in its scrollbar."""
    site = pilot.app.query_one(SiteView)
    last: tuple[float, int] = (-1.0, -1)
    steady = 0
    for _ in range(60):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.05)
        # Every pictured site shows code, so an empty pane is not settled yet.
        now = (site.scroll_y, site.virtual_size.height)
        steady = steady + 1 if now == last and now[1] > 5 else 0
        if steady >= 3:
            return
        last = now


async def _wait(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, ReviewApp)
    await loaded(app, pilot)
    await _settle(pilot)


def test_queue(snap_compare: Any, workspace: Workspace) -> None:
    assert snap_compare(_app(workspace), terminal_size=SIZE, run_before=_wait)


def test_site_view_with_diff(snap_compare: Any, workspace: Workspace) -> None:
    async def changed_site(pilot: Pilot[Any]) -> None:
        await _wait(pilot)
        app = pilot.app
        assert isinstance(app, ReviewApp) and app.loaded is not None
        session = app.loaded.session
        session.set_filter(QueueFilter(status="changed"))
        app.query_one("#queue").load(session)  # type: ignore[attr-defined]
        app.refresh_site()
        await _settle(pilot)

    assert snap_compare(_app(workspace), terminal_size=SIZE, run_before=changed_site)


def test_help_screen(snap_compare: Any, workspace: Workspace) -> None:
    async def open_help(pilot: Pilot[Any]) -> None:
        await _wait(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)

    assert snap_compare(_app(workspace), terminal_size=SIZE, run_before=open_help)
