"""NO_COLOR is honoured and the states still read without colour; the mouse selects and answers."""

from __future__ import annotations

import asyncio

import pytest
from textual.color import Color

from tests.tui.pilot import opened
from tests.tui.prepared import ALL, QueueFilter, ReviewApp, Verdict, Workspace
from unsafe_audit.tui.widgets.checklist import ITEM_PREFIX, ChecklistPanel
from unsafe_audit.tui.widgets.queue import MARK, QueueList


def _screen_colours(app: ReviewApp) -> set[tuple[int, int, int]]:
    """Every foreground and background colour on screen after the app's line filters."""
    colours: set[tuple[int, int, int]] = set()
    for strip in app.screen._compositor.render_strips():
        for line_filter in app.get_line_filters():
            strip = strip.apply_filter(line_filter, Color(0, 0, 0))
        for segment in strip:
            style = segment.style
            if style is None:
                continue
            for colour in (style.color, style.bgcolor):
                if colour is not None and colour.triplet is not None:
                    r, g, b = colour.triplet
                    colours.add((r, g, b))
    return colours


def _queue_marks(queue: QueueList) -> dict[str, str]:
    """The state mark of each site row (after the column that shows a bulk mark), by site id."""
    assert queue.session is not None
    marks: dict[str, str] = {}
    for number, row in enumerate(queue.rows):
        if row.index is not None:
            line = queue.render_line(number - queue.scroll_offset.y)
            marks[queue.session.items[row.index].id] = line.text[1]
    return marks


def test_no_color_greys_the_screen_and_marks_still_tell_states_apart(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def run() -> None:
        async with opened(workspace.loader()) as (app, pilot):
            assert app.no_color
            assert app.loaded is not None
            session = app.loaded.session
            items = session.visible_items()
            draft, signed = items[0], items[1]
            session.cycle_answer(draft.id, draft.items[0].id)
            session.set_pattern(signed.id, "borrow")
            for checklist_item in signed.items:
                session.set_answer(signed.id, checklist_item.id, Verdict.PASS)
            session.set_justification(signed.id, "sound: see the SAFETY comment")
            session.sign_off(session.entry_for(signed.id))
            session.set_filter(QueueFilter(status=ALL))
            queue = app.query_one(QueueList)
            queue.load(session)
            app.refresh_site()
            await pilot.pause()
            colours = _screen_colours(app)
            assert colours and all(r == g == b for r, g, b in colours), colours
            marks = _queue_marks(queue)
            assert marks[draft.id] == MARK["draft"]
            assert marks[signed.id] == MARK["signed"]
            assert MARK["todo"] in marks.values()
            assert len(set(MARK.values())) == len(MARK)

    asyncio.run(run())


def test_without_no_color_the_screen_has_colour(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader()) as (app, _pilot):
            assert not app.no_color
            assert any(not r == g == b for r, g, b in _screen_colours(app))

    asyncio.run(run())


def test_clicking_a_queue_row_shows_that_site(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), site_delay=0.04) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            queue = app.query_one(QueueList)
            first = session.current
            assert first is not None
            # the fourth site row on screen
            rows = [n for n, r in enumerate(queue.rows) if r.index is not None]
            target_row = rows[3]
            target = session.items[queue.rows[target_row].index or 0]
            top = queue.content_region.y - queue.region.y
            y = top + target_row - queue.scroll_offset.y
            assert await pilot.click(QueueList, offset=(2, y))
            await pilot.pause(0.2)
            assert session.current == target
            assert queue.cursor_row == target_row
            assert app.query_one(ChecklistPanel).site_id == target.id
            title = app.query_one("#site-title").render()
            assert f"{target.site.path}:{target.site.line}" in str(title)

    asyncio.run(run())


def test_clicking_a_checklist_row_cycles_its_answer(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader()) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            item = session.current
            assert item is not None
            panel = app.query_one(ChecklistPanel)
            first_item = item.items[0]
            index = panel.get_option_index(ITEM_PREFIX + first_item.id)
            # offsets count from the border: add the gutter above the content
            top = panel.content_region.y - panel.region.y
            y = top + _option_line(panel, index) - panel.scroll_offset.y
            for expected in (Verdict.PASS, Verdict.FAIL, Verdict.NOT_APPLICABLE):
                assert await pilot.click(ChecklistPanel, offset=(3, y))
                await pilot.pause()
                assert session.draft(item.id).answer(first_item.id).verdict is expected
            assert app.query_one(ChecklistPanel).site_id == item.id

    asyncio.run(run())


def _option_line(panel: ChecklistPanel, index: int) -> int:
    """The first screen line (in the list's content) of option ``index``."""
    for y, (option_index, _line) in enumerate(panel._lines):
        if option_index == index:
            return y
    raise AssertionError(f"option {index} is not laid out")
