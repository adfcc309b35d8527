"""Saying the same thing about several sites: a bulk sign-off, and copying answers. Pure.

A bulk sign-off takes one site's answers, lifetime pattern and justification (the
:class:`Template`) to every marked site. Each site gets exactly the sign-off a single review
would write, under the same rules (:mod:`unsafe_audit.signoff`) and from the same proposal:
an answer to an item that does not apply to the unit is left out, a pattern is recorded only
where one applies, the unit's pg_sys members are recorded as a single sign-off records them,
and a site the template does not cover (an item it never answered, a pattern it never named)
is refused with the reason, never half-signed. :func:`plan` builds every entry before anything
is written, so the reviewer sees them all; :func:`sign_off_all` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from unsafe_audit import signoff
from unsafe_audit.errors import UnsafeAuditError
from unsafe_audit.ledger.entry import Answer, Entry
from unsafe_audit.model import SiteId
from unsafe_audit.review.draft import ItemAnswer
from unsafe_audit.review.problems import word
from unsafe_audit.review.session import ReviewError, ReviewSession


@dataclass(frozen=True, slots=True)
class Template:
    """What one site's reviewer said, to be said of others."""

    source: SiteId
    """The site it was taken from."""
    answers: Mapping[str, ItemAnswer]
    """The answers given, by checklist item id (unanswered items absent)."""
    pattern: str | None
    """The lifetime pattern named, or None."""
    justification: str
    """The justification as it stands on the source site."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A marked site the template cannot sign off, and why (worded for the screen)."""

    site: SiteId
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """The entries a bulk sign-off writes, and the marked sites it leaves alone."""

    template: Template
    entries: tuple[Entry, ...]
    refused: tuple[Refusal, ...]


def template_of(session: ReviewSession, site_id: SiteId) -> Template:
    """``site_id``'s answers, pattern and justification as they stand in its draft."""
    draft = session.draft(site_id)
    return Template(
        source=site_id,
        answers={k: a for k, a in draft.answers.items() if a.verdict is not None},
        pattern=draft.pattern,
        justification=session.justification(site_id).strip(),
    )


def template_source(session: ReviewSession, current: SiteId, targets: Sequence[SiteId]) -> SiteId:
    """Whose answers a bulk sign-off of ``targets`` uses: the current site's if it has any,
    else those of the first marked site that has some (the range's start, typically: a reviewer
    answers one unsafe block, then extends the range over the blocks of the same shape below
    it)."""
    for site_id in (current, *targets):
        if not session.draft(site_id).empty:
            return site_id
    return current


def plan(session: ReviewSession, template: Template, targets: Sequence[SiteId]) -> BulkPlan:
    """The entry each of ``targets`` would get from ``template``, or why it cannot."""
    entries: list[Entry] = []
    refused: list[Refusal] = []
    for site_id in targets:
        proposal = _proposal(session, template, site_id)
        gaps = signoff.problems(proposal, session.identity.reviewer)
        if gaps:
            refused.append(Refusal(site_id, tuple(word(p) for p in gaps)))
        else:
            entries.append(signoff.build_entry(proposal, session.identity))
    return BulkPlan(template, tuple(entries), tuple(refused))


def _proposal(session: ReviewSession, template: Template, site_id: SiteId) -> signoff.Proposal:
    # The site's own proposal (its unit's items, pattern rule and members, as a single sign-off
    # reads them) with the template's words in place of its draft's.
    own = session.proposal(site_id)
    answers: dict[str, Answer] = {}
    for checklist_item in own.items:
        given = template.answers.get(checklist_item.id)
        if given is not None and given.verdict is not None:
            answers[checklist_item.id] = Answer(given.verdict, given.note or None)
    return replace(
        own,
        answers=answers,
        pattern=template.pattern if own.pattern_applies else None,
        justification=template.justification,
        own_justification=(
            own.own_justification
            if site_id == template.source
            else template.justification != session.offered_justification(site_id)
        ),
    )


def sign_off_all(session: ReviewSession, bulk: BulkPlan) -> list[Path]:
    """Write every entry of ``bulk`` through the session's store, in queue order; the marks
    of the sites written are dropped. Every entry was complete when planned; a store error
    (read-only ledger, an entry changed on disk) stops at that entry: the ones before it are
    signed off, the rest keep their drafts and marks, and the error says how many were
    written."""
    written: list[Path] = []
    done: list[SiteId] = []
    try:
        for entry in bulk.entries:
            written.append(session.sign_off(entry))
            done.append(entry.site)
    except (UnsafeAuditError, OSError) as e:
        raise ReviewError(
            f"{e} ({len(done)} of {len(bulk.entries)} sign-offs written before it; "
            "the rest keep their answers and marks)"
        ) from e
    finally:
        session.marks.drop(done)
        if bulk.template.source in done:
            session.last_signed = bulk.template.source  # what "copy" takes next: all of it
    return written


def previous_source(session: ReviewSession, site_id: SiteId) -> SiteId | None:
    """Whose answers "copy from the previous site" takes for ``site_id``: the site signed off
    last in this review, else the nearest site above it in the queue with answers (a draft
    or a valid sign-off); None when there is none."""
    if session.last_signed is not None and session.last_signed != site_id:
        return session.last_signed
    order = [item.id for item in session.items]
    for other in reversed(order[: order.index(site_id)]):
        if not session.draft(other).empty or session.entry_of(other) is not None:
            return other
    return None


def copy_answers(session: ReviewSession, site_id: SiteId, source: SiteId) -> int:
    """Give ``site_id`` ``source``'s answers (with their notes) to the items that apply to
    both, and its lifetime pattern where one applies; the justification is left as it is.
    Returns how many answers were copied."""
    entry = session.entry_of(source)
    if entry is not None:
        given = {k: ItemAnswer(a.verdict, a.note or "") for k, a in entry.answers}
        pattern: str | None = entry.lifetime_pattern
    else:
        draft = session.draft(source)
        given = {k: a for k, a in draft.answers.items() if a.verdict is not None}
        pattern = draft.pattern
    item = session.item(site_id)
    draft = session.draft(site_id)
    answers = dict(draft.answers)
    copied = 0
    for checklist_item in item.items:
        if checklist_item.id in given:
            answers[checklist_item.id] = given[checklist_item.id]
            copied += 1
    known = {p.id for p in session.checklist.lifetime_patterns}
    new_pattern = draft.pattern
    # A source whose kind names no pattern records n/a for "does not apply", which is not
    # the n/a pattern ("no context memory involved"): copy only a pattern that was named.
    if item.pattern_applies and session.item(source).pattern_applies and pattern in known:
        new_pattern = pattern
    session.set_draft(site_id, replace(draft, answers=answers, pattern=new_pattern))
    return copied
