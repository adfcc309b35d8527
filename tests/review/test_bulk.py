"""Marks, bulk sign-off, copying answers and seeding from an enclosing site, without any UI."""

from __future__ import annotations

from pathlib import Path

import pytest

from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.entry import Answer, Entry, Verdict
from unsafe_audit.model import Site, SiteId, SiteKind, Span
from unsafe_audit.review import (
    Marks,
    ReviewError,
    ReviewSession,
    SignOffIdentity,
    build_items,
    bulk,
)
from unsafe_audit.review_state import Review, SiteReview
from unsafe_audit.units import group_units, member_uses

CHECKLIST = default_checklist()
IDENTITY = SignOffIdentity("R <r@example.com>", "v1", "pgrx-ffi@1", "unsafe-audit 0", lambda: "T")


def _site(
    n: int,
    kind: SiteKind,
    start: int,
    end: int,
    parent: int | None = None,
    safety: str | None = None,
) -> Site:
    return Site(
        id=SiteId(f"{n:016x}"),
        kind=kind,
        path="src/lib.rs",
        span=Span(line=start, column=1, end_line=end, start_byte=start * 10, end_byte=end * 10),
        item=f"m::f{n}",
        token_hash=f"t{n}",
        parent=SiteId(f"{parent:016x}") if parent is not None else None,
        safety_comment=safety,
    )


FN = _site(1, SiteKind.UNSAFE_FN, 10, 30)
BLOCK = _site(2, SiteKind.UNSAFE_BLOCK, 12, 20, parent=1)
CALL = _site(3, SiteKind.PG_SYS_CALL, 13, 13, parent=2)
STATIC = _site(4, SiteKind.PG_SYS_STATIC, 14, 14, parent=2)
ATTR = _site(5, SiteKind.UNSAFE_ATTRIBUTE, 9, 9, safety="exported under this name")
SITES = (FN, BLOCK, CALL, STATIC, ATTR)


class Store:
    def __init__(self) -> None:
        self.written: list[Entry] = []
        self.fail_after: int | None = None

    def write(self, entry: Entry) -> Path:
        if self.fail_after is not None and len(self.written) >= self.fail_after:
            raise LedgerError("the ledger is read-only")
        self.written.append(entry)
        return Path(f"{entry.site}.yaml")

    def where(self, site_id: SiteId) -> str:
        return f"{site_id}.yaml"


def _session(
    store: Store | None = None, signed: dict[SiteId, Entry] | None = None
) -> ReviewSession:
    reviews = []
    for site in SITES:
        entry = (signed or {}).get(site.id)
        review = Review.SIGNED if entry is not None else Review.MISSING
        reviews.append(SiteReview(SiteDelta(Status.NEW, site, None), review, entry, "", True))
    items = build_items(reviews, CHECKLIST)
    return ReviewSession(items, CHECKLIST, IDENTITY, store or Store())


def _answer_all(session: ReviewSession, site: Site, pattern: str | None = "borrow") -> None:
    for item in session.item(site.id).items:
        session.set_answer(site.id, item.id, Verdict.PASS)
    if session.item(site.id).pattern_applies:
        session.set_pattern(site.id, pattern)


def test_queue_is_in_line_order_with_the_enclosing_site_first() -> None:
    session = _session()
    assert [i.id for i in session.items] == [ATTR.id, FN.id, BLOCK.id, CALL.id, STATIC.id]


def test_space_marks_one_and_a_range_grows_with_the_cursor_until_closed() -> None:
    marks = Marks()
    shown = [SiteId(c) for c in "abcde"]
    assert marks.toggle(shown[0]) is True
    assert marks.toggle_range(shown, 1) is True  # open at b
    assert marks.marked(shown, shown, 3) == shown[:4]  # cursor moved to d
    assert marks.is_marked(shown[2], 2, marks.bounds(shown, 3))
    assert not marks.is_marked(shown[4], 4, marks.bounds(shown, 3))
    assert marks.toggle_range(shown, 2) is False  # closed at c: a, b, c stay marked
    assert marks.marked(shown, shown, 4) == shown[:3]
    assert marks.toggle(shown[1]) is False
    assert marks.marked(shown, shown, 4) == [shown[0], shown[2]]
    marks.clear()
    assert not marks


def test_bulk_sign_off_leaves_out_items_that_do_not_apply_and_refuses_what_does_not_fit() -> None:
    store = Store()
    session = _session(store)
    _answer_all(session, BLOCK)
    session.set_justification(BLOCK.id, "the block and the calls in it are sound")
    template = bulk.template_of(session, BLOCK.id)
    plan = bulk.plan(session, template, [ATTR.id, BLOCK.id, CALL.id, STATIC.id])
    # The attribute needs pg-guard, which a block never answers.
    assert [r.site for r in plan.refused] == [ATTR.id]
    assert plan.refused[0].reasons == ("1 item(s) unanswered: pg-guard",)
    by_site = {e.site: e for e in plan.entries}
    assert list(by_site) == [BLOCK.id, CALL.id, STATIC.id]
    block_items = [i.id for i in session.item(BLOCK.id).items]
    assert [k for k, _ in by_site[BLOCK.id].answers] == block_items
    # a pg_sys static answers only its own six items, with the block's pattern
    assert [k for k, _ in by_site[STATIC.id].answers] == [
        i.id for i in CHECKLIST.items_for(SiteKind.PG_SYS_STATIC)
    ]
    assert len(by_site[STATIC.id].answers) == 6
    assert by_site[STATIC.id].lifetime_pattern == "borrow"
    assert {e.justification for e in plan.entries} == {"the block and the calls in it are sound"}
    session.marks.toggle(CALL.id)
    bulk.sign_off_all(session, plan)
    assert [e.site for e in store.written] == [BLOCK.id, CALL.id, STATIC.id]
    assert not session.marks
    assert session.progress() == (3, 5)
    assert session.last_signed == BLOCK.id


