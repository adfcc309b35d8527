"""The interactive review session, without any UI: the queue, a cursor, answers and sign-off.

Pure: no Textual, no git, no file I/O. The TUI (:mod:`unsafe_audit.tui`) is a thin shell that
turns keys into calls on :class:`ReviewSession`; tests drive the same calls directly, the way
detect-secrets tests its audit walk with keystroke strings. Two things are injected: a
:class:`SignOffStore` that writes a ledger entry (see :mod:`unsafe_audit.drafts` for the one
that guards the real ledger) and a :class:`DraftSink` that keeps unfinished answers.

The queue lists every head site, in groups: sites that need a review first (``new``,
``changed``, ``stale``, ``missing``), then the ones already ``failed`` and ``signed``; inside a
group by file, smallest sites first (a small block is quick to review and often explains the
larger one around it). Review states come from :mod:`unsafe_audit.review_state`.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from unsafe_audit.checklist import Checklist, Item
from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.errors import UnsafeAuditError
from unsafe_audit.hints import Hint
from unsafe_audit.ledger import Answer, Entry, Verdict
from unsafe_audit.model import Site, SiteId, SiteKind
from unsafe_audit.review_state import Review, SiteReview
from unsafe_audit.source import SourceOf

# -- the queue -------------------------------------------------------------------------------------


class Group(StrEnum):
    """Where a site sits in the queue; the first four need a review."""

    NEW = "new"
    """Not in the base release and never signed off."""
    CHANGED = "changed"
    """Its code changed since the base release, and it was never signed off."""
    STALE = "stale"
    """Signed off once, for code that has changed since."""
    MISSING = "missing"
    """Unchanged (or moved, migrated) since the base release but never signed off."""
    FAILED = "failed"
    """Signed off with a fail answer: shipped knowingly."""
    SIGNED = "signed"
    """Signed off, and the sign-off still holds."""

    @property
    def needs_review(self) -> bool:
        """True for the groups a release audit must clear."""
        return self in (Group.NEW, Group.CHANGED, Group.STALE, Group.MISSING)


_GROUP_ORDER = {g: i for i, g in enumerate(Group)}


def group_of(review: Review, status: Status) -> Group:
    """The queue group of a site in review state ``review`` with diff ``status``."""
    if review is Review.SIGNED:
        return Group.SIGNED
    if review is Review.FAILED:
        return Group.FAILED
    if review is Review.STALE:
        return Group.STALE
    if status is Status.NEW:
        return Group.NEW
    if status is Status.CHANGED:
        return Group.CHANGED
    return Group.MISSING


@dataclass(frozen=True, slots=True)
class CodeView:
    """Lines of code to show for a site: its own lines plus the context that explains them."""

    start_line: int
    """Line number of the first line of ``text``."""
    text: str
    """Contiguous lines ending just after the site, without a trailing newline."""
    site_lines: tuple[int, int]
    """First and last line of the site itself (to highlight)."""
    header_line: int = 0
    """Line number of ``header`` (0 when there is none)."""
    header: str = ""
    """The enclosing fn's attributes and signature when they are too far above ``text`` to
    show the lines in between; shown first, with a gap mark after it."""


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One head site as the reviewer sees it."""

    site: Site
    """The head site."""
    status: Status
    """Its diff status against the base release."""
    base: Site | None
    """The same site in the base release, if it was there."""
    review: Review
    """Its review state when the session started."""
    entry: Entry | None
    """Its sign-off: the valid one, or the stale one whose justification is offered again."""
    items: tuple[Item, ...]
    """The checklist items that apply to its kind, in checklist order."""
    pattern_applies: bool
    """True when the reviewer must name a lifetime pattern (``Checklist.pattern_applies``)."""
    hints: tuple[Hint, ...] = ()
    """Static hints about the site (evidence, never answers)."""
    code: CodeView | None = None
    """The head code with its context (None when the file cannot be read)."""
    before: str | None = None
    """The base code (whole lines), for changed and stale sites."""
    after: str | None = None
    """The head code (whole lines)."""

    @property
    def id(self) -> SiteId:
        """The head site's id."""
        return self.site.id

    @property
    def group(self) -> Group:
        """Its group when the session started."""
        return group_of(self.review, self.status)

    @property
    def previous_justification(self) -> str | None:
        """The justification of the stale sign-off, if the code changed since one."""
        if self.entry is not None and self.review is Review.STALE:
            return self.entry.justification
        return None

    @property
    def offered_justification(self) -> str:
        """What the justification editor starts with: the stale one, else the SAFETY comment."""
        return (self.previous_justification or self.site.safety_comment or "").strip()

    @property
    def size(self) -> int:
        """The site's length in bytes (the queue puts small sites first)."""
        return self.site.span.end_byte - self.site.span.start_byte

    def diff_lines(self) -> list[str]:
        """A unified diff of the base code against the head code (empty without a base)."""
        if self.before is None or self.after is None:
            return []
        base_line = self.base.span.line if self.base is not None else 1
        return list(
            difflib.unified_diff(
                self.before.splitlines(),
                self.after.splitlines(),
                fromfile=f"{self.base.path if self.base else self.site.path}:{base_line} (base)",
                tofile=f"{self.site.path}:{self.site.line} (head)",
                lineterm="",
                n=3,
            )
        )


