"""The review driven with keys through Pilot on the prepared pg_cache review, checked on disk."""

from __future__ import annotations

import asyncio
import json
import tempfile

import pytest

from tests.tui.pilot import opened
from tests.tui.prepared import ReviewSession, SiteId, Verdict, Workspace, read_entry
from unsafe_audit.tui.widgets.queue import QueueList

FIRST = SiteId("4547316a557f82f9")  # the unsafe block in pg_cache_key_len, new in v0.3.0


def test_crash_mid_draft_loses_nothing(workspace: Workspace) -> None:
    async def crashed() -> None:
        async with opened(workspace.loader(), at=FIRST) as (_app, pilot):
            await pilot.press("enter", "B", "1", "2")  # pattern, pass, fail
            await pilot.press("e", *"half written", "ctrl+s")
            # No quit: the drafts file must already hold everything.
            saved = json.loads(workspace.drafts_path.read_text())["drafts"][FIRST]
            assert saved["pattern"] == "borrow"
            assert saved["justification"].endswith("half written")
            assert list(saved["answers"].values())[:2] == [
                {"answer": "pass", "note": ""},
                {"answer": "fail", "note": ""},
            ]
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError):
        asyncio.run(crashed())
    # The next review reads the same drafts file and comes back to the draft. (That a crashed
    # review's lock is taken over is tested on a real repository, in test_end_to_end.py.)
    session = workspace.load().session
    assert session.current is not None and session.current.id == FIRST
    draft = session.draft(session.current.id)
    assert draft.pattern == "borrow"
    assert session.justification(FIRST).endswith("half written")
    assert session.problems(FIRST)[0].startswith("12 item(s) unanswered")


def _complete(site_id: str, app_session: ReviewSession) -> None:
    item = app_session.item(SiteId(site_id))
    app_session.set_pattern(item.id, "borrow")
    for checklist_item in item.items:
        app_session.set_answer(item.id, checklist_item.id, Verdict.PASS)
    app_session.set_justification(item.id, "sound: see the SAFETY comment")


def test_read_only_ledger_keeps_the_draft(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            _complete(FIRST, session)
            monkeypatch.setattr(tempfile, "mkstemp", refuse)
            await pilot.press("s", "y")
            await pilot.pause()
            assert "read-only" in app.last_message
            assert "answers kept as a draft" in app.last_message
            assert FIRST in session.drafts
            assert session.progress() == (0, 39)

    asyncio.run(run())
    assert not (workspace.ledger_dir / f"{FIRST}.yaml").exists()
    drafts = json.loads(workspace.drafts_path.read_text())
    assert FIRST in drafts["drafts"]


def test_ledger_written_by_another_process_is_not_overwritten(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            _complete(FIRST, session)
            # Meanwhile another review signs off the same site.
            other = workspace.load(reviewer="Otto <otto@example.com>", keep_drafts=False)
            _complete(FIRST, other.session)
            other.session.sign_off(other.session.entry_for(FIRST))
            await pilot.press("s", "y")
            await pilot.pause()
            assert "written by another process" in app.last_message
            assert FIRST in session.drafts

    asyncio.run(run())
    entry = read_entry(workspace.ledger_dir / f"{FIRST}.yaml", "entry")
    assert entry.reviewer == "Otto <otto@example.com>"


def test_incomplete_sign_off_says_what_is_missing(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST) as (app, pilot):
            await pilot.press("s")
            assert "Not ready to sign off" in app.last_message
            assert "14 item(s) unanswered" in app.last_message
            assert "no lifetime pattern" in app.last_message
            assert len(app.screen_stack) == 1  # no confirmation opened

    asyncio.run(run())


def test_navigation_filter_search_and_help(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            await pilot.press("n", "n")
            third = session.current
            await pilot.press("p")
            await pilot.press("b")
            assert session.current == third
            await pilot.press("slash", *"palloc", "enter")
            assert session.visible_items()
            assert all(
                "palloc" in i.site.pg_sys_calls
                or i.site.name == "palloc"
                or "palloc" in i.site.item
                for i in session.visible_items()
            )
            await pilot.press("question_mark")
            assert type(app.screen).__name__ == "HelpScreen"
            await pilot.press("escape")
            await pilot.press("f")
            assert type(app.screen).__name__ == "FilterScreen"
            await pilot.press("escape")
            queue = app.query_one(QueueList)
            assert len(queue.rows) > len(session.visible)  # headers among the sites

    asyncio.run(run())