def test_bulk_refuses_items_and_a_pattern_the_template_never_answered() -> None:
    session = _session()
    _answer_all(session, ATTR)  # an attribute: no pattern applies to it
    plan = bulk.plan(session, bulk.template_of(session, ATTR.id), [STATIC.id])
    assert plan.entries == ()
    assert plan.refused[0].reasons == (
        "5 item(s) unanswered: ctx-owner, no-stored-borrow, null-check, short-pointer-life, "
        "minimal-unsafe",
        "no lifetime pattern chosen (borrow / own / pin / n/a)",
    )


def test_a_failing_write_says_how_many_were_written_and_keeps_the_rest() -> None:
    store = Store()
    store.fail_after = 1
    session = _session(store)
    _answer_all(session, BLOCK)
    session.set_justification(BLOCK.id, "sound")
    for site in (BLOCK, CALL, STATIC):
        session.marks.toggle(site.id)
    plan = bulk.plan(session, bulk.template_of(session, BLOCK.id), [BLOCK.id, CALL.id, STATIC.id])
    with pytest.raises(ReviewError, match=r"1 of 3 sign-offs written before it"):
        bulk.sign_off_all(session, plan)
    assert [e.site for e in store.written] == [BLOCK.id]
    assert session.marks.ids == {CALL.id, STATIC.id}


def test_the_template_is_the_answered_site_when_the_cursor_ended_on_an_empty_one() -> None:
    session = _session()
    _answer_all(session, BLOCK)
    assert bulk.template_source(session, STATIC.id, [BLOCK.id, CALL.id, STATIC.id]) == BLOCK.id
    _answer_all(session, STATIC)
    assert bulk.template_source(session, STATIC.id, [BLOCK.id, CALL.id, STATIC.id]) == STATIC.id


def test_copy_takes_the_last_signed_sites_answers_for_the_items_that_apply() -> None:
    session = _session()
    assert bulk.previous_source(session, CALL.id) is None
    _answer_all(session, BLOCK, pattern="pin")
    session.set_answer(BLOCK.id, "null-check", Verdict.NOT_APPLICABLE, "no pointer")
    session.set_justification(BLOCK.id, "sound")
    session.sign_off(session.entry_for(BLOCK.id))
    assert bulk.previous_source(session, STATIC.id) == BLOCK.id
    assert bulk.copy_answers(session, STATIC.id, BLOCK.id) == 6
    draft = session.draft(STATIC.id)
    assert draft.pattern == "pin"
    assert draft.answer("null-check").verdict is Verdict.NOT_APPLICABLE
    assert draft.answer("null-check").note == "no pointer"
    assert draft.justification is None  # the justification is not copied
    assert session.problems(STATIC.id) == []  # seeded from the signed block around it


def test_a_nested_site_starts_from_its_signed_parents_justification() -> None:
    fn_entry = Entry(
        site=FN.id,
        kind=FN.kind,
        path=FN.path,
        item=FN.item,
        token_hash=FN.token_hash,
        release="v0",
        checklist="pgrx-ffi@1",
        tool="t",
        reviewer="R <r@example.com>",
        reviewed_at="T",
        lifetime_pattern="borrow",
        answers=tuple((i.id, Answer(Verdict.PASS)) for i in CHECKLIST.items_for(FN.kind)),
        justification="callers pass a live, NUL-terminated pointer",
    )
    session = _session(signed={FN.id: fn_entry})
    assert session.justification(BLOCK.id) == "callers pass a live, NUL-terminated pointer"
    assert session.justification(CALL.id) == ""  # its parent block is not signed yet
    # a fail answer needs the reviewer's own words, not the seeded ones
    _answer_all(session, BLOCK)
    session.set_answer(BLOCK.id, "minimal-unsafe", Verdict.FAIL)
    assert any("a fail answer needs" in p for p in session.problems(BLOCK.id))
    assert session.progress() == (1, 5)  # counted from the ledger: stable when reopened


def test_a_bulk_sign_off_of_units_writes_what_a_single_sign_off_writes() -> None:
    # Grouped as the loader groups them: the call and the static are members of the block.
    other = _site(6, SiteKind.UNSAFE_BLOCK, 40, 45)
    other_call = _site(7, SiteKind.PG_SYS_CALL, 41, 41, parent=6)
    units = group_units((*SITES, other, other_call))
    reviews = [
        SiteReview(
            SiteDelta(Status.NEW, site, None),
            Review.MISSING,
            None,
            "",
            True,
            tuple(SiteDelta(Status.NEW, m, None) for m in units.members_of(site.id)),
        )
        for site in (*SITES, other, other_call)
        if not units.is_member(site)
    ]
    session = ReviewSession(build_items(reviews, CHECKLIST), CHECKLIST, IDENTITY, Store())
    assert [i.id for i in session.items] == [ATTR.id, FN.id, BLOCK.id, other.id]
    for unit in (BLOCK, other):
        _answer_all(session, unit)
        session.set_justification(unit.id, "sound")
    single = {u.id: session.entry_for(u.id) for u in (BLOCK, other)}
    plan = bulk.plan(session, bulk.template_of(session, BLOCK.id), [BLOCK.id, other.id])
    assert plan.refused == ()
    assert {e.site: e for e in plan.entries} == single
    assert single[BLOCK.id].members == member_uses((CALL, STATIC))
    assert single[other.id].members == member_uses((other_call,))
