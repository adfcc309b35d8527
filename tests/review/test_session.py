"""The review session without any UI: fed calls the way keys would feed them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.entry import Entry, Verdict
from unsafe_audit.model import Site, SiteId, SiteKind, Span
from unsafe_audit.review import (
    Draft,
    Group,
    ItemAnswer,
    QueueFilter,
    ReviewError,
    ReviewSession,
    SignOffIdentity,
    TextEdit,
    build_items,
)
from unsafe_audit.review_state import Review, SiteReview


def _site(n: int, path: str, size: int, kind: SiteKind = SiteKind.UNSAFE_BLOCK) -> Site:
    return Site(
        id=SiteId(f"{n:016x}"),
        kind=kind,
        path=path,
        span=Span(line=n, column=1, end_line=n, start_byte=0, end_byte=size),
        item=f"m::f{n}",
        token_hash=f"t{n}",
        safety_comment="ok because" if n % 2 else None,
    )


def _review(site: Site, status: Status, review: Review = Review.MISSING) -> SiteReview:
    return SiteReview(SiteDelta(status, site, None), review, None, "", True)


class Store:
    def __init__(self) -> None:
        self.written: list[Entry] = []
        self.fail: str | None = None

    def write(self, entry: Entry) -> Path:
        if self.fail:
            raise LedgerError(self.fail)
        self.written.append(entry)
        return Path(f"{entry.site}.yaml")

    def where(self, site_id: SiteId) -> str:
        return f"{site_id}.yaml"


class Sink:
    def __init__(self) -> None:
        self.saved: list[dict[SiteId, Draft]] = []

    def save(self, drafts: Mapping[SiteId, Draft]) -> None:
        self.saved.append(dict(drafts))


IDENTITY = SignOffIdentity("R <r@example.com>", "v1", "pgrx-ffi@1", "unsafe-audit 0", lambda: "T")


def _session(store: Store | None = None, sink: Sink | None = None) -> ReviewSession:
    reviews = [
        _review(_site(1, "b.rs", 50), Status.UNCHANGED),
        _review(_site(2, "a.rs", 90), Status.NEW),
        _review(_site(3, "a.rs", 10), Status.NEW),
        _review(_site(4, "a.rs", 5), Status.UNCHANGED, Review.SIGNED),
        _review(_site(5, "c.rs", 5), Status.CHANGED),
    ]
    items = build_items(reviews, default_checklist())
    return ReviewSession(items, default_checklist(), IDENTITY, store or Store(), draft_sink=sink)


def test_queue_order_groups_then_file_then_line() -> None:
    session = _session()
    order = [(i.group, i.site.path, i.size) for i in session.items]
    assert order == [
        (Group.NEW, "a.rs", 90),
        (Group.NEW, "a.rs", 10),
        (Group.CHANGED, "c.rs", 5),
        (Group.MISSING, "b.rs", 50),
        (Group.SIGNED, "a.rs", 5),
    ]
    assert len(session.visible) == 4  # signed sites hidden by default
    session.set_filter(QueueFilter(status="all"))
    assert len(session.visible) == 5


def test_cursor_moves_clamps_and_steps_back() -> None:
    session = _session()
    ids = [i.id for i in session.visible_items()]
    assert session.current is not None and session.current.id == ids[0]
    session.next()
    session.next()
    session.previous()
    assert session.current.id == ids[1]
    session.step_back()
    assert session.current.id == ids[2]
    session.move(100)
    assert session.current.id == ids[-1]


def test_answers_cycle_and_completeness() -> None:
    sink = Sink()
    session = _session(sink=sink)
    item = session.current
    assert item is not None
    first = item.items[0].id
    assert [session.cycle_answer(item.id, first) for _ in range(4)] == [
        Verdict.PASS,
        Verdict.FAIL,
        Verdict.NOT_APPLICABLE,
        None,
    ]
    assert sink.saved[-1] == {}  # back to nothing: no draft kept
    for checklist_item in item.items:
        session.set_answer(item.id, checklist_item.id, Verdict.PASS)
    session.set_justification(item.id, "  ")  # the offered SAFETY comment, erased
    assert session.problems(item.id) == [
        "no lifetime pattern chosen (borrow / own / pin / n/a)",
        "the justification is empty (press e to write it)",
    ]
    session.cycle_pattern(item.id)
    session.set_justification(item.id, "  sound  ")
    assert session.is_complete(item.id)
    session.set_answer(item.id, first, Verdict.FAIL)
    assert session.is_complete(item.id)  # a justification written by the reviewer


def test_a_fail_needs_more_than_the_safety_comment() -> None:
    session = _session()
    session.set_filter(QueueFilter(status="all", text="0000000000000001"))
    item = session.current
    assert item is not None and item.offered_justification == "ok because"
    for checklist_item in item.items:
        session.set_answer(item.id, checklist_item.id, Verdict.FAIL)
    session.set_pattern(item.id, "own")
    assert any("fail answer" in p for p in session.problems(item.id))


def test_sign_off_writes_drops_the_draft_and_advances() -> None:
    store, sink = Store(), Sink()
    session = _session(store, sink)
    item = session.current
    assert item is not None
    for checklist_item in item.items:
        session.set_answer(item.id, checklist_item.id, Verdict.PASS, "fine")
    session.set_pattern(item.id, "pin")
    session.set_justification(item.id, "sound")
    entry = session.entry_for(item.id)
    assert entry.lifetime_pattern == "pin" and entry.reviewed_at == "T"
    assert entry.answers[0][1].note == "fine"
    session.sign_off(entry)
    assert store.written == [entry]
    assert item.id not in session.drafts and sink.saved[-1] == {}
    assert session.current is not None and session.current.id != item.id
    assert session.progress() == (2, 5)  # signed before, and now: of all five sites
    assert session.group(item) is Group.SIGNED


def test_a_failed_write_keeps_the_draft() -> None:
    store = Store()
    store.fail = "read-only"
    session = _session(store)
    item = session.current
    assert item is not None
    for checklist_item in item.items:
        session.set_answer(item.id, checklist_item.id, Verdict.PASS)
    session.set_pattern(item.id, "pin")
    session.set_justification(item.id, "sound")
    with pytest.raises(LedgerError):
        session.sign_off(session.entry_for(item.id))
    assert item.id in session.drafts and session.progress() == (1, 5)


def test_read_only_session_refuses_changes() -> None:
    items = _session().items
    session = ReviewSession(items, default_checklist(), IDENTITY, Store(), read_only="locked")
    assert session.current is not None
    with pytest.raises(ReviewError, match="read-only review: locked"):
        session.cycle_pattern(session.current.id)


def test_drafts_round_trip_and_reject_junk() -> None:
    draft = Draft(
        {"a": __import__("unsafe_audit.review").review.ItemAnswer(Verdict.PASS, "n")},
        "own",
        "j",
        "t",
    )
    assert Draft.from_json(draft.to_json()) == draft
    assert Draft.from_json({"answers": {"a": {"answer": "maybe"}}}) is None
    assert Draft.from_json([1]) is None


# -- a text being edited: in the draft as it is typed ----------------------------------------------


def _offered(sink: Sink | None = None) -> ReviewSession:
    """A session on site 1, whose justification is offered from its SAFETY comment."""
    session = _session(sink=sink)
    session.set_filter(QueueFilter(status="all", text="0000000000000001"))
    assert session.current is not None and session.current.offered_justification == "ok because"
    return session


def test_typed_justification_is_in_the_draft_at_each_change() -> None:
    sink = Sink()
    session = _offered(sink)
    site = SiteId("0000000000000001")
    edit = TextEdit(session, site)
    assert (edit.text, edit.opened) == ("ok because", None)
    edit.type("ok because the")
    assert sink.saved[-1][site].justification == "ok because the"
    edit.type("ok because the caller checks\n  ")  # kept exactly, spaces and all
    assert sink.saved[-1][site].justification == "ok because the caller checks\n  "
    saves = len(sink.saved)
    edit.type("ok because the caller checks\n  ")  # unchanged: nothing written
    assert len(sink.saved) == saves
    assert session.justification(site) == "ok because the caller checks\n  "


def test_cancel_puts_back_an_untouched_justification() -> None:
    sink = Sink()
    session = _offered(sink)
    site = SiteId("0000000000000001")
    edit = TextEdit(session, site)
    edit.type("something else")
    edit.cancel()
    # Untouched again, not a copy of the offered text: no draft is left for the site.
    assert site not in session.drafts and sink.saved[-1] == {}
    assert session.justification(site) == "ok because"
    saves = len(sink.saved)
    TextEdit(session, site).cancel()  # nothing typed: nothing written
    assert len(sink.saved) == saves
    edit = TextEdit(session, site)
    edit.type("ok because, and")
    edit.type("ok because")  # typed back to the opening text: untouched again
    assert site not in session.drafts and sink.saved[-1] == {}
    edit.save("ok because")  # saved as it stands: the reviewer's own now
    assert sink.saved[-1][site].justification == "ok because"


def test_the_text_shown_is_the_opening_text() -> None:
    session = _offered()
    site = SiteId("0000000000000001")
    edit = TextEdit(session, site, show=str.upper)
    assert edit.text == "OK BECAUSE"
    edit.type("OK BECAUSE")  # what the editor showed at the opening, unchanged
    assert site not in session.drafts
    edit.type("OK BECAUSE!")
    assert session.justification(site) == "OK BECAUSE!"


def test_cancel_puts_back_the_justification_written_before() -> None:
    sink = Sink()
    session = _offered(sink)
    site = SiteId("0000000000000001")
    session.set_justification(site, "mine")
    edit = TextEdit(session, site)
    assert (edit.text, edit.opened) == ("mine", "mine")
    edit.type("mine, and more")
    edit.cancel()
    assert sink.saved[-1][site].justification == "mine"


def test_typed_note_is_in_the_draft_and_cancel_restores_it() -> None:
    sink = Sink()
    session = _session(sink=sink)
    item = session.current
    assert item is not None
    first = item.items[0].id
    session.set_answer(item.id, first, Verdict.NOT_APPLICABLE, "no pointer")
    edit = TextEdit(session, item.id, first)
    assert (edit.text, edit.opened) == ("no pointer", "no pointer")
    edit.type("no pointer here")
    assert sink.saved[-1][item.id].answer(first) == ItemAnswer(
        Verdict.NOT_APPLICABLE, "no pointer here"
    )
    edit.cancel()
    assert sink.saved[-1][item.id].answer(first) == ItemAnswer(Verdict.NOT_APPLICABLE, "no pointer")
    second = item.items[1].id
    note = TextEdit(session, item.id, second)
    note.type("draft note")
    assert session.draft(item.id).answer(second) == ItemAnswer(None, "draft note")
    note.cancel()
    assert session.draft(item.id).answer(second) == ItemAnswer()


def test_typing_in_a_read_only_session_is_refused() -> None:
    items = _session().items
    session = ReviewSession(items, default_checklist(), IDENTITY, Store(), read_only="locked")
    assert session.current is not None
    edit = TextEdit(session, session.current.id)
    with pytest.raises(ReviewError, match="read-only review: locked"):
        edit.type("x")
