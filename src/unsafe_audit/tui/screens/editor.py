"""Text editors: the multi-line justification (``TextArea``) and a one-line note (``Input``).

Given an :class:`~unsafe_audit.tui.autosave.Autosave`, an editor hands it every change and
flushes it when its text field loses focus, so what is typed is in the draft while the editor
is open; the caller finishes it with what the editor returns.

Each editor focuses its field while it mounts (``Screen.set_focus``, at once), and its keys
that close it are priority bindings, so the keys typed right before and after it opens or
closes go where the reviewer meant them (see :mod:`unsafe_audit.tui.app`).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

from unsafe_audit.tui.autosave import Autosave
from unsafe_audit.tui.widgets.literal import literal, literal_line


class JustificationEditor(ModalScreen[str | None]):
    """Returns the edited text (ctrl+s), or None (escape).

    The text and the title come from the repository (a SAFETY comment, a stale sign-off, a
    file name): control and format characters in them are shown as visible escapes, and saved
    that way, so none reaches the terminal through the editor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, text: str, title: str, autosave: Autosave | None = None) -> None:
        super().__init__()
        self.text = literal(text)
        self.title_text = literal_line(title)
        self.autosave = autosave

    def compose(self) -> ComposeResult:
        with Vertical(id="editor-box"):
            yield Static(Text(self.title_text, style="bold"), id="editor-title")
            yield TextArea(self.text, id="editor-text", soft_wrap=True, tab_behavior="indent")
            yield Static(
                Text(
                    "ctrl+s saves · escape puts back the text it opened with · "
                    "say why the code is sound",
                    style="dim",
                )
            )

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        self.set_focus(area)
        area.move_cursor(area.document.end)

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        if self.autosave is not None:
            self.autosave.changed(event.text_area.text)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if self.autosave is not None:
            self.autosave.flush()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LineEditor(ModalScreen[str | None]):
    """One line of text (a note, a search): enter returns it, escape returns None. The title
    and the starting value are made literal, as in :class:`JustificationEditor`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("enter", "submit", "Keep", priority=True),
    ]

    def __init__(
        self, title: str, value: str = "", placeholder: str = "", autosave: Autosave | None = None
    ) -> None:
        super().__init__()
        self.title_text = literal_line(title)
        self.value = literal_line(value)
        self.placeholder = literal_line(placeholder)
        self.autosave = autosave

    def compose(self) -> ComposeResult:
        with Vertical(id="line-box"):
            yield Static(Text(self.title_text, style="bold"))
            yield Input(self.value, placeholder=self.placeholder, id="line-input")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if self.autosave is not None:
            self.autosave.changed(event.value)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if self.autosave is not None:
            self.autosave.flush()

    def action_submit(self) -> None:
        self.dismiss(self.query_one(Input).value)

    def action_cancel(self) -> None:
        self.dismiss(None)
