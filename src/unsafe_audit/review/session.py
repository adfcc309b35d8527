"""The interactive review session, without any UI: the cursor, answers and sign-off. Pure.

No Textual, no git, no file I/O. The TUI (:mod:`unsafe_audit.tui`) is a thin shell that turns
keys into calls on :class:`ReviewSession`; tests drive the same calls directly, the way
detect-secrets tests its audit walk with keystroke strings. Two things are injected: a
:class:`SignOffStore` that writes a ledger entry (the pipeline passes one that guards the real
ledger) and a :class:`DraftSink` that keeps unfinished answers. What makes a sign-off complete,
and the entry it writes, is decided once, in :mod:`unsafe_audit.signoff`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from unsafe_audit import signoff
from unsafe_audit.checklist.model import Checklist
from unsafe_audit.errors import UnsafeAuditError
from unsafe_audit.ledger.entry import Answer, Entry, Verdict
from unsafe_audit.model import SiteId
from unsafe_audit.review.draft import ANSWER_CYCLE, Draft, ItemAnswer
from unsafe_audit.review.marks import Marks
from unsafe_audit.review.problems import word
from unsafe_audit.review.queue import Group, QueueFilter, ReviewItem
from unsafe_audit.signoff import SignOffIdentity


class SignOffStore(Protocol):
    """Where sign-offs go: the ledger."""

    def write(self, entry: Entry) -> Path:
        """Write ``entry`` atomically; raise :class:`UnsafeAuditError` with a clear message
        when it cannot be written (read-only, changed on disk by someone else)."""
        ...

    def where(self, site_id: SiteId) -> str:
        """Where ``site_id``'s entry goes, as shown to the reviewer (relative to the repo)."""
        ...


class DraftSink(Protocol):
    """Where unfinished answers go after every change."""

    def save(self, drafts: Mapping[SiteId, Draft]) -> None:
        """Persist all drafts (replacing what was saved before)."""
        ...


class _NoDrafts:
    def save(self, drafts: Mapping[SiteId, Draft]) -> None:
        del drafts


class ReviewError(UnsafeAuditError):
    """A review action that cannot be done now (read-only session, incomplete answers)."""


