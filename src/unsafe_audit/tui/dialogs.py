"""The review app's actions that open a modal: notes, the justification, sign-off (one site or
the marked ones), search, filter and help. A base of :class:`~unsafe_audit.tui.app.ReviewApp`,
kept apart so that each module has one job: the app lays out and routes keys, this asks and
applies answers.

Each action awaits the dialog's mounting before it returns: keys are run one at a time as they
arrive (see :mod:`unsafe_audit.tui.app`), so what is typed right after ``e`` lands in the
editor, never in the pane behind it. A dialog's answer comes back through its callback, which
Textual runs right after the key that closed it, before the next key.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar

from textual.app import App
from textual.screen import Screen

from unsafe_audit.errors import UnsafeAuditError
from unsafe_audit.ledger.yaml_io import entry_text
from unsafe_audit.model import SiteId
from unsafe_audit.report.style import plural
from unsafe_audit.review import QueueFilter, ReviewSession, TextEdit, bulk
from unsafe_audit.tui.autosave import DELAY, Autosave
from unsafe_audit.tui.screens.confirm import ConfirmSignOff, Section
from unsafe_audit.tui.screens.editor import JustificationEditor, LineEditor
from unsafe_audit.tui.screens.filter import FilterScreen
from unsafe_audit.tui.screens.help import HelpScreen
from unsafe_audit.tui.widgets.keybar import QUEUE
from unsafe_audit.tui.widgets.literal import literal, literal_line
from unsafe_audit.tui.widgets.queue import QueueList

Result = TypeVar("Result")

MOUNT_WAIT = 2.0
"""Seconds a key that opens a dialog waits for it to be mounted before the next key runs."""


class DialogActions(App[int]):
    """Actions that push a modal screen and act on what it returns."""

    @property
    def session(self) -> ReviewSession | None:
        raise NotImplementedError

    def _current(self, action: str) -> SiteId | None:
        raise NotImplementedError

    def say(self, text: str, *, error: bool = False) -> None:
        raise NotImplementedError

    def show_error(self, text: str) -> None:
        raise NotImplementedError

    def after_change(self) -> None:
        raise NotImplementedError

    def refresh_site(self) -> None:
        raise NotImplementedError

    def refresh_progress(self) -> None:
        raise NotImplementedError

    def focus_pane(self, pane: str) -> None:
        raise NotImplementedError

    def marked(self) -> list[SiteId]:
        raise NotImplementedError

    autosave_delay = DELAY
    """Seconds after the last keystroke before an open editor's text goes into the draft."""
    autosave: Autosave | None = None
    """The open editor's, while one is open: flushed on suspend, hang-up and exit."""

    async def _open(
        self, screen: Screen[Result], done: Callable[[Result | None], None] | None = None
    ) -> None:
        """Push ``screen`` and wait until it is mounted (and its field focused), for at most
        :data:`MOUNT_WAIT` seconds (an app on its way out never mounts it)."""
        mounted = self.push_screen(screen, done)

        async def wait() -> None:
            await mounted

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wait(), MOUNT_WAIT)

    def _autosave(self, edit: TextEdit) -> Autosave:
        saver = Autosave(edit, self.set_timer, self.show_error, delay=self.autosave_delay)
        self.autosave = saver
        return saver

    def _finish(self, saver: Autosave, value: str | None) -> None:
        """The editor closed with ``value`` (None: cancelled): the draft gets it."""
        saver.finish(value)
        if self.autosave is saver:
            self.autosave = None
        self.after_change()

    async def _edit_note(self, site_id: SiteId, item_id: str) -> None:
        session = self.session
        assert session is not None
        saver = self._autosave(TextEdit(session, site_id, item_id, show=literal_line))

        def done(value: str | None) -> None:
            self._finish(saver, value)

        await self._open(
            LineEditor(
                f"Note for {item_id} (enter keeps it, escape puts back the note it had)",
                saver.edit.text,
                autosave=saver,
            ),
            done,
        )

    async def action_edit(self) -> None:
        session = self.session
        site_id = self._current("edit")
        if session is None or site_id is None:
            return
        saver = self._autosave(TextEdit(session, site_id, show=literal))

        def done(value: str | None) -> None:
            self._finish(saver, value)

        where = session.item(site_id).site.label
        await self._open(
            JustificationEditor(saver.edit.text, f"Justification — {where}", autosave=saver),
            done,
        )

    def _signed(self, message: str) -> None:
        """After a sign-off: say so, show the next site, back to the queue."""
        session = self.session
        assert session is not None
        done_count, total = session.progress()
        self.say(f"{message}   ({done_count}/{total} signed)")
        queue = self.query_one(QueueList)
        queue.sync_cursor()
        self.refresh_site()
        self.refresh_progress()
        self.focus_pane(QUEUE)
        if done_count == total:
            self.notify("Every site is signed off. Commit .unsafe-audit/ledger/.", timeout=10)

    async def action_sign_off(self) -> None:
        session = self.session
        site_id = self._current("sign off")
        if session is None or site_id is None:
            return
        problems = session.problems(site_id)
        if problems:
            self.say("Not ready to sign off: " + "; ".join(problems), error=True)
            return
        try:
            entry = session.entry_for(site_id)
        except UnsafeAuditError as e:
            self.show_error(str(e))
            return
        where = session.store.where(site_id)

        def done(confirmed: bool | None) -> None:
            if not confirmed:
                self.say("Not signed off; your answers are kept.")
                return
            try:
                session.sign_off(entry)
            except (UnsafeAuditError, OSError) as e:
                self.show_error(f"{e} (answers kept as a draft)")
                return
            self._signed(f"Signed off → {where}")

        await self._open(
            ConfirmSignOff(
                f"Sign off? This will be written to {where}",
                [Section(session.item(site_id).site.label, entry_text(entry))],
            ),
            done,
        )

    async def action_sign_off_marked(self) -> None:
        """``S``: the current site's answers, pattern and justification for every marked site
        (and the current one), each entry shown before any is written."""
        session = self.session
        site_id = self._current("sign off")
        if session is None or site_id is None:
            return
        targets = self.marked()
        if not targets:
            self.say("No site is marked: space marks one in the queue, v starts a range.")
            return
        if site_id not in targets:
            order = [i.id for i in session.items]
            targets = sorted({*targets, site_id}, key=order.index)
        source = bulk.template_source(session, site_id, targets)
        plan = bulk.plan(session, bulk.template_of(session, source), targets)
        refused = [
            Section(
                f"NOT signed: {session.item(r.site).site.label}", "; ".join(r.reasons), plain=True
            )
            for r in plan.refused
        ]
        if not plan.entries:
            self.say(
                "None of the marked sites can be signed off with these answers: " + refused[0].body,
                error=True,
            )
            return
        sections = [
            Section(
                f"{session.item(e.site).site.label} → {session.store.where(e.site)}",
                entry_text(e),
            )
            for e in plan.entries
        ]
        title = (
            f"Sign off {plural(len(plan.entries), 'review unit')} with the answers of "
            f"{session.item(source).site.label}?"
        )
        if refused:
            title += (
                f" {plural(len(refused), 'marked unit')} do not fit and stay unsigned "
                "(listed first)."
            )

        def done(confirmed: bool | None) -> None:
            if not confirmed:
                self.say("Nothing signed off; answers and marks are kept.")
                return
            try:
                bulk.sign_off_all(session, plan)
            except (UnsafeAuditError, OSError) as e:
                self.show_error(str(e))
                self.refresh_progress()
                return
            self._signed(f"Signed off {plural(len(plan.entries), 'review unit')}")

        await self._open(ConfirmSignOff(title, refused + sections), done)

    # -- finding -------------------------------------------------------------------------------

    async def action_search(self) -> None:
        session = self.session
        if session is None:
            return

        def done(value: str | None) -> None:
            if value is not None:
                session.search(value)
                self.query_one(QueueList).load(session)
                self.refresh_site()
                self.refresh_progress()

        await self._open(
            LineEditor(
                "Search (path, item, kind, pg_sys name, hint, id); empty clears",
                session.filter.text,
            ),
            done,
        )

    async def action_filter(self) -> None:
        session = self.session
        if session is None:
            return

        def done(value: object) -> None:
            if isinstance(value, QueueFilter):
                session.set_filter(value)
                self.query_one(QueueList).load(session)
                self.refresh_site()
                self.refresh_progress()

        await self._open(
            FilterScreen(session.filter, session.files(), session.counts(), session.hint_counts()),
            done,
        )

    async def action_help(self) -> None:
        await self._open(HelpScreen())
