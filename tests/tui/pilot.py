"""Helpers to open the review app on a repository and wait for it to load."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot

from unsafe_audit.commands.review import ReviewRequest, make_loader
from unsafe_audit.review import ReviewSession
from unsafe_audit.tui import ReviewApp, make_app

SIZE = (100, 30)


@asynccontextmanager
async def opened(
    request: ReviewRequest, size: tuple[int, int] = SIZE, *, site_delay: float = 0
) -> AsyncIterator[tuple[ReviewApp, Pilot[int]]]:
    """The app over ``request``, loaded; the site pane follows every move at once unless
    ``site_delay`` says otherwise, so a test reads the pane right after a key."""
    app = make_app(make_loader(request), site_delay=site_delay)
    async with app.run_test(size=size) as pilot:
        await loaded(app, pilot)
        yield app, pilot


async def loaded(app: ReviewApp, pilot: Pilot[int]) -> ReviewSession:
    for _ in range(300):
        if app.loaded is not None:
            break
        await pilot.pause(0.05)
    assert app.loaded is not None, f"the review did not load: {app.last_message}"
    await pilot.pause()
    return app.loaded.session