def queue_key(item: ReviewItem) -> tuple[int, str, int, int, str]:
    """Queue order: group, file, smallest first, then line."""
    return (_GROUP_ORDER[item.group], item.site.path, item.size, item.site.line, item.id)


_FN_LINE = re.compile(
    r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:(?:const|async|unsafe|default)\s+)*"
    r"(?:extern\s+(?:\"[^\"]*\"\s+)?)?fn\s"
)
_ATTRIBUTE = re.compile(r"^\s*#!?\[")
_CONTEXT_LINES = 2
_MAX_GAP = 12


def code_view(text: str, site: Site) -> CodeView:
    """The site's lines plus the signature and attributes of the fn around it.

    The fn is found by looking up for a ``fn`` line indented no deeper than the site; when it
    is more than a few lines above, its attributes and signature become the view's ``header``
    and only the lines just before the site are shown with it.
    """
    lines = text.splitlines()
    first, last = site.span.line, min(site.span.end_line, len(lines))
    if not lines or first > len(lines):
        return CodeView(first, "", (first, last))
    indent = len(lines[first - 1]) - len(lines[first - 1].lstrip())
    start = max(1, first - _CONTEXT_LINES)
    header_line, header = 0, ""
    for number in range(first, max(0, first - 400), -1):
        line = lines[number - 1]
        if number < first and line.strip() == "}" and len(line) - len(line.lstrip()) <= indent:
            break  # the end of an item before the site: the site is in no fn
        if _FN_LINE.match(line) and len(line) - len(line.lstrip()) <= indent:
            head = number
            while head > 1 and _ATTRIBUTE.match(lines[head - 2]):
                head -= 1
            if first - head <= _MAX_GAP:
                start = head
            elif number < first:
                sig_end = number
                while sig_end < first - 1 and "{" not in lines[sig_end - 1]:
                    sig_end += 1
                header_line = head
                header = "\n".join(lines[head - 1 : sig_end])
                start = max(start, sig_end + 1)
            break
    end = min(len(lines), last + _CONTEXT_LINES)
    body = "\n".join(lines[start - 1 : end])
    return CodeView(start, body, (first, last), header_line, header)


