"""Bulk review by keys: marks, a range over review units, ``S`` with a preview of every entry,
``c`` to copy."""

from __future__ import annotations

import asyncio

from tests.tui.pilot import opened
from tests.tui.prepared import Review, ReviewSession, SiteId, SiteKind, Verdict, Workspace
from unsafe_audit.review import ReviewItem
from unsafe_audit.tui.screens.confirm import ConfirmSignOff
from unsafe_audit.units import member_uses


def _blocks_of_one_shape(session: ReviewSession) -> list[ReviewItem]:
    """The first run of three unsafe blocks in a row, in one file, whose members are the same
    pg_sys symbols: the units a reviewer answers once and signs off with a range."""
    shown = session.visible_items()

    def shape(item: ReviewItem) -> tuple[object, ...]:
        return (item.site.kind, item.site.path, tuple(m.name for m in item.members))

    for n in range(len(shown) - 2):
        run = shown[n : n + 3]
        first = run[0]
        if (
            first.site.kind is SiteKind.UNSAFE_BLOCK
            and first.members
            and all(shape(i) == shape(first) for i in run)
        ):
            return list(run)
    raise AssertionError("no three unsafe blocks of one shape in a row in the sample")


def test_a_range_over_units_of_one_shape_is_signed_off_with_one_set_of_answers(
    workspace: Workspace,
) -> None:
    written: set[SiteId] = set()

    async def run() -> None:
        loaded = workspace.load()
        first, *rest = _blocks_of_one_shape(loaded.session)
        async with opened(workspace.loader(), (80, 24), at=first.id) as (app, pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None
            await pilot.press(*"1" * len(first.items), "B")
            if not session.justification(first.id).strip():
                await pilot.press("e", *"sound", "ctrl+s")
            await pilot.press("escape", "v", *"j" * len(rest))
            assert [session.item(s).id for s in app.marked()] == [first.id] + [r.id for r in rest]
            await pilot.press("S")
            assert isinstance(app.screen, ConfirmSignOff)
            # every entry is previewed: one section per unit
            assert len(app.screen.sections) == 1 + len(rest)
            assert all(s.heading.endswith(".yaml") for s in app.screen.sections)
            await pilot.press("y")
            assert app.last_message.startswith(f"Signed off {1 + len(rest)} review units")
            assert app.marked() == []
            written.update([first.id, *(r.id for r in rest)])

    asyncio.run(run())
    entries = workspace.ledger().entries
    assert set(entries) == written
    loaded = workspace.load()
    for site_id in written:
        item = loaded.session.item(site_id)
        assert [k for k, _ in entries[site_id].answers] == [i.id for i in item.items]
        assert {a.verdict for _, a in entries[site_id].answers} == {Verdict.PASS}
        # each unit records its own pg_sys members, as a single sign-off does, so it is
        # signed (not stale) when the review is opened again
        assert entries[site_id].members == member_uses(item.members)
        assert entries[site_id].members
        assert item.review is Review.SIGNED


def test_marks_that_do_not_fit_are_listed_and_left_unsigned(workspace: Workspace) -> None:
    async def run() -> None:
        session0 = workspace.load().session
        attribute = next(
            i for i in session0.visible_items() if i.site.kind is SiteKind.UNSAFE_ATTRIBUTE
        )
        # the unit around a pg_sys static (a static is a member of its block now)
        block = next(
            i
            for i in session0.visible_items()
            if any(m.kind is SiteKind.PG_SYS_STATIC for m in i.members)
        )
        async with opened(workspace.loader(), (80, 24), at=block.id) as (app, pilot):
            session = app.loaded.session if app.loaded else None
            assert session is not None
            await pilot.press(*"1" * len(block.items), "B", "e", *"ok", "ctrl+s", "escape")
            await pilot.press("space")  # mark the block itself
            session.select(attribute.id)
            app.refresh_site()
            await pilot.press("space", "S")
            assert isinstance(app.screen, ConfirmSignOff)
            headings = [s.heading for s in app.screen.sections]
            assert headings[0].startswith("NOT signed: unsafe_attribute")
            assert "unanswered" in app.screen.sections[0].body
            await pilot.press("y")
            assert block.id in session.signed_now
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
