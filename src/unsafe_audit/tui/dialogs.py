"""The review app's actions that open a dialog: notes, the justification, sign-off, search,
filter and help. A base of :class:`~unsafe_audit.tui.app.ReviewApp`, kept apart so that each
module has one job: the app lays out and routes keys, this asks and applies answers."""

from __future__ import annotations

from textual.app import App

from unsafe_audit.errors import UnsafeAuditError
from unsafe_audit.ledger.yaml_io import entry_text
from unsafe_audit.model import SiteId
from unsafe_audit.review import QueueFilter, ReviewSession, TextEdit
from unsafe_audit.tui.autosave import DELAY, Autosave
from unsafe_audit.tui.screens.confirm import ConfirmSignOff
from unsafe_audit.tui.screens.editor import JustificationEditor, LineEditor
from unsafe_audit.tui.screens.filter import FilterScreen
from unsafe_audit.tui.screens.help import HelpScreen
from unsafe_audit.tui.widgets.literal import literal, literal_line
from unsafe_audit.tui.widgets.queue import QueueList


class DialogActions(App[int]):
    """Actions that push a modal screen and act on what it returns."""

    @property
    def session(self) -> ReviewSession | None:
        raise NotImplementedError

    def _guard(self, action: str, site_id: SiteId) -> bool:
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

    autosave_delay = DELAY
    """Seconds after the last keystroke before an open editor's text goes into the draft."""
    autosave: Autosave | None = None
    """The open editor's, while one is open: flushed on suspend, hang-up and exit."""

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

    def _edit_note(self, site_id: SiteId, item_id: str) -> None:
        session = self.session
        assert session is not None
        saver = self._autosave(TextEdit(session, site_id, item_id, show=literal_line))

        def done(value: str | None) -> None:
            self._finish(saver, value)

        self.push_screen(
            LineEditor(
                f"Note for {item_id} (enter saves, escape cancels)",
                saver.edit.text,
                autosave=saver,
            ),
            done,
        )

    def action_edit(self) -> None:
        session = self.session
        item = session.current if session else None
        if session is None or item is None or not self._guard("edit", item.id):
            return
        saver = self._autosave(TextEdit(session, item.id, show=literal))

        def done(value: str | None) -> None:
            self._finish(saver, value)

        where = item.site.label
        self.push_screen(
            JustificationEditor(saver.edit.text, f"Justification — {where}", autosave=saver), done
        )

    def action_sign_off(self) -> None:
        session = self.session
        item = session.current if session else None
        if session is None or item is None or not self._guard("sign off", item.id):
            return
        problems = session.problems(item.id)
        if problems:
            self.say("Not ready to sign off: " + "; ".join(problems), error=True)
            return
        try:
            entry = session.entry_for(item.id)
        except UnsafeAuditError as e:
            self.show_error(str(e))
            return
        where = session.store.where(item.id)

        def done(confirmed: bool | None) -> None:
            if not confirmed:
                self.say("Not signed off; your answers are kept.")
                return
            try:
                path = session.sign_off(entry)
            except (UnsafeAuditError, OSError) as e:
                self.show_error(f"{e} (answers kept as a draft)")
                return
            done_count, total = session.progress()
            self.say(f"Signed off → {where}   ({done_count}/{total} reviewed)")
            del path
            queue = self.query_one(QueueList)
            queue.sync_cursor()
            self.refresh_site()
            self.refresh_progress()
            queue.focus()
            if done_count == total:
                self.notify("Every site is signed off. Commit .unsafe-audit/ledger/.", timeout=10)

        self.push_screen(ConfirmSignOff(where, entry_text(entry)), done)

    # -- finding -------------------------------------------------------------------------------

    def action_search(self) -> None:
        session = self.session
        if session is None:
            return

        def done(value: str | None) -> None:
            if value is not None:
                session.search(value)
                self.query_one(QueueList).load(session)
                self.refresh_site()
                self.refresh_progress()

        self.push_screen(
            LineEditor(
                "Search (path, item, kind, pg_sys name, hint, id); empty clears",
                session.filter.text,
            ),
            done,
        )

    def action_filter(self) -> None:
        session = self.session
        if session is None:
            return

        def done(value: object) -> None:
            if isinstance(value, QueueFilter):
                session.set_filter(value)
                self.query_one(QueueList).load(session)
                self.refresh_site()
                self.refresh_progress()

        self.push_screen(
            FilterScreen(session.filter, session.files(), session.counts(), session.hint_counts()),
            done,
        )

    def action_help(self) -> None:
        self.push_screen(HelpScreen())
