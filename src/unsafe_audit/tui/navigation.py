"""The review app's moving keys: which pane has focus, ``tab`` between panes, and the keys
that move or scroll in the pane with focus. A base of :class:`~unsafe_audit.tui.app.ReviewApp`,
which routes the keys here (:mod:`unsafe_audit.tui.keys`)."""

from __future__ import annotations

from textual import events
from textual.widget import Widget

from unsafe_audit.tui.answering import AnswerActions
from unsafe_audit.tui.widgets.checklist import ChecklistPanel
from unsafe_audit.tui.widgets.keybar import CHECKLIST, QUEUE, SITE, KeyBar
from unsafe_audit.tui.widgets.queue import QueueList
from unsafe_audit.tui.widgets.site import SiteView

PANES = (QUEUE, SITE, CHECKLIST)
"""The order ``tab`` cycles through."""


class NavigationActions(AnswerActions):
    """Focus and movement, by pane."""

    def _go(self, step: int, *, now: bool = False) -> None:
        raise NotImplementedError

    def pane(self) -> str:
        """Which pane has focus."""
        focused = self.focused
        if isinstance(focused, ChecklistPanel):
            return CHECKLIST
        if isinstance(focused, SiteView):
            return SITE
        return QUEUE

    def focus_pane(self, pane: str) -> None:
        """Give ``pane`` focus now (not after the next message, as ``Widget.focus`` would)."""
        widget: Widget
        if pane == CHECKLIST:
            widget = self.query_one(ChecklistPanel)
        elif pane == SITE:
            widget = self.query_one(SiteView)
        else:
            widget = self.query_one(QueueList)
        self.screen.set_focus(widget)
        self.query_one(KeyBar).show(pane)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # A click can move focus too.
        if len(self.screen_stack) == 1 and self.session is not None:
            self.query_one(KeyBar).show(self.pane())

    def action_pane(self, step: int) -> None:
        self.focus_pane(PANES[(PANES.index(self.pane()) + step) % len(PANES)])

    def action_step(self, step: int) -> None:
        pane = self.pane()
        if pane == QUEUE:
            self._go(step)
        elif pane == CHECKLIST:
            panel = self.query_one(ChecklistPanel)
            panel.action_cursor_down() if step > 0 else panel.action_cursor_up()
        else:
            self.query_one(SiteView).scroll_lines(step)

    def action_page(self, step: int) -> None:
        pane = self.pane()
        if pane == QUEUE:
            self._go(10 * step)
        elif pane == CHECKLIST:
            panel = self.query_one(ChecklistPanel)
            for _ in range(8):  # about a page of rows (OptionList's own page is untyped)
                panel.action_cursor_down() if step > 0 else panel.action_cursor_up()
        else:
            self.query_one(SiteView).scroll_page(step * 0.9)

    def action_edge(self, step: int) -> None:
        pane = self.pane()
        if pane == QUEUE:
            self._go(step * 1_000_000_000)
        elif pane == CHECKLIST:
            panel = self.query_one(ChecklistPanel)
            panel.action_last() if step > 0 else panel.action_first()
        else:
            self.query_one(SiteView).scroll_edge(step)

    def action_scroll_site(self, pages: float) -> None:
        self.flush_site()
        self.query_one(SiteView).scroll_page(pages)

    def action_open(self) -> None:
        """Open the site under the cursor: show it and go to its checklist."""
        self.flush_site()
        if self.session is not None and self.session.current is not None:
            self.focus_pane(CHECKLIST)

    def action_escape(self) -> None:
        """Back to the queue; in the queue, drop the marks."""
        if self.pane() != QUEUE:
            self.focus_pane(QUEUE)
        elif self.session is not None and self.session.marks:
            self.session.marks.clear()
            self.refresh_progress()
            self.say("Marks cleared.")
