"""The editors' text is in the drafts file as it is typed, before any ctrl+s or enter.

Each test types into the justification editor (``e``) or an item's note editor (``enter`` on
the item) over the prepared pg_cache review, waits past the autosave delay, and reads the
drafts file from disk while the editor is still open. Escape puts back what the draft held when
the editor opened; ctrl+s and enter save as before.

The first test waits out the app's own delay (``AUTOSAVE_DELAY``); the others open the app with a
delay of :data:`SHORT` seconds, as ``make_app(autosave_delay=...)`` allows, since what they show
does not depend on how long the pause is (waiting 0.8 s a dozen times was half of this file).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from tests.tui.pilot import opened
from tests.tui.prepared import AUTOSAVE_DELAY, ReviewApp, SiteId, Workspace
from unsafe_audit.tui.screens.editor import JustificationEditor, LineEditor

FIRST = SiteId("4547316a557f82f9")
"""The first site in the queue: the unsafe block in ``pg_cache_key_len``, new in v0.3.0."""
FIRST_SAFETY = "the caller promises a NUL-terminated string."
"""Its SAFETY comment, which the justification editor opens with."""
PAST_REAL_DELAY = AUTOSAVE_DELAY + 0.4
"""Long enough after the last key for the text to be in the drafts file, with the app's delay."""
SHORT = 0.05
"""The autosave delay of every test but the first."""
PAST_DELAY = SHORT + 0.15
"""Long enough after the last key for the text to be in the drafts file, with :data:`SHORT`."""
NEVER = 3600.0
"""An autosave delay no test waits for: what is on disk was put there by something else."""


def _on_disk(workspace: Workspace) -> dict[str, Any]:
    """The drafts in the drafts file now, by site id ({} without a file)."""
    if not workspace.drafts_path.exists():
        return {}
    drafts: dict[str, Any] = json.loads(workspace.drafts_path.read_text())["drafts"]
    return drafts


async def _type(pilot: Pilot[int], text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])


async def _open_justification(app: ReviewApp, pilot: Pilot[int]) -> None:
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, JustificationEditor)


async def _open_first_note(app: ReviewApp, pilot: Pilot[int]) -> None:
    """Open the site (the checklist starts on its first item, ctx-owner) and press enter."""
    await pilot.press("enter", "enter")
    await pilot.pause()
    assert isinstance(app.screen, LineEditor)


def test_typed_justification_is_on_disk_while_the_editor_is_open(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST) as (app, pilot):
            await _open_justification(app, pilot)
            await _type(pilot, " Checked by hand")
            await pilot.pause(PAST_REAL_DELAY)
            assert isinstance(app.screen, JustificationEditor)  # still open, nothing saved
            assert _on_disk(workspace)[FIRST]["justification"] == (
                FIRST_SAFETY + " Checked by hand"
            )
            await pilot.press("enter", *"line two")
            await pilot.pause(PAST_REAL_DELAY)
            assert _on_disk(workspace)[FIRST]["justification"] == (
                FIRST_SAFETY + " Checked by hand\nline two"
            )

    asyncio.run(run())


def test_the_draft_waits_for_a_pause_in_the_typing(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST, autosave_delay=NEVER) as (app, pilot):
            await _open_justification(app, pilot)
            await _type(pilot, " x")
            await pilot.pause(PAST_DELAY)
            assert _on_disk(workspace) == {}  # not written on every key

    asyncio.run(run())


def test_escape_puts_back_the_text_the_editor_opened_with(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST, autosave_delay=SHORT) as (app, pilot):
            await _open_justification(app, pilot)
            await _type(pilot, " typed")
            await pilot.pause(PAST_DELAY)
            assert _on_disk(workspace)[FIRST]["justification"] == FIRST_SAFETY + " typed"
            await pilot.press("escape")
            await pilot.pause(PAST_DELAY)  # no late write brings the typed text back
            assert not isinstance(app.screen, JustificationEditor)
            # The justification was untouched when the editor opened: untouched again.
            assert _on_disk(workspace) == {}
            assert app.session is not None
            assert app.session.justification(FIRST) == FIRST_SAFETY
            # A justification saved before is what escape goes back to.
            await _open_justification(app, pilot)
            await _type(pilot, " mine")
            await pilot.press("ctrl+s")
            await _open_justification(app, pilot)
            await _type(pilot, " and more")
            await pilot.pause(PAST_DELAY)
            assert _on_disk(workspace)[FIRST]["justification"] == (FIRST_SAFETY + " mine and more")
            await pilot.press("escape")
            await pilot.pause()
            assert _on_disk(workspace)[FIRST]["justification"] == FIRST_SAFETY + " mine"

    asyncio.run(run())


