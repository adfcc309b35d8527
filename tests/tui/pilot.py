"""Open the review app over a loader and wait for it to load; press keystroke scripts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot

from tests.tui.prepared import (
    AUTOSAVE_DELAY,
    Loader,
    ReviewApp,
    ReviewSession,
    SiteId,
    make_app,
)
from unsafe_audit.tui.widgets.queue import QueueList

SIZE = (100, 30)


@asynccontextmanager
async def opened(
    loader: Loader,
    size: tuple[int, int] = SIZE,
    *,
    site_delay: float = 0,
    autosave_delay: float = AUTOSAVE_DELAY,
    at: SiteId | None = None,
) -> AsyncIterator[tuple[ReviewApp, Pilot[int]]]:
    """The app over ``loader``, loaded; the site pane follows every move at once unless
    ``site_delay`` says otherwise, so a test reads the pane right after a key. An open
    editor's text goes into the draft ``autosave_delay`` seconds after the last key, as in
    ``review``. ``at`` puts the cursor on that site first."""
    app = make_app(loader, site_delay=site_delay, autosave_delay=autosave_delay)
    async with app.run_test(size=size) as pilot:
        session = await loaded(app, pilot)
        if at is not None:
            session.select(at)
            app.query_one(QueueList).sync_cursor()
            app.refresh_site()
            await pilot.pause()
        yield app, pilot


async def loaded(app: ReviewApp, pilot: Pilot[int]) -> ReviewSession:
    """Wait (up to 15 s) until the app has its session."""
    for _ in range(1500):
        if app.loaded is not None:
            break
        await pilot.pause(0.01)
    assert app.loaded is not None, f"the review did not load: {app.last_message}"
    await pilot.pause()
    return app.loaded.session


_KEY = re.compile(r"<([^<>]+)>|(.)", re.DOTALL)


def keys(script: str) -> list[str]:
    """The keys of a keystroke script: each character is a key (``" "`` is space), and
    ``<name>`` is the named key (``<enter>``, ``<escape>``, ``<ctrl+s>``)."""
    return [m.group(1) or m.group(2) for m in _KEY.finditer(script)]


async def burst(app: ReviewApp, pilot: Pilot[int], script: str, *, settle: float = 0.5) -> None:
    """Send every key of ``script`` to the app at once, as a fast typist's terminal would
    (Pilot's ``press`` waits for the app to go idle after each key; this does not), then wait
    until the app has been idle for a while."""
    from textual import events
    from textual.keys import _character_to_key  # the name Pilot gives a typed character

    driver = app._driver
    assert driver is not None
    for key in keys(script):
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        event = events.Key(name, key if len(key) == 1 else None)
        event.set_sender(app)
        driver.send_message(event)
    await pilot.pause(settle)
    await pilot.pause()
