"""Bulk review by keys: marks, a range, ``S`` with a preview of every entry, ``c`` to copy."""

from __future__ import annotations

import asyncio

from tests.tui.pilot import opened
from tests.tui.prepared import ReviewSession, SiteId, SiteKind, Verdict, Workspace
from unsafe_audit.review import ReviewItem
from unsafe_audit.tui.screens.confirm import ConfirmSignOff


def _block_with_calls(session: ReviewSession) -> tuple[ReviewItem, list[ReviewItem]]:
    """The first unsafe block in the queue followed by pg_sys uses inside it."""
    shown = session.visible_items()
    for n, item in enumerate(shown):
        if item.site.kind is not SiteKind.UNSAFE_BLOCK:
            continue
        inside = []
        for other in shown[n + 1 :]:
            span, o = item.site.span, other.site.span
            if other.site.path != item.site.path or not (
                span.start_byte <= o.start_byte and o.end_byte <= span.end_byte
            ):
                break
            inside.append(other)
        if inside:
            return item, inside
    raise AssertionError("no block with pg_sys uses in the sample")


def test_a_range_over_a_block_and_its_calls_is_signed_off_with_one_set_of_answers(
    workspace: Workspace,
) -> None:
    written: set[SiteId] = set()

    async def run() -> None:
        loaded = workspace.load()
        block, calls = _block_with_calls(loaded.session)
        async with opened(workspace.loader(), (80, 24), at=block.id) as (app, pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None
            await pilot.press(*"1" * len(block.items), "B")
            if not session.justification(block.id).strip():
                await pilot.press("e", *"sound", "ctrl+s")
            await pilot.press("escape", "v", *"j" * len(calls))
            assert [session.item(s).id for s in app.marked()] == [block.id] + [c.id for c in calls]
            await pilot.press("S")
            assert isinstance(app.screen, ConfirmSignOff)
            # every entry is previewed: one section per site
            assert len(app.screen.sections) == 1 + len(calls)
            assert all(s.heading.endswith(".yaml") for s in app.screen.sections)
            await pilot.press("y")
            assert app.last_message.startswith(f"Signed off {1 + len(calls)} sites")
            assert app.marked() == []
            written.update([block.id, *(c.id for c in calls)])

    asyncio.run(run())
    entries = workspace.ledger().entries
    assert set(entries) == written
    loaded = workspace.load()
    for site_id in written:
        item = loaded.session.item(site_id)
        assert [k for k, _ in entries[site_id].answers] == [i.id for i in item.items]
        assert {a.verdict for _, a in entries[site_id].answers} == {Verdict.PASS}


def test_marks_that_do_not_fit_are_listed_and_left_unsigned(workspace: Workspace) -> None:
    async def run() -> None:
        session0 = workspace.load().session
        attribute = next(
            i for i in session0.visible_items() if i.site.kind is SiteKind.UNSAFE_ATTRIBUTE
        )
        static = next(i for i in session0.visible_items() if i.site.kind is SiteKind.PG_SYS_STATIC)
        async with opened(workspace.loader(), (80, 24), at=static.id) as (app, pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None
            await pilot.press(*"1" * len(static.items), "B", "e", *"ok", "ctrl+s", "escape")
            await pilot.press("space")  # mark the static itself
            session.select(attribute.id)
            app.refresh_site()
            await pilot.press("space", "S")
            assert isinstance(app.screen, ConfirmSignOff)
            headings = [s.heading for s in app.screen.sections]
            assert headings[0].startswith("NOT signed: unsafe_attribute")
            assert "unanswered" in app.screen.sections[0].body
            await pilot.press("y")
            assert static.id in session.signed_now
            assert attribute.id not in session.signed_now
            assert app.marked() == [attribute.id]

    asyncio.run(run())


def test_c_copies_the_answers_of_the_site_signed_last(workspace: Workspace) -> None:
    async def run() -> None:
        session0 = workspace.load().session
        blocks = [i for i in session0.visible_items() if i.site.kind is SiteKind.UNSAFE_BLOCK]
        first, second = blocks[0], blocks[1]
        async with opened(workspace.loader(), (80, 24), at=first.id) as (app, pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None
            await pilot.press("c")
            assert app.last_message == "no earlier site has answers to copy yet"
            await pilot.press(*"1" * 13, "3", "O")
            if not session.justification(first.id).strip():
                await pilot.press("e", *"fine", "ctrl+s")
            await pilot.press("s", "y")
            session.select(second.id)
            app.refresh_site()
            await pilot.press("c")
            draft = session.draft(second.id)
            assert draft.pattern == "own"
            assert [draft.answer(i.id).verdict for i in second.items] == [Verdict.PASS] * 13 + [
                Verdict.NOT_APPLICABLE
            ]
            assert app.last_message.startswith("copied 14 answers and the pattern from")

    asyncio.run(run())