def test_ctrl_s_saves_and_closes_at_once(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST, autosave_delay=NEVER) as (app, pilot):
            await _open_justification(app, pilot)
            await _type(pilot, " saved")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not isinstance(app.screen, JustificationEditor)
            assert _on_disk(workspace)[FIRST]["justification"] == FIRST_SAFETY + " saved"

    asyncio.run(run())


def test_typed_note_is_on_disk_and_escape_takes_it_back(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST, autosave_delay=SHORT) as (app, pilot):
            await _open_first_note(app, pilot)
            await _type(pilot, "only a borrow")
            await pilot.pause(PAST_DELAY)
            assert isinstance(app.screen, LineEditor)
            assert _on_disk(workspace)[FIRST]["answers"] == {
                "ctx-owner": {"answer": None, "note": "only a borrow"}
            }
            await pilot.press("escape")
            await pilot.pause()
            assert _on_disk(workspace) == {}
            # Answered, then a note typed and saved with enter: the answer stays.
            await pilot.press("1", "up", "enter")
            await _type(pilot, "checked")
            await pilot.pause(PAST_DELAY)
            assert _on_disk(workspace)[FIRST]["answers"] == {
                "ctx-owner": {"answer": "pass", "note": "checked"}
            }
            await pilot.press("enter")
            await pilot.pause()
            assert not isinstance(app.screen, LineEditor)
            assert _on_disk(workspace)[FIRST]["answers"] == {
                "ctx-owner": {"answer": "pass", "note": "checked"}
            }

    asyncio.run(run())


def test_the_search_line_writes_no_draft(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST, autosave_delay=0) as (app, pilot):
            await pilot.press("slash", *"pg_cache")
            await pilot.pause(PAST_DELAY)
            assert isinstance(app.screen, LineEditor)
            assert _on_disk(workspace) == {}

    asyncio.run(run())


def test_losing_focus_writes_at_once(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST, autosave_delay=NEVER) as (app, pilot):
            await _open_justification(app, pilot)
            await _type(pilot, " before blur")
            assert _on_disk(workspace) == {}
            app.post_message(events.AppBlur())  # the terminal window lost focus
            await pilot.pause()
            assert _on_disk(workspace)[FIRST]["justification"] == FIRST_SAFETY + " before blur"

    asyncio.run(run())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_hang_up_writes_the_text_and_exits(workspace: Workspace, signum: int) -> None:
    async def run() -> ReviewApp:
        async with opened(workspace.loader(), at=FIRST, autosave_delay=NEVER) as (app, pilot):
            await _open_justification(app, pilot)
            await _type(pilot, " then the terminal closed")
            assert _on_disk(workspace) == {}
            # The app's handler is on the loop (else this would end the test run).
            assert signal.getsignal(signum) not in (signal.SIG_DFL, signal.SIG_IGN)
            os.kill(os.getpid(), signum)
            for _ in range(500):
                if not app.is_running:
                    break
                await pilot.pause(0.01)
            return app

    app = asyncio.run(run())
    assert app.return_value == 128 + signum
    assert _on_disk(workspace)[FIRST]["justification"] == (
        FIRST_SAFETY + " then the terminal closed"
    )
    assert signal.getsignal(signum) == signal.SIG_DFL  # given back when the app ended


def test_a_crash_mid_typing_resumes_with_the_typed_text(workspace: Workspace) -> None:
    async def crashed() -> None:
        async with opened(workspace.loader(), at=FIRST, autosave_delay=SHORT) as (app, pilot):
            await _open_justification(app, pilot)
            await _type(pilot, " half a thought")
            await pilot.pause(PAST_DELAY)
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError):
        asyncio.run(crashed())

    async def reopened() -> None:
        async with opened(workspace.loader()) as (app, pilot):
            assert app.session is not None and app.session.current is not None
            assert app.session.current.id == FIRST
            await _open_justification(app, pilot)
            area = app.screen.query_one(TextArea)
            assert area.text == FIRST_SAFETY + " half a thought"

    asyncio.run(reopened())


def test_a_note_typed_before_a_crash_is_in_the_note_editor_next_time(
    workspace: Workspace,
) -> None:
    async def crashed() -> None:
        async with opened(workspace.loader(), at=FIRST, autosave_delay=SHORT) as (app, pilot):
            await _open_first_note(app, pilot)
            await _type(pilot, "owner is the caller")
            await pilot.pause(PAST_DELAY)
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError):
        asyncio.run(crashed())

    async def reopened() -> None:
        async with opened(workspace.loader()) as (app, pilot):
            await _open_first_note(app, pilot)
            assert app.screen.query_one(Input).value == "owner is the caller"

    asyncio.run(reopened())
