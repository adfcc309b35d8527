"""The review on real git repositories, loaded as ``unsafe-audit review`` loads it.

Two flows need what only the loader of a repository gives: the ledger and the drafts read back
by a new review, and the review lock in the git directory. A third signs off every site into a
real repository's ledger and runs ``check`` over it. Everything else is tested on the review
prepared in memory (see ``conftest.py``).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path

from tests.tui.conftest import git_dir_of, load_review, repo_loader, request_for, run_check
from tests.tui.pilot import opened
from tests.tui.prepared import (
    REVIEWER,
    STAMP,
    Prepared,
    Review,
    ReviewSession,
    SiteId,
    Verdict,
    Workspace,
    read_entry,
)
from unsafe_audit.tui.widgets.checklist import ChecklistPanel

FIRST = SiteId("4547316a557f82f9")  # the unsafe block in pg_cache_key_len, new in v0.3.0


def test_answer_edit_sign_off_quit_and_reopen(pg_cache: Path) -> None:
    moved_to: list[SiteId] = []

    async def first_run() -> None:
        async with opened(repo_loader(pg_cache), at=FIRST) as (app, pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None and session.current is not None
            assert session.current.id == FIRST
            assert session.progress() == (0, 39)
            await pilot.press("k")
            assert session.current.id != FIRST
            await pilot.press("j", "enter")
            assert session.current.id == FIRST
            assert isinstance(app.focused, ChecklistPanel)
            await pilot.press("B")  # lifetime pattern: borrow
            await pilot.press(*["1"] * 13, "3")  # pass, and n/a for the last item
            assert session.problems(FIRST) == []
            await pilot.press("e")
            await pilot.press(*" Checked.")
            await pilot.press("ctrl+s")
            await pilot.press("s")
            await pilot.pause()
            assert "4547316a557f82f9.yaml" in str(app.screen.query_one("#confirm-title").render())
            await pilot.press("y")
            await pilot.pause()
            assert session.progress() == (1, 39)
            assert session.current.id != FIRST  # the queue advanced
            moved_to.append(session.current.id)
            await pilot.press("enter", "space")  # a draft for the next site
            assert session.drafts[moved_to[0]].answers
            await pilot.press("q")

    asyncio.run(first_run())

    entry = read_entry(pg_cache / ".unsafe-audit/ledger" / f"{FIRST}.yaml", "entry")
    assert entry.reviewer == REVIEWER
    assert entry.reviewed_at == STAMP
    assert entry.release == "working tree of v0.3.0"
    assert entry.lifetime_pattern == "borrow"
    assert entry.path == "src/lib.rs"
    assert entry.checklist == "pgrx-ffi@2"
    assert [v.verdict for _, v in entry.answers] == [Verdict.PASS] * 13 + [Verdict.NOT_APPLICABLE]
    assert entry.justification == "the caller promises a NUL-terminated string. Checked."
    drafts = json.loads((git_dir_of(pg_cache) / "unsafe-audit/drafts.json").read_text())
    assert list(drafts["drafts"]) == moved_to
    assert not (git_dir_of(pg_cache) / "unsafe-audit/review.lock").exists()

    async def second_run() -> None:
        async with opened(repo_loader(pg_cache)) as (app, _pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None and session.current is not None
            assert session.current.id == moved_to[0]  # resumed where it stopped
            assert FIRST not in {i.id for i in session.visible_items()}
            assert session.item(session.items[0].id) is not None
            assert {i.id: i.review for i in session.items}[FIRST] is Review.SIGNED
            assert session.progress() == (1, 39)  # the count carries over

    asyncio.run(second_run())


def test_a_second_review_is_read_only_and_a_dead_ones_lock_is_taken_over(pg_cache: Path) -> None:
    first = load_review(request_for(pg_cache))
    lock = git_dir_of(pg_cache) / "unsafe-audit/review.lock"
    # The first review holds the lock under this test's pid; make it another live process.
    lock.write_text(json.dumps({"pid": 1, "host": socket.gethostname()}))

    async def second() -> None:
        async with opened(repo_loader(pg_cache)) as (app, pilot):
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

    # A review that crashed left its lock: a process on this host that is gone holds nothing.
    lock.write_text(json.dumps({"pid": 2**22 + 12345, "host": socket.gethostname()}))
    third = load_review(request_for(pg_cache))
    try:
        assert third.session.read_only is None
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    finally:
        third.close()
    assert not lock.exists()


def _complete(site_id: str, session: ReviewSession) -> None:
    item = session.item(SiteId(site_id))
    session.set_pattern(item.id, "borrow")
    for checklist_item in item.items:
        session.set_answer(item.id, checklist_item.id, Verdict.PASS)
    session.set_justification(item.id, "sound: see the SAFETY comment")


def test_signing_off_every_site_makes_check_pass(
    prepared_pg_cache: Prepared, pg_cache: Path
) -> None:
    # The session is the prepared one (the same items as the loader's, see test_prepared.py),
    # its ledger the repository's, so `check` reads what the review wrote. Drafts stay in
    # memory: a drafts file rewritten after each of the thousand answers is not under test.
    session = Workspace(prepared_pg_cache, pg_cache).load(keep_drafts=False).session
    assert session.progress() == (0, 39)
    while session.current is not None and session.progress()[0] < 39:
        item = session.current
        _complete(item.id, session)
        session.sign_off(session.entry_for(item.id))
    assert session.progress() == (39, 39)
    assert len(list((pg_cache / ".unsafe-audit/ledger").glob("*.yaml"))) == 39
    assert run_check(pg_cache) == 0