def build_items(
    reviews: Iterable[SiteReview],
    checklist: Checklist,
    *,
    hints: Mapping[SiteId, Sequence[Hint]] | None = None,
    head_source: SourceOf | None = None,
    base_source: SourceOf | None = None,
) -> list[ReviewItem]:
    """The queue's items for every head site, in queue order.

    Sources, when given, are read once per file to cut each site's code, context and diff.
    """
    head_bytes = _ByteCache(head_source)
    base_bytes = _ByteCache(base_source)
    items: list[ReviewItem] = []
    for r in reviews:
        site = r.site
        delta: SiteDelta = r.delta
        code = after = before = None
        text = head_bytes.text(site.path)
        if text is not None:
            code = code_view(text, site)
            after = head_bytes.lines_of(site)
        if delta.base is not None and (r.review is Review.STALE or delta.status is Status.CHANGED):
            before = base_bytes.lines_of(delta.base)
        items.append(
            ReviewItem(
                site=site,
                status=delta.status,
                base=delta.base,
                review=r.review,
                entry=r.entry,
                items=checklist.items_for(site.kind),
                pattern_applies=checklist.pattern_applies(site.kind),
                hints=tuple((hints or {}).get(site.id, ())),
                code=code,
                before=before,
                after=after,
            )
        )
    items.sort(key=queue_key)
    return items


class _ByteCache:
    """Each file's text and bytes, read once (spans are byte offsets)."""

    def __init__(self, source: SourceOf | None) -> None:
        self._source = source
        self._data: dict[str, tuple[str, bytes] | None] = {}

    def _get(self, path: str) -> tuple[str, bytes] | None:
        if path not in self._data:
            text = self._source(path) if self._source is not None else None
            self._data[path] = (
                None if text is None else (text, text.encode("utf-8", "surrogateescape"))
            )
        return self._data[path]

    def text(self, path: str) -> str | None:
        got = self._get(path)
        return None if got is None else got[0]

    def lines_of(self, site: Site) -> str | None:
        got = self._get(site.path)
        if got is None:
            return None
        data = got[1]
        start, end = site.span.start_byte, site.span.end_byte
        if end > len(data) or start > end:
            return None
        start = data.rfind(b"\n", 0, start) + 1
        newline = data.find(b"\n", max(end - 1, start))
        end = len(data) if newline < 0 else newline
        return data[start:end].decode("utf-8", "replace")


# -- answers and drafts ----------------------------------------------------------------------------

