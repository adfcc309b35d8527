"""The review screen at 80x24, as a reviewer on a plain terminal sees it: panes reached and
scrolled by keyboard, code and diffs shown whole, a footer and a help that fit, a header and a
progress count that stay put. Each test reads what is on the screen (or in the widgets that
make it), on the prepared pg_cache review."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console
from textual.widgets import Static

from tests.tui.pilot import opened
from tests.tui.prepared import PG_CACHE_TITLE, QueueFilter, SiteId, Verdict, Workspace
from unsafe_audit.tui.screens.confirm import ConfirmSignOff
from unsafe_audit.tui.screens.help import HelpScreen
from unsafe_audit.tui.widgets.checklist import ChecklistPanel
from unsafe_audit.tui.widgets.header import ReviewHeader
from unsafe_audit.tui.widgets.keybar import KEYS, KeyBar, key_line
from unsafe_audit.tui.widgets.queue import QueueList
from unsafe_audit.tui.widgets.site import SiteView

SMALL = (80, 24)
BLOCK = SiteId("4547316a557f82f9")
"""The unsafe block in ``pg_cache_key_len`` (14 items and a pattern)."""


def _plain(renderable: object, width: int) -> str:
    """``renderable`` as plain text ``width`` cells wide."""
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_tab_cycles_the_three_panes_and_the_site_pane_scrolls_by_keyboard(
    workspace: Workspace,
) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), SMALL, at=BLOCK) as (app, pilot):
            order = []
            for _ in range(3):
                order.append(type(app.focused))
                await pilot.press("tab")
            assert order == [QueueList, SiteView, ChecklistPanel]
            assert isinstance(app.focused, QueueList)
            site = app.query_one(SiteView)
            for _ in range(40):  # the pane lays out after a short timer; on a busy machine later
                if site.max_scroll_y > 0:
                    break
                await pilot.pause(0.05)
            assert site.max_scroll_y > 0  # more than fits: it must scroll
            await pilot.press("J")  # from the queue
            top = site.scroll_y
            await pilot.press("K", "K", "K")
            assert site.scroll_y < top or top == 0
            await pilot.press("tab")
            assert isinstance(app.focused, SiteView)
            await pilot.press("home", "pagedown")
            assert site.scroll_y > 0
            await pilot.press("end")
            await pilot.pause()
            assert site.scroll_y == site.max_scroll_y
            await pilot.press("escape")
            assert isinstance(app.focused, QueueList)

    asyncio.run(run())


def test_code_wraps_instead_of_being_cut(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), SMALL, at=BLOCK) as (app, _pilot):
            site = app.query_one(SiteView)
            width = site.scrollable_content_region.width
            assert width < 60
            code = app.query_one("#site-code", Static)
            shown = _plain(code.content, width)
            item = app.loaded.session.item(BLOCK) if app.loaded else None
            assert item is not None and item.code is not None
            # every token of every line of the view is on screen, however long the line
            flat = "".join(shown.split())
            for line in item.code.text.splitlines():
                for word in line.split():
                    assert word in flat

    asyncio.run(run())


def test_a_changed_sites_diff_is_shown_whole(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), SMALL) as (app, pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None
            session.set_filter(QueueFilter(status="changed"))
            app.query_one(QueueList).load(session)
            app.refresh_site()
            await pilot.pause()
            item = session.current
            assert item is not None and item.before is not None
            diff = app.query_one("#site-diff", Static)
            assert diff.display
            shown = "".join(_plain(diff.content, 46).split())
            for line in item.diff_lines():
                assert "".join(line.split()) in shown

    asyncio.run(run())


def test_the_footer_fits_80_columns_with_the_answer_keys() -> None:
    for pane in KEYS:
        assert key_line(pane, 80).cell_len <= 80
    checklist = key_line("checklist", 80).plain
    for key in ("1 pass", "2 fail", "3 n/a", "s sign off"):
        assert key in checklist
    assert "1/2/3 answer" in key_line("queue", 80).plain


def test_the_footer_follows_the_focused_pane(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), SMALL, at=BLOCK) as (app, pilot):
            bar = app.query_one(KeyBar)
            assert bar.pane == "queue"
            await pilot.press("enter")
            assert bar.pane == "checklist"
            await pilot.press("shift+tab")
            assert bar.pane == "site"

    asyncio.run(run())


def test_help_fits_scrolls_says_how_to_close_and_has_the_legend(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), SMALL) as (app, pilot):
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            first = app.screen.query_one("#help-close", Static)
            assert "escape, q or ? closes this help" in str(first.content)
            box = app.screen.query_one("#help-box")
            assert box.region.width <= 80 and box.region.height <= 24
            legend = _plain(app.screen.query_one("#help-legend", Static).content, 76)
            for mark in ("○", "◐", "✓", "✗", "+", "pgcall", "pg_sys_call", "uexter"):
                assert mark in legend
            keys = _plain(app.screen.query_one("#help-keys", Static).content, 76)
            words = " ".join(keys.split())
            assert "escape cancels" not in words
            assert "escape puts back the text" in words
            await pilot.press("pagedown")
            assert box.scroll_y > 0
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

    asyncio.run(run())


def test_the_sign_off_preview_scrolls_to_the_justification(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), SMALL, at=BLOCK) as (app, pilot):
            await pilot.press("B", *"1" * 14, "s")
            assert isinstance(app.screen, ConfirmSignOff)
            scroller = app.screen.query_one("#confirm-yaml")
            assert scroller.max_scroll_y > 0
            await pilot.press("end")
            assert scroller.scroll_y == scroller.max_scroll_y
            await pilot.press("home", "j", "j")
            assert scroller.scroll_y == 2
            await pilot.press("n")
            assert not isinstance(app.screen, ConfirmSignOff)

    asyncio.run(run())


def test_one_meaning_per_digit_and_letters_for_the_pattern(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), SMALL, at=BLOCK) as (app, pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None
            await pilot.press("3")  # from the queue: opens the checklist, answers its 1st item
            draft = session.draft(BLOCK)
            assert draft.answer("ctx-owner").verdict is Verdict.NOT_APPLICABLE
            assert draft.pattern is None
            await pilot.press("P")
            assert session.draft(BLOCK).pattern == "pin"
            await pilot.press("O")
            assert session.draft(BLOCK).pattern == "own"
            assert session.draft(BLOCK).answer("no-stored-borrow").verdict is None

    asyncio.run(run())


def test_the_header_keeps_the_revisions_and_the_count_survives_a_reopen(
    workspace: Workspace,
) -> None:
    async def sign_one() -> None:
        async with opened(workspace.loader(), SMALL, at=BLOCK) as (app, pilot):
            header = app.query_one(ReviewHeader)
            line = header.line(78)
            assert "working tree of v0.3.0" in line
            assert line.rstrip().endswith("0/39 signed")
            await pilot.press("B", *"1" * 14, "s", "y")
            assert header.line(78).rstrip().endswith("1/39 signed")
            # a long repository name gives way from the left, never the revisions
            header.show(title="a-very-long-repository-name-indeed: " + PG_CACHE_TITLE)
            assert header.line(60).startswith("…")
            assert "v0.2.1 → working tree of v0.3.0" in header.line(60)

    async def reopen() -> None:
        async with opened(workspace.loader(), SMALL) as (app, _pilot):
            assert app.query_one(ReviewHeader).line(78).rstrip().endswith("1/39 signed")

    asyncio.run(sign_one())
    asyncio.run(reopen())


def test_the_queue_is_in_line_order_within_a_file(workspace: Workspace) -> None:
    session = workspace.load().session
    for group_file in {(i.group, i.site.path) for i in session.items}:
        lines = [i.site.line for i in session.items if (i.group, i.site.path) == group_file]
        assert lines == sorted(lines)
