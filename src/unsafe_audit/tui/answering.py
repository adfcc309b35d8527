"""The review app's answering keys: answers, the lifetime pattern, marks, and copying answers
from the previous site. A base of :class:`~unsafe_audit.tui.app.ReviewApp` (which routes the
keys here); every rule is the session's (:mod:`unsafe_audit.review`)."""

from __future__ import annotations

from textual import on

from unsafe_audit.errors import UnsafeAuditError
from unsafe_audit.ledger.entry import Verdict
from unsafe_audit.model import SiteId
from unsafe_audit.review import bulk
from unsafe_audit.tui.dialogs import DialogActions
from unsafe_audit.tui.widgets.checklist import (
    ITEM_PREFIX,
    JUSTIFICATION,
    PATTERN,
    ChecklistPanel,
    pattern_keys,
)
from unsafe_audit.tui.widgets.keybar import CHECKLIST, QUEUE, SITE
from unsafe_audit.tui.widgets.queue import QueueList
from unsafe_audit.tui.widgets.site import SiteView

DIRECT_VERDICTS = (Verdict.PASS, Verdict.FAIL, Verdict.NOT_APPLICABLE)
"""What ``1``, ``2`` and ``3`` answer."""


class AnswerActions(DialogActions):
    """Keys that answer the current site or mark sites."""

    def pane(self) -> str:
        raise NotImplementedError

    def focus_pane(self, pane: str) -> None:
        raise NotImplementedError

    def flush_site(self) -> bool:
        raise NotImplementedError

    def refresh_checklist_title(self) -> None:
        raise NotImplementedError

    def action_open(self) -> None:
        raise NotImplementedError

    @property
    def pattern_keys(self) -> dict[str, str]:
        """Pattern id by key (``B`` borrow ...), from the checklist in use."""
        session = self.session
        if session is None:
            return {}
        keys = getattr(self, "_pattern_keys", None)
        if keys is None:
            keys = pattern_keys(session)
            self._pattern_keys = keys
        return keys

    def _guard(self, action: str, site_id: SiteId) -> bool:
        """True when ``action`` may change ``site_id``'s answers (not in a read-only review)."""
        session = self.session
        if session is not None and session.read_only is not None:
            self.show_error(f"read-only review, cannot {action}: {session.read_only}")
            return False
        del site_id
        return True

    def _current(self, action: str) -> SiteId | None:
        """The current site, shown now, when ``action`` may change it; else None."""
        self.flush_site()  # a key right after a move acts on the site moved to
        session = self.session
        item = session.current if session else None
        if item is None or not self._guard(action, item.id):
            return None
        return item.id

    def after_change(self) -> None:
        session = self.session
        item = session.current if session else None
        if session is None or item is None:
            return
        self.query_one(ChecklistPanel).show(item, session)
        self.refresh_checklist_title()
        self.query_one(QueueList).refresh()
        self.say("")

    # -- the checklist ---------------------------------------------------------------------------

    def action_answer(self, choice: int) -> None:
        """``1``/``2``/``3``: answer the highlighted item pass / fail / n/a and go to the next
        unanswered item below (else the next row); from another pane, go to the checklist
        first."""
        site_id = self._current("answer")
        session = self.session
        if site_id is None or session is None:
            return
        self.focus_pane(CHECKLIST)
        panel = self.query_one(ChecklistPanel)
        row = panel.row or ""
        if not row.startswith(ITEM_PREFIX):
            keys = " ".join(self.pattern_keys) or "space"
            self.say(f"1/2/3 answer checklist items; the lifetime pattern takes {keys}")
            return
        try:
            session.set_answer(site_id, row.removeprefix(ITEM_PREFIX), DIRECT_VERDICTS[choice])
        except (UnsafeAuditError, OSError) as e:
            self.show_error(str(e))
            return
        self.after_change()
        panel.advance(session.item(site_id), session)

    def action_pattern_key(self, letter: str) -> None:
        """``B``/``O``/``P``/``N``: name the lifetime pattern, from any row."""
        site_id = self._current("answer")
        session = self.session
        if site_id is None or session is None:
            return
        if not session.item(site_id).pattern_applies:
            self.say("no lifetime pattern applies to this kind of site")
            return
        try:
            session.set_pattern(site_id, self.pattern_keys[letter])
        except (UnsafeAuditError, OSError) as e:
            self.show_error(str(e))
            return
        self.after_change()

    async def action_enter(self) -> None:
        """Open the site (queue), add a note or edit the text (checklist)."""
        pane = self.pane()
        if pane != CHECKLIST:
            self.action_open()
            return
        await self._activate(self.query_one(ChecklistPanel).row, "enter")

    async def action_space(self) -> None:
        """Mark or unmark the site (queue), cycle the answer (checklist), page down (site)."""
        pane = self.pane()
        if pane == QUEUE:
            self._toggle_mark()
        elif pane == CHECKLIST:
            await self._activate(self.query_one(ChecklistPanel).row, "space")
        elif pane == SITE:
            self.query_one(SiteView).scroll_page(0.9)

    @on(ChecklistPanel.Activated)
    async def _clicked(self, event: ChecklistPanel.Activated) -> None:
        await self._activate(event.row, event.key)

    async def _activate(self, row: str | None, key: str) -> None:
        site_id = self._current("answer")
        session = self.session
        if site_id is None or session is None or row is None:
            return
        try:
            if row == PATTERN:
                session.cycle_pattern(site_id)
            elif row == JUSTIFICATION:
                await self.action_edit()
                return
            elif row.startswith(ITEM_PREFIX):
                item_id = row.removeprefix(ITEM_PREFIX)
                if key == "enter":
                    await self._edit_note(site_id, item_id)
                    return
                session.cycle_answer(site_id, item_id)
        except (UnsafeAuditError, OSError) as e:
            self.show_error(str(e))
        self.after_change()

    # -- several sites ---------------------------------------------------------------------------

    def marked(self) -> list[SiteId]:
        """The marked sites, in queue order."""
        session = self.session
        if session is None:
            return []
        shown = [session.items[i].id for i in session.visible]
        return session.marks.marked([i.id for i in session.items], shown, session.cursor)

    def _toggle_mark(self) -> None:
        session = self.session
        item = session.current if session else None
        if session is None or item is None:
            return
        session.marks.toggle(item.id)
        self.refresh_progress()
        self.say(f"{len(self.marked())} marked · S signs them off with this site's answers")

    def action_range(self) -> None:
        """``v``: start a range at the cursor (moving extends it); again, keep it marked."""
        session = self.session
        if session is None or session.current is None:
            return
        shown = [session.items[i].id for i in session.visible]
        is_open = session.marks.toggle_range(shown, session.cursor)
        self.refresh_progress()
        count = len(self.marked())
        self.say(
            f"range started: move to extend it, v again to keep it ({count} marked)"
            if is_open
            else f"{count} marked · S signs them off with this site's answers"
        )

    def action_copy_previous(self) -> None:
        """``c``: this site gets the answers and pattern of the site signed off last."""
        site_id = self._current("copy answers")
        session = self.session
        if site_id is None or session is None:
            return
        source = bulk.previous_source(session, site_id)
        if source is None:
            self.say("no earlier site has answers to copy yet", error=True)
            return
        try:
            copied = bulk.copy_answers(session, site_id, source)
        except (UnsafeAuditError, OSError) as e:
            self.show_error(str(e))
            return
        panel = self.query_one(ChecklistPanel)
        panel.site_id = None  # start again on the first item still unanswered
        self.after_change()
        label = session.item(source).site.label
        self.say(f"copied {copied} answers and the pattern from {label}")
