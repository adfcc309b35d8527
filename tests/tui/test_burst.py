"""Keys sent with no pause between them, as from a fast typist or a paste: every one must act,
in order, on what the screen showed after the key before it.

Before, a key was run only after it had gone to the focused widget and bubbled back, and the
next key had by then been delivered to whatever had focus: the second key after opening a site
answered the same row as the first, and text typed right after ``e`` never reached the editor
(so ``ctrl+s`` saved the text as it was). Each test sends a whole script in one go
(:func:`tests.tui.pilot.burst`) and checks the ledger or the draft on disk.
"""

from __future__ import annotations

import asyncio

from tests.tui.pilot import burst, opened
from tests.tui.prepared import SiteId, Verdict, Workspace

BLOCK = SiteId("4547316a557f82f9")
"""The unsafe block in ``pg_cache_key_len``: 14 items, a pattern, a SAFETY comment."""
SAFETY = "the caller promises a NUL-terminated string."


def test_a_burst_answers_every_item_and_signs_off(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), (80, 24), at=BLOCK) as (app, pilot):
            # open, pattern pin, pass 12, fail one, n/a the last, own words, sign off, confirm
            await burst(app, pilot, "<enter>P" + "1" * 12 + "23" + "e Ships.<ctrl+s>sy")
            assert app.last_message.startswith(f"Signed off → .unsafe-audit/ledger/{BLOCK}")

    asyncio.run(run())
    entry = workspace.ledger().entries[BLOCK]
    verdicts = [a.verdict for _, a in entry.answers]
    assert verdicts == [Verdict.PASS] * 12 + [Verdict.FAIL, Verdict.NOT_APPLICABLE]
    assert entry.lifetime_pattern == "pin"
    assert entry.justification == SAFETY + " Ships."


def test_text_typed_at_once_after_e_lands_in_the_editor(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), (80, 24), at=BLOCK) as (app, pilot):
            for _ in range(5):  # open and close the editor in bursts, again and again
                await burst(app, pilot, "e abc<ctrl+s>", settle=0.1)
            session = app.loaded.session if app.loaded else None
            assert session is not None
            assert session.justification(BLOCK) == SAFETY + " abc" * 5

    asyncio.run(run())


def test_a_burst_after_moving_acts_on_the_site_moved_to(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), (80, 24), site_delay=0.2, at=BLOCK) as (
            app,
            pilot,
        ):
            session = app.loaded.session if app.loaded else None
            assert session is not None
            # j moves the queue at once and the pane 0.2 s later; 1 comes before that
            await burst(app, pilot, "j11")
            moved = session.current
            assert moved is not None and moved.id != BLOCK
            draft = session.draft(moved.id)
            answered = [draft.answer(i.id).verdict for i in moved.items]
            assert answered[:2] == [Verdict.PASS, Verdict.PASS]
            assert session.draft(BLOCK).empty

    asyncio.run(run())
