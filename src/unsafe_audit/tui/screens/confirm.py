"""``ConfirmSignOff``: shows the exact YAML a sign-off will write; returns True to write it."""

from __future__ import annotations

from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from unsafe_audit.tui.widgets.literal import literal, literal_line


class ConfirmSignOff(ModalScreen[bool]):
    """``y``/enter writes, ``n``/escape goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Write"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, path: str, yaml_text: str) -> None:
        super().__init__()
        self.path = literal_line(path)
        self.yaml_text = yaml_text

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(
                Text.assemble(
                    ("Sign off? ", "bold"), "This will be written to ", (self.path, "bold")
                ),
                id="confirm-title",
            )
            with VerticalScroll(id="confirm-yaml"):
                yield Static(
                    Syntax(
                        literal(self.yaml_text),
                        "yaml",
                        theme="ansi_dark",
                        word_wrap=True,
                        background_color="default",
                    ),
                )
            with Horizontal(id="confirm-buttons"):
                yield Button("Write it (y)", id="yes", variant="success")
                yield Button("Go back (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)
