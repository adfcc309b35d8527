"""The review app: a queue of sites on the left, the site and its checklist on the right.

Thin: every decision is made by :class:`~unsafe_audit.review.ReviewSession`; this module maps
keys to session calls and shows the result. The session is built by an injected loader in a
background worker, so the screen paints at once and shows progress while the repository is
scanned.

Keys are routed here, by the pane that has focus, and every key of the review screen is a
*priority* binding: Textual runs it the moment the key reaches the app, before the next key is
even looked at. A plain binding runs only after the key has travelled to the focused widget and
bubbled back, and a key typed meanwhile was delivered to whatever had focus before the first one
acted: under steady typing the second key after opening a site answered the row the first had
just answered, and text typed right after ``e`` went to the checklist instead of the editor.
So every action here finishes its work — the row answered and the cursor moved, focus set
(``Screen.set_focus``, not the deferred ``Widget.focus``), an editor mounted and focused —
before it returns, and the next key finds the screen as the reviewer expects it. A key that no
binding takes (a character for an editor) goes to the focused widget, and the next key waits
until that widget has handled it (:meth:`ReviewApp.on_event`), so ``ctrl+s`` saves every
character typed before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState

from unsafe_audit.errors import UnsafeAuditError
from unsafe_audit.review import LoadedReview, Loader, ReviewSession
from unsafe_audit.tui.autosave import DELAY
from unsafe_audit.tui.keys import REVIEW_KEYS, ROUTED
from unsafe_audit.tui.messages import LoadFailed, LoadProgress, ReviewReady
from unsafe_audit.tui.navigation import NavigationActions
from unsafe_audit.tui.signals import HANG_UP_GRACE, ReviewSignals
from unsafe_audit.tui.widgets.checklist import ChecklistPanel
from unsafe_audit.tui.widgets.header import ReviewHeader
from unsafe_audit.tui.widgets.keybar import QUEUE, KeyBar
from unsafe_audit.tui.widgets.literal import literal, literal_line
from unsafe_audit.tui.widgets.queue import QueueList
from unsafe_audit.tui.widgets.site import SiteView

KEY_WAIT = 1.0
"""At most how long a key waits for the widget that got the key before it (a widget busy for
longer only costs the order of keys, never a key)."""


class ReviewApp(NavigationActions):
    """``unsafe-audit review``. The return value is the exit code."""

    CSS_PATH = "app.tcss"
    TITLE = "unsafe-audit review"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = list(REVIEW_KEYS)

    SITE_DELAY = 0.04
    """Seconds the site pane waits after a move in the queue before it renders (reset by every
    move): holding ``j`` scrolls the queue at key-repeat speed and the pane follows when the
    keys stop. Any key that acts on the site shows it first."""

    def __init__(
        self, loader: Loader, *, site_delay: float = SITE_DELAY, autosave_delay: float = DELAY
    ) -> None:
        super().__init__()
        self.loader = loader
        self.loaded: LoadedReview | None = None
        self.show_diff = True
        self.last_message = ""
        self.site_delay = site_delay
        self.autosave_delay = autosave_delay
        self._site_timer: Timer | None = None
        self._signals = ReviewSignals(self.hang_up, self.flush_typing)

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ReviewHeader(id="top")
        yield Static("", id="banner", markup=False)
        with Vertical(id="loading"):
            yield Static("Scanning the repository…", id="loading-stage", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="loading-bar")
        with Horizontal(id="main"):
            yield QueueList(id="queue")
            with Vertical(id="right"):
                yield SiteView(id="site")
                yield ChecklistPanel(id="checklist")
        yield Static("", id="message", markup=False)
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.query_one("#main").display = False
        self.query_one("#banner").display = False
        self.query_one("#message").display = False
        self._signals.install()
        self.app_suspend_signal.subscribe(self, lambda _app: self.flush_typing())
        self.load_review()

    async def on_event(self, event: events.Event) -> None:
        """Keys one at a time: a key no priority binding takes goes to the focused widget (an
        editor's text field, say), and the next key waits until that widget has handled it.
        Without the wait, ``ctrl+s`` (a priority binding) could save an editor's text before
        the characters typed just before it had reached the text field."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        target = self.focused or self.screen
        await super().on_event(event)
        if event.is_forwarded and not self.quitting:  # delivered to ``target``
            handled = asyncio.Event()
            if target.call_later(handled.set):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(handled.wait(), KEY_WAIT)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The review's keys act only on the review screen, once it is loaded (a dialog on
        top gets its own keys); ``q`` and ``?`` work while loading too."""
        if action not in ROUTED:
            return True
        if self.quitting or len(self.screen_stack) > 1:
            return False
        if self.session is None:
            return action in ("quit_review", "help")
        if action == "pattern_key":
            return bool(parameters) and str(parameters[0]) in self.pattern_keys
        return True

    # -- loading -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load_review(self) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            self.post_message(LoadProgress(stage, done, total))

        try:
            loaded = self.loader(progress)
        except UnsafeAuditError as e:
            self.post_message(LoadFailed(str(e)))
            return
        self.post_message(ReviewReady(loaded))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.show_error(f"unexpected error: {type(error).__name__}: {error}")

    def show_error(self, text: str) -> None:
        """The one place errors are shown: a message line and a notification."""
        self.say(text, error=True)
        self.notify(literal(text), severity="error", timeout=8, markup=False)

    def say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#message", Static)
        message.display = bool(text)
        message.set_class(error, "-error")
        message.update(Text(literal(text)))
        self.last_message = text

    @on(LoadProgress)
    def _progress(self, event: LoadProgress) -> None:
        stage = self.query_one("#loading-stage", Static)
        bar = self.query_one("#loading-bar", ProgressBar)
        stage.update(Text(literal(event.stage)))
        if event.total:
            bar.update(total=event.total, progress=event.done)
        else:
            bar.update(total=None)

    @on(LoadFailed)
    def _failed(self, event: LoadFailed) -> None:
        self.query_one("#loading-stage", Static).update(
            Text(literal(event.error) + "\n\npress q to quit", style="bold red")
        )
        self.query_one("#loading-bar").display = False
        self.show_error(event.error)
        self.exit_code_on_quit = 2

    exit_code_on_quit = 0

    @on(ReviewReady)
    def _review_ready(self, event: ReviewReady) -> None:
        self.loaded = event.loaded
        # The session lives as long as the app: move it out of the collector's reach. A full
        # collection walked its 10,000 sites' objects every few dozen keys (a 100-150 ms
        # stall on a key); frozen objects are never scanned, and never freed, which is
        # what we want for them.
        gc.freeze()
        session = event.loaded.session
        self.query_one("#loading").display = False
        self.query_one("#main").display = True
        self.query_one(ReviewHeader).show(title=event.loaded.title)
        if session.read_only:
            banner = self.query_one("#banner", Static)
            banner.display = True
            banner.update(Text(literal(f"READ-ONLY: {session.read_only}")))
        self.query_one(QueueList).load(session)
        self.focus_pane(QUEUE)
        self.refresh_site()
        self.refresh_progress()
        for notice in event.loaded.notices:
            self.notify(literal(notice), timeout=6, markup=False)
        if not session.visible:
            self.say("Nothing needs a review: every site is signed off. Press f to see them all.")

    # -- showing -------------------------------------------------------------------------------

    @property
    def session(self) -> ReviewSession | None:
        return self.loaded.session if self.loaded else None

    @property
    def site_pending(self) -> bool:
        """True while the site pane still shows the site before the latest move."""
        return self._site_timer is not None

    def site_moved(self) -> None:
        """The cursor moved in the queue: show its site once the moves pause (at once with no
        delay)."""
        if self.site_delay <= 0:
            self.refresh_site()
            return
        if self._site_timer is not None:
            self._site_timer.stop()
        self._site_timer = self.set_timer(self.site_delay, self.refresh_site)

    def flush_site(self) -> bool:
        """Show the current site now if a move is waiting; True when one was."""
        if self._site_timer is None:
            return False
        self.refresh_site()
        return True

    def refresh_site(self) -> None:
        if self._site_timer is not None:
            self._site_timer.stop()
            self._site_timer = None
        session = self.session
        if session is None:
            return
        item = session.current
        self.query_one(SiteView).show(item, session, diff=self.show_diff)
        self.query_one(ChecklistPanel).show(item, session)
        self.refresh_checklist_title()

    def refresh_checklist_title(self) -> None:
        session = self.session
        panel = self.query_one(ChecklistPanel)
        item = session.current if session else None
        if session is None or item is None:
            panel.border_title = "checklist"
            return
        draft = session.draft(item.id)
        answered = sum(1 for i in item.items if draft.answer(i.id).verdict is not None)
        problems = session.problems(item.id)
        state = "ready: s signs off" if not problems else "not complete"
        panel.border_title = f"checklist {answered}/{len(item.items)} · {state}"

    def refresh_progress(self) -> None:
        session = self.session
        if session is None:
            return
        done, total = session.progress()
        self.query_one(ReviewHeader).show(done=done, total=total)
        queue = self.query_one(QueueList)
        marked = len(self.marked())
        # A str title is read as markup, and the filter names a file: give Text.
        queue.border_title = Text(
            f"{literal_line(session.filter.describe())} ({len(session.visible)})"
            + (f" +{marked}" if marked else "")
        )
        queue.refresh()

    @on(QueueList.Moved)
    def _moved(self, event: QueueList.Moved) -> None:
        self.site_moved()  # a click in the queue

    @on(QueueList.Opened)
    def _opened(self, event: QueueList.Opened) -> None:
        self.action_open()

    def _go(self, step: int, *, now: bool = False) -> None:
        session = self.session
        if session is None:
            return
        session.move(step)
        queue = self.query_one(QueueList)
        queue.sync_cursor()
        queue.refresh()
        if session.marks.anchor is not None:
            self.refresh_progress()  # the open range grew or shrank
        if now:
            self.refresh_site()
        else:
            self.site_moved()

    def action_next(self) -> None:
        self._go(1, now=True)

    def action_previous(self) -> None:
        self._go(-1, now=True)

    def action_step_back(self) -> None:
        if self.session is not None:
            self.session.step_back()
            self.query_one(QueueList).sync_cursor()
            self.refresh_site()

    def action_toggle_diff(self) -> None:
        self.show_diff = not self.show_diff
        item = self.session.current if self.session else None
        if item is not None and item.before is None:
            self.say("this site has no earlier version to diff against (it is new or unchanged)")
        self.refresh_site()

    quitting = False
    """True once ``q`` was pressed: the keys typed after it do nothing."""

    async def action_quit(self) -> None:
        """``ctrl+q`` (Textual's, which works in a dialog too) and ``q``."""
        self.quitting = True
        self.exit(self.exit_code_on_quit)

    async def action_quit_review(self) -> None:
        await self.action_quit()

    def flush_typing(self) -> None:
        """Put the open editor's text into the draft now (the terminal may be going)."""
        if self.autosave is not None:
            self.autosave.flush()

    def hang_up(self, signum: int) -> None:
        """SIGHUP (the terminal closed) or SIGTERM: keep what was typed, then exit 128+signum
        (at the latest :data:`HANG_UP_GRACE` seconds later)."""
        self.flush_typing()
        if not self.is_headless:
            self._signals.exit_within(HANG_UP_GRACE, 128 + signum)
        self.exit(128 + signum)

    def on_app_blur(self) -> None:
        self.flush_typing()  # the terminal window lost focus: it may be closed next

    def on_unmount(self) -> None:
        self.flush_typing()
        self._signals.remove()
        if self.loaded is not None:
            self.loaded.close()
            gc.unfreeze()  # the session may go now (tests open many apps in one process)


def make_app(
    loader: Loader, *, site_delay: float = ReviewApp.SITE_DELAY, autosave_delay: float = DELAY
) -> ReviewApp:
    """The review app over ``loader`` (used by the CLI, the tests and the benchmark);
    ``site_delay`` 0 renders the site pane on every move, ``autosave_delay`` 0 writes an open
    editor's text into the draft on every change."""
    return ReviewApp(loader, site_delay=site_delay, autosave_delay=autosave_delay)


__all__ = ["Path", "ReviewApp", "make_app"]