class ReviewSession:
    """The queue, the cursor and the answers of one review run."""

    def __init__(
        self,
        items: Sequence[ReviewItem],
        checklist: Checklist,
        identity: SignOffIdentity,
        store: SignOffStore,
        *,
        drafts: Mapping[SiteId, Draft] | None = None,
        draft_sink: DraftSink | None = None,
        read_only: str | None = None,
    ) -> None:
        self.items = list(items)
        self.checklist = checklist
        self.identity = identity
        self.store = store
        self.read_only = read_only
        """Why the session may not write (another review holds the lock), or None."""
        self._by_id = {item.id: item for item in self.items}
        self.drafts: dict[SiteId, Draft] = {
            k: v for k, v in (drafts or {}).items() if k in self._by_id
        }
        self._sink: DraftSink = draft_sink or _NoDrafts()
        self.signed_now: dict[SiteId, Entry] = {}
        """Entries written in this session, by site id."""
        self.last_signed: SiteId | None = None
        """The site signed off last in this session."""
        self.marks = Marks()
        """Sites marked for a bulk sign-off (:mod:`unsafe_audit.review.bulk`)."""
        self.filter = QueueFilter()
        self.visible: list[int] = []
        self.cursor = 0
        self._history: list[SiteId] = []
        self._apply_filter()
        self.resume()

    # -- state -------------------------------------------------------------------------------

    def group(self, item: ReviewItem) -> Group:
        """``item``'s group now: signed or failed once signed off in this session."""
        entry = self.signed_now.get(item.id)
        if entry is None:
            return item.group
        return Group.FAILED if entry.failed_items else Group.SIGNED

    def draft(self, site_id: SiteId) -> Draft:
        """The draft for ``site_id`` (empty if none)."""
        return self.drafts.get(site_id) or Draft(token_hash=self._by_id[site_id].site.token_hash)

    def item(self, site_id: SiteId) -> ReviewItem:
        return self._by_id[site_id]

    @property
    def current(self) -> ReviewItem | None:
        """The item under the cursor, or None when the filter shows nothing."""
        if not self.visible:
            return None
        return self.items[self.visible[self.cursor]]

    def progress(self) -> tuple[int, int]:
        """(signed, sites): how many sites have a valid sign-off now, of all the sites of the
        release. Counted from the ledger, so reopening the review starts where it stopped."""
        done = sum(1 for i in self.items if not self.group(i).needs_review)
        return done, len(self.items)

    def entry_of(self, site_id: SiteId) -> Entry | None:
        """``site_id``'s valid sign-off: written in this session, or found in the ledger."""
        entry = self.signed_now.get(site_id)
        if entry is not None:
            return entry
        item = self._by_id.get(site_id)
        return item.entry if item is not None and item.review.valid else None

    def counts(self) -> dict[Group, int]:
        """How many items are in each group now."""
        out = dict.fromkeys(Group, 0)
        for item in self.items:
            out[self.group(item)] += 1
        return out

    def visible_items(self) -> list[ReviewItem]:
        return [self.items[i] for i in self.visible]

    # -- moving ------------------------------------------------------------------------------

    def move(self, step: int) -> ReviewItem | None:
        """Move the cursor by ``step`` within the visible items (clamped)."""
        if self.visible:
            self._remember()
            self.cursor = max(0, min(len(self.visible) - 1, self.cursor + step))
        return self.current

    def next(self) -> ReviewItem | None:
        return self.move(1)

    def previous(self) -> ReviewItem | None:
        return self.move(-1)

    def select(self, site_id: SiteId) -> ReviewItem | None:
        """Put the cursor on ``site_id`` if it is visible."""
        for position, index in enumerate(self.visible):
            if self.items[index].id == site_id:
                self._remember()
                self.cursor = position
                break
        return self.current

    def step_back(self) -> ReviewItem | None:
        """Return to the item the cursor was on before the last move."""
        while self._history:
            site_id = self._history.pop()
            for position, index in enumerate(self.visible):
                if self.items[index].id == site_id:
                    self.cursor = position
                    return self.current
        return self.current

    def next_to_review(self) -> ReviewItem | None:
        """Move to the next visible item that still needs a sign-off (wrapping round)."""
        n = len(self.visible)
        for offset in range(1, n + 1):
            position = (self.cursor + offset) % n
            item = self.items[self.visible[position]]
            if self.group(item).needs_review:
                self._remember()
                self.cursor = position
                return item
        return self.current

    def resume(self) -> ReviewItem | None:
        """Put the cursor where the last session stopped: the first item with a draft, else
        the first that needs review."""
        for position, index in enumerate(self.visible):
            if self.items[index].id in self.drafts:
                self.cursor = position
                return self.current
        for position, index in enumerate(self.visible):
            if self.group(self.items[index]).needs_review:
                self.cursor = position
                return self.current
        return self.current

    def _remember(self) -> None:
        current = self.current
        if current is not None:
            self._history.append(current.id)
            del self._history[:-100]

    # -- filtering ---------------------------------------------------------------------------

    def set_filter(self, queue_filter: QueueFilter) -> None:
        """Show only what ``queue_filter`` matches; the cursor stays on its item if it can."""
        current = self.current
        self.filter = queue_filter
        self._apply_filter()
        self.cursor = 0
        if current is not None:
            self.select(current.id)

    def search(self, text: str) -> None:
        self.set_filter(replace(self.filter, text=text.strip()))

    def _apply_filter(self) -> None:
        f = self.filter
        self.visible = [i for i, item in enumerate(self.items) if f.matches(item, self.group(item))]

    def files(self) -> list[str]:
        return sorted({item.site.path for item in self.items})

    def hint_counts(self) -> dict[str, int]:
        """How many sites carry each hint id, by id."""
        counts: Counter[str] = Counter()
        for item in self.items:
            counts.update({h.hint_id for h in item.hints})
        return dict(sorted(counts.items()))

    # -- answering ---------------------------------------------------------------------------

    def _writable(self) -> None:
        if self.read_only is not None:
            raise ReviewError(f"read-only review: {self.read_only}")

    def set_draft(self, site_id: SiteId, draft: Draft) -> Draft:
        """Replace ``site_id``'s draft (kept, and saved, like every other change)."""
        return self._update(site_id, draft)

    def _update(self, site_id: SiteId, draft: Draft) -> Draft:
        self._writable()
        if draft.empty:
            self.drafts.pop(site_id, None)
        else:
            self.drafts[site_id] = draft
        self._sink.save(self.drafts)
        return draft

    def _item_ids(self, site_id: SiteId) -> set[str]:
        return {i.id for i in self._by_id[site_id].items}

    def cycle_answer(self, site_id: SiteId, item_id: str) -> Verdict | None:
        """Step ``item_id``'s answer through unanswered → pass → fail → n/a → unanswered."""
        if item_id not in self._item_ids(site_id):
            raise ReviewError(f"checklist item {item_id!r} does not apply to this site")
        draft = self.draft(site_id)
        old = draft.answer(item_id)
        verdict = ANSWER_CYCLE[(ANSWER_CYCLE.index(old.verdict) + 1) % len(ANSWER_CYCLE)]
        self.set_answer(site_id, item_id, verdict, old.note)
        return verdict

    def set_answer(
        self, site_id: SiteId, item_id: str, verdict: Verdict | None, note: str | None = None
    ) -> None:
        """Answer one item (keeping its note unless ``note`` is given)."""
        if item_id not in self._item_ids(site_id):
            raise ReviewError(f"checklist item {item_id!r} does not apply to this site")
        draft = self.draft(site_id)
        answers = dict(draft.answers)
        answers[item_id] = ItemAnswer(
            verdict, draft.answer(item_id).note if note is None else note.strip()
        )
        self._update(site_id, replace(draft, answers=answers))

    def set_note(self, site_id: SiteId, item_id: str, note: str) -> None:
        self.set_answer(site_id, item_id, self.draft(site_id).answer(item_id).verdict, note)

    def cycle_pattern(self, site_id: SiteId) -> str | None:
        """Step the lifetime pattern through the checklist's patterns and back to none."""
        ids: list[str | None] = [None, *(p.id for p in self.checklist.lifetime_patterns)]
        draft = self.draft(site_id)
        current = draft.pattern if draft.pattern in ids else None
        pattern = ids[(ids.index(current) + 1) % len(ids)]
        self._update(site_id, replace(draft, pattern=pattern))
        return pattern

    def set_pattern(self, site_id: SiteId, pattern: str | None) -> None:
        """Name the lifetime pattern (one of the checklist's, or None)."""
        known = {p.id for p in self.checklist.lifetime_patterns}
        if pattern is not None and pattern not in known:
            raise ReviewError(f"unknown lifetime pattern {pattern!r} (known: {sorted(known)})")
        self._update(site_id, replace(self.draft(site_id), pattern=pattern))

    def set_justification(self, site_id: SiteId, text: str | None) -> None:
        """The justification as written (kept exactly); None: back to the offered text."""
        self._update(site_id, replace(self.draft(site_id), justification=text))

    def justification(self, site_id: SiteId) -> str:
        """The justification as it stands: edited, else the offered text."""
        draft = self.draft(site_id)
        if draft.justification is not None:
            return draft.justification
        return self.offered_justification(site_id)

    def offered_justification(self, site_id: SiteId) -> str:
        """The text a sign-off of ``site_id`` starts from: a stale sign-off's, the SAFETY
        comment, else the justification of the signed unsafe site it is nested in (a block
        inside an unsafe fn); empty when there is none."""
        own = self._by_id[site_id].offered_justification
        if own:
            return own
        parent = self.parent_entry(site_id)
        return parent.justification.strip() if parent is not None else ""

    def parent_entry(self, site_id: SiteId) -> Entry | None:
        """The valid sign-off of the unsafe site ``site_id`` is nested in, if there is one."""
        parent = self._by_id[site_id].site.parent
        return self.entry_of(parent) if parent is not None else None

    def proposal(self, site_id: SiteId) -> signoff.Proposal:
        """What the reviewer has said about ``site_id``, as :mod:`unsafe_audit.signoff` reads it."""
        item = self._by_id[site_id]
        draft = self.draft(site_id)
        answers: dict[str, Answer] = {}
        for checklist_item in item.items:
            a = draft.answer(checklist_item.id)
            if a.verdict is not None:
                answers[checklist_item.id] = Answer(a.verdict, a.note or None)
        text = self.justification(site_id).strip()
        return signoff.Proposal(
            site=item.site,
            items=item.items,
            pattern_applies=item.pattern_applies,
            known_patterns=tuple(p.id for p in self.checklist.lifetime_patterns),
            answers=answers,
            pattern=draft.pattern if item.pattern_applies else None,
            justification=text,
            own_justification=draft.justification is not None
            and text != self.offered_justification(site_id),
            members=item.members,
        )

    def problems(self, site_id: SiteId) -> list[str]:
        """What still stops a sign-off of ``site_id`` (empty when complete), for the screen."""
        return [word(p) for p in signoff.problems(self.proposal(site_id), self.identity.reviewer)]

    def is_complete(self, site_id: SiteId) -> bool:
        return not self.problems(site_id)

    def entry_for(self, site_id: SiteId) -> Entry:
        """The ledger entry a sign-off of ``site_id`` would write now."""
        problems = self.problems(site_id)
        if problems:
            raise ReviewError("cannot sign off yet: " + "; ".join(problems))
        return signoff.build_entry(self.proposal(site_id), self.identity)

    def sign_off(self, entry: Entry) -> Path:
        """Write ``entry`` (from :meth:`entry_for`) through the store, drop the draft and move
        to the next site that needs review. On a store error the draft is kept."""
        self._writable()
        path = self.store.write(entry)
        self.signed_now[entry.site] = entry
        self.last_signed = entry.site
        if self.drafts.pop(entry.site, None) is not None:
            self._sink.save(self.drafts)
        current = self.current
        if current is not None and current.id == entry.site:
            self.next_to_review()
        return path
