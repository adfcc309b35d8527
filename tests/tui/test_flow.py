"""The review driven with keys through Pilot on real git repositories, checked on disk."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import pytest

from tests.gitrepo import git_dir_of
from tests.tui.conftest import REVIEWER, STAMP, request_for
from tests.tui.pilot import opened
from unsafe_audit.commands.review import load_review
from unsafe_audit.ledger.entry import Verdict
from unsafe_audit.ledger.store import read_entry
from unsafe_audit.model import SiteId
from unsafe_audit.review import ReviewSession
from unsafe_audit.review_state import Review
from unsafe_audit.tui.widgets.checklist import ChecklistPanel
from unsafe_audit.tui.widgets.queue import QueueList

FIRST = SiteId("4547316a557f82f9")  # the unsafe block in pg_cache_key_len, new in v0.3.0
SECOND = SiteId("a8af93467ae4906b")  # the #[unsafe(export_name)] attribute on the same fn


def test_answer_edit_sign_off_quit_and_reopen(pg_cache: Path) -> None:
    async def first_run() -> None:
        async with opened(request_for(pg_cache)) as (app, pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None and session.current is not None
            assert session.current.id == FIRST
            assert session.progress() == (0, 65)
            await pilot.press("j")
            assert session.current.id == SECOND
            await pilot.press("k", "enter")
            assert isinstance(app.focused, ChecklistPanel)
            await pilot.press("1")  # lifetime pattern: borrow
            await pilot.press(*["1"] * 13, "3")  # pass, and n/a for the last item
            assert session.problems(FIRST) == []
            await pilot.press("e")
            await pilot.press(*" Checked: the key is only read.")
            await pilot.press("ctrl+s")
            await pilot.press("s")
            await pilot.pause()
            assert "4547316a557f82f9.yaml" in str(app.screen.query_one("#confirm-title").render())
            await pilot.press("y")
            await pilot.pause()
            assert session.progress() == (1, 65)
            assert session.current.id == SECOND  # the queue advanced
            await pilot.press("enter", "space")  # a draft for the second site
            assert session.drafts[SECOND].answers
            await pilot.press("q")

    asyncio.run(first_run())

    entry = read_entry(pg_cache / ".unsafe-audit/ledger" / f"{FIRST}.yaml", "entry")
    assert entry.reviewer == REVIEWER
    assert entry.reviewed_at == STAMP
    assert entry.release == "working tree of v0.3.0"
    assert entry.lifetime_pattern == "borrow"
    assert entry.path == "src/lib.rs"
    assert entry.checklist == "pgrx-ffi@1"
    assert [v.verdict for _, v in entry.answers] == [Verdict.PASS] * 13 + [Verdict.NOT_APPLICABLE]
    assert entry.justification == (
        "the caller promises a NUL-terminated string. Checked: the key is only read."
    )
    drafts = json.loads((git_dir_of(pg_cache) / "unsafe-audit/drafts.json").read_text())
    assert list(drafts["drafts"]) == [SECOND]
    assert not (git_dir_of(pg_cache) / "unsafe-audit/review.lock").exists()

    async def second_run() -> None:
        async with opened(request_for(pg_cache)) as (app, _pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None and session.current is not None
            assert session.current.id == SECOND  # resumed where it stopped
            assert SECOND in session.drafts
            assert FIRST not in {i.id for i in session.visible_items()}
            assert session.item(session.items[0].id) is not None
            assert {i.id: i.review for i in session.items}[FIRST] is Review.SIGNED

    asyncio.run(second_run())


def test_crash_mid_draft_loses_nothing(pg_cache: Path) -> None:
    async def crashed() -> None:
        async with opened(request_for(pg_cache)) as (_app, pilot):
            await pilot.press("enter", "1", "1", "2")  # pattern, pass, fail
            await pilot.press("e", *"half written", "ctrl+s")
            # No quit: the drafts file must already hold everything.
            text = (git_dir_of(pg_cache) / "unsafe-audit/drafts.json").read_text()
            saved = json.loads(text)["drafts"][FIRST]
            assert saved["pattern"] == "borrow"
            assert saved["justification"].endswith("half written")
            assert list(saved["answers"].values())[:2] == [
                {"answer": "pass", "note": ""},
                {"answer": "fail", "note": ""},
            ]
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError):
        asyncio.run(crashed())
    # The lock of a crashed process on this host is taken over; the draft comes back.
    (git_dir_of(pg_cache) / "unsafe-audit/review.lock").write_text(
        json.dumps({"pid": 2**22 + 12345, "host": __import__("socket").gethostname()})
    )
    loaded = load_review(request_for(pg_cache))
    try:
        session = loaded.session
        assert session.read_only is None
        assert session.current is not None and session.current.id == FIRST
        draft = session.draft(session.current.id)
        assert draft.pattern == "borrow"
        assert session.justification(FIRST).endswith("half written")
        assert session.problems(FIRST)[0].startswith("12 item(s) unanswered")
    finally:
        loaded.close()


def test_a_second_review_is_read_only(pg_cache: Path) -> None:
    first = load_review(request_for(pg_cache))
    lock = git_dir_of(pg_cache) / "unsafe-audit/review.lock"
    # The first review holds the lock under this test's pid; make it another live process.
    lock.write_text(json.dumps({"pid": 1, "host": __import__("socket").gethostname()}))

    async def second() -> None:
        async with opened(request_for(pg_cache)) as (app, pilot):
            banner = str(app.query_one("#banner").render())
            assert "READ-ONLY" in banner and "pid 1" in banner
            await pilot.press("enter", "space", "s")
            assert app.loaded is not None and app.loaded.session.drafts == {}
            assert "read-only" in app.last_message

    try:
        asyncio.run(second())
        assert lock.exists()  # the read-only review did not take or remove the lock
        assert not (git_dir_of(pg_cache) / "unsafe-audit/drafts.json").exists()
    finally:
        first.close()


def _complete(site_id: str, app_session: ReviewSession) -> None:
    item = app_session.item(SiteId(site_id))
    app_session.set_pattern(item.id, "borrow")
    for checklist_item in item.items:
        app_session.set_answer(item.id, checklist_item.id, Verdict.PASS)
    app_session.set_justification(item.id, "sound: see the SAFETY comment")


def test_read_only_ledger_keeps_the_draft(pg_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    async def run() -> None:
        async with opened(request_for(pg_cache)) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            _complete(FIRST, session)
            monkeypatch.setattr(tempfile, "mkstemp", refuse)
            await pilot.press("s", "y")
            await pilot.pause()
            assert "read-only" in app.last_message
            assert "answers kept as a draft" in app.last_message
            assert FIRST in session.drafts
            assert session.progress() == (0, 65)

    asyncio.run(run())
    assert not (pg_cache / ".unsafe-audit/ledger" / f"{FIRST}.yaml").exists()
    drafts = json.loads((git_dir_of(pg_cache) / "unsafe-audit/drafts.json").read_text())
    assert FIRST in drafts["drafts"]


def test_ledger_written_by_another_process_is_not_overwritten(pg_cache: Path) -> None:
    async def run() -> None:
        async with opened(request_for(pg_cache)) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            _complete(FIRST, session)
            # Meanwhile another review signs off the same site.
            other = load_review(request_for(pg_cache, reviewer="Otto <otto@example.com>"))
            _complete(FIRST, other.session)
            other.session.sign_off(other.session.entry_for(FIRST))
            await pilot.press("s", "y")
            await pilot.pause()
            assert "written by another process" in app.last_message
            assert FIRST in session.drafts

    asyncio.run(run())
    entry = read_entry(pg_cache / ".unsafe-audit/ledger" / f"{FIRST}.yaml", "entry")
    assert entry.reviewer == "Otto <otto@example.com>"


def test_incomplete_sign_off_says_what_is_missing(pg_cache: Path) -> None:
    async def run() -> None:
        async with opened(request_for(pg_cache)) as (app, pilot):
            await pilot.press("s")
            assert "Not ready to sign off" in app.last_message
            assert "14 item(s) unanswered" in app.last_message
            assert "no lifetime pattern" in app.last_message
            assert len(app.screen_stack) == 1  # no confirmation opened

    asyncio.run(run())


def test_navigation_filter_search_and_help(pg_cache: Path) -> None:
    async def run() -> None:
        async with opened(request_for(pg_cache)) as (app, pilot):
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


def test_signing_off_every_site_makes_check_pass(pg_cache: Path) -> None:
    import argparse

    from unsafe_audit.commands import check as check_command

    loaded = load_review(request_for(pg_cache))
    try:
        session = loaded.session
        assert session.progress() == (0, 65)
        while session.current is not None and session.progress()[0] < 65:
            item = session.current
            _complete(item.id, session)
            session.sign_off(session.entry_for(item.id))
        assert session.progress() == (65, 65)
    finally:
        loaded.close()
    parser = argparse.ArgumentParser()
    check_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["check", str(pg_cache)])
    assert check_command.run(args) == 0