ANSWER_CYCLE: tuple[Verdict | None, ...] = (
    None,
    Verdict.PASS,
    Verdict.FAIL,
    Verdict.NOT_APPLICABLE,
)
"""What ``space`` steps through: unanswered, pass, fail, n/a, and round again."""


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    """A reviewer's answer to one checklist item, possibly not given yet."""

    verdict: Verdict | None = None
    """pass, fail, n/a, or None while unanswered."""
    note: str = ""
    """An optional note (why n/a, what fails)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """Everything a reviewer has said about one site so far."""

    answers: Mapping[str, ItemAnswer] = field(default_factory=dict)
    """Answers by checklist item id."""
    pattern: str | None = None
    """The lifetime pattern named (``borrow``, ``own``, ``pin``, ``n/a``), or None."""
    justification: str | None = None
    """The justification as edited; None until the reviewer touches it (then the offered
    text is used)."""
    token_hash: str = ""
    """The code the draft was written for; a draft for other code is flagged when resumed."""

    def answer(self, item_id: str) -> ItemAnswer:
        """The answer to ``item_id`` (unanswered if none)."""
        return self.answers.get(item_id, ItemAnswer())

    @property
    def empty(self) -> bool:
        """True when nothing has been said yet."""
        return (
            not any(a.verdict is not None or a.note for a in self.answers.values())
            and self.pattern is None
            and self.justification is None
        )

    def to_json(self) -> dict[str, Any]:
        """A plain JSON-able dict (see :meth:`from_json`)."""
        return {
            "answers": {
                k: {"answer": a.verdict.value if a.verdict else None, "note": a.note}
                for k, a in self.answers.items()
                if a.verdict is not None or a.note
            },
            "pattern": self.pattern,
            "justification": self.justification,
            "token_hash": self.token_hash,
        }

    @classmethod
    def from_json(cls, data: object) -> Draft | None:
        """A draft from :meth:`to_json` output; None for anything malformed (drafts are a
        convenience: a damaged one is dropped, never trusted)."""
        if not isinstance(data, dict):
            return None
        answers: dict[str, ItemAnswer] = {}
        raw = data.get("answers", {})
        if not isinstance(raw, dict):
            return None
        for key, value in raw.items():
            if not isinstance(key, str) or not isinstance(value, dict):
                return None
            verdict_text = value.get("answer")
            note = value.get("note", "")
            try:
                verdict = Verdict(verdict_text) if verdict_text is not None else None
            except ValueError:
                return None
            answers[key] = ItemAnswer(verdict, note if isinstance(note, str) else "")
        pattern = data.get("pattern")
        justification = data.get("justification")
        token_hash = data.get("token_hash", "")
        if not (pattern is None or isinstance(pattern, str)):
            return None
        if not (justification is None or isinstance(justification, str)):
            return None
        return cls(
            answers, pattern, justification, token_hash if isinstance(token_hash, str) else ""
        )


# -- what a session needs from the outside ---------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class SignOffIdentity:
    """What every entry of the session records besides the answers."""

    reviewer: str
    """``Name <email>``; empty when unknown (sign-off is then refused)."""
    release: str
    """The revision reviewed (``working tree of v0.3.0``)."""
    checklist: str
    """``id@version`` of the checklist."""
    tool: str
    """``unsafe-audit <version>``."""
    clock: Callable[[], str]
    """The time of a sign-off, ``YYYY-MM-DDTHH:MM:SSZ``."""


class ReviewError(UnsafeAuditError):
    """A review action that cannot be done now (read-only session, incomplete answers)."""


# -- filters ---------------------------------------------------------------------------------------

TO_REVIEW = "to-review"
"""The default status filter: the sites that needed a review when the session started."""
ALL = "all"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which items the queue shows. Every field narrows; the defaults show what needs review."""

    status: str = TO_REVIEW
    """:data:`TO_REVIEW`, :data:`ALL`, or a :class:`Group` value."""
    kind: SiteKind | None = None
    file: str | None = None
    """Exact path, or None for every file."""
    has_hint: bool = False
    hint: str | None = None
    """A hint id (``Hint.hint_id``): only the sites that carry that hint; None for any."""
    text: str = ""
    """Case-insensitive search in path, item, kind, pg_sys names, hints and site id."""

    def matches(self, item: ReviewItem, group: Group) -> bool:
        """True when ``item`` (now in ``group``) passes every part of the filter."""
        if self.status == TO_REVIEW:
            if not item.group.needs_review:
                return False
        elif self.status != ALL and group.value != self.status:
            return False
        if self.kind is not None and item.site.kind is not self.kind:
            return False
        if self.file is not None and item.site.path != self.file:
            return False
        if self.has_hint and not item.hints:
            return False
        if self.hint is not None and all(h.hint_id != self.hint for h in item.hints):
            return False
        if self.text:
            return self.text.lower() in _haystack(item)
        return True

    def describe(self) -> str:
        """A short text for the queue's title (``to review · unsafe_fn · hints``)."""
        parts = [self.status.replace("-", " ")]
        if self.kind is not None:
            parts.append(self.kind.value)
        if self.file is not None:
            parts.append(self.file)
        if self.has_hint:
            parts.append("with hints")
        if self.hint is not None:
            parts.append(f"hint {self.hint}")
        if self.text:
            parts.append(f"/{self.text}")
        return " · ".join(parts)


def _haystack(item: ReviewItem) -> str:
    s = item.site
    words = [s.path, s.item, s.kind.value, s.id, s.name or "", *s.pg_sys_calls]
    words += [h.hint_id for h in item.hints]
    return " ".join(words).lower()


# -- the session -----------------------------------------------------------------------------------


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
        """(reviewed, to review): sites that needed a review at the start, and how many of
        them are signed off now."""
        needing = [i for i in self.items if i.group.needs_review]
        done = sum(1 for i in needing if i.id in self.signed_now)
        return done, len(needing)

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

    def set_justification(self, site_id: SiteId, text: str) -> None:
        self._update(site_id, replace(self.draft(site_id), justification=text))

    def justification(self, site_id: SiteId) -> str:
        """The justification as it stands: edited, else the offered text."""
        draft = self.draft(site_id)
        if draft.justification is not None:
            return draft.justification
        return self._by_id[site_id].offered_justification

    def problems(self, site_id: SiteId) -> list[str]:
        """What still stops a sign-off of ``site_id`` (empty when complete)."""
        item = self._by_id[site_id]
        draft = self.draft(site_id)
        out: list[str] = []
        unanswered = [i.id for i in item.items if draft.answer(i.id).verdict is None]
        if unanswered:
            out.append(f"{len(unanswered)} item(s) unanswered: {', '.join(unanswered)}")
        if item.pattern_applies and draft.pattern is None:
            out.append("no lifetime pattern chosen (borrow / own / pin / n/a)")
        text = self.justification(site_id).strip()
        if not text:
            out.append("the justification is empty (press e to write it)")
        failed = any(draft.answer(i.id).verdict is Verdict.FAIL for i in item.items)
        if failed and text and (draft.justification is None or text == item.offered_justification):
            out.append(
                "a fail answer needs a justification of why the site ships anyway "
                "(edit the prefilled text)"
            )
        if not self.identity.reviewer:
            out.append("no reviewer: set git config user.name and user.email, or pass --reviewer")
        return out

    def is_complete(self, site_id: SiteId) -> bool:
        return not self.problems(site_id)

    def entry_for(self, site_id: SiteId) -> Entry:
        """The ledger entry a sign-off of ``site_id`` would write now."""
        problems = self.problems(site_id)
        if problems:
            raise ReviewError("cannot sign off yet: " + "; ".join(problems))
        item = self._by_id[site_id]
        draft = self.draft(site_id)
        answers: list[tuple[str, Answer]] = []
        for checklist_item in item.items:
            a = draft.answer(checklist_item.id)
            assert a.verdict is not None
            answers.append((checklist_item.id, Answer(a.verdict, a.note or None)))
        site = item.site
        return Entry(
            site=site.id,
            kind=site.kind,
            path=site.path,
            item=site.item,
            token_hash=site.token_hash,
            release=self.identity.release,
            checklist=self.identity.checklist,
            tool=self.identity.tool,
            reviewer=self.identity.reviewer,
            reviewed_at=self.identity.clock(),
            lifetime_pattern=draft.pattern if item.pattern_applies and draft.pattern else "n/a",
            answers=tuple(answers),
            justification=self.justification(site_id).strip(),
        )

    def sign_off(self, entry: Entry) -> Path:
        """Write ``entry`` (from :meth:`entry_for`) through the store, drop the draft and move
        to the next site that needs review. On a store error the draft is kept."""
        self._writable()
        path = self.store.write(entry)
        self.signed_now[entry.site] = entry
        if self.drafts.pop(entry.site, None) is not None:
            self._sink.save(self.drafts)
        current = self.current
        if current is not None and current.id == entry.site:
            self.next_to_review()
        return path


# -- what the UI gets from a loader ----------------------------------------------------------------

ProgressCallback = Callable[[str, int, int], None]
"""Called while loading with (stage, done, total); total 0 when unknown."""


@dataclass
class LoadedReview:
    """A ready session and what to tell the reviewer about it."""

    session: ReviewSession
    title: str
    """``pg_cache: v0.2.1 → working tree of v0.3.0``."""
    notices: list[str] = field(default_factory=list)
    """Things to show once: warnings from the scan, a damaged drafts file, a resumed draft."""
    close: Callable[[], None] = lambda: None
    """Release what the loader holds (the review lock)."""


Loader = Callable[[ProgressCallback], LoadedReview]
"""What the UI runs in a background worker to get its session."""
