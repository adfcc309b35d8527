"""The ``?`` help screen: what the review is for, and every key."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("j / k, ↓ / ↑", "move in the queue or the checklist"),
    ("enter", "open the site (queue); add a note (checklist item)"),
    ("n / p", "next / previous site"),
    ("b", "back to the site you came from"),
    ("space", "cycle an answer: pass → fail → n/a → unanswered; cycle the pattern"),
    ("1 / 2 / 3", "answer pass / fail / n/a (1-4 pick a pattern) and go to the next row"),
    ("e", "edit the justification (ctrl+s saves, escape cancels)"),
    ("s", "sign off: shows the ledger entry, then writes it"),
    ("d", "show or hide the diff against the base release"),
    ("/", "search the queue (path, item, kind, pg_sys name, hint, id)"),
    ("f", "filter the queue by status, kind, file, hints"),
    ("tab", "switch between the queue and the checklist"),
    ("escape", "back to the queue"),
    ("?", "this help"),
    ("q", "quit (answers are kept as a draft)"),
)
"""Every key of the review, in the order the README lists them."""

ABOUT = (
    "Each site is an unsafe block, fn, impl, trait, extern block, unsafe attribute or pg_sys "
    "use. For each one: read the code, answer every checklist item (pass, fail or n/a, with "
    "an optional note), name the lifetime pattern the code follows, write why it is sound, "
    "then sign off with s. The sign-off is written to .unsafe-audit/ledger/<site id>.yaml; "
    "commit those files. Unfinished answers are saved as you go and come back next time. "
    "`unsafe-audit check` passes once every site is signed off."
)


class HelpScreen(ModalScreen[None]):
    """Keys and a short explanation; any of escape, q, ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        with VerticalScroll(id="help-box"):
            yield Static(Text("unsafe-audit review — keys", style="bold"), id="help-title")
            yield Static(table, id="help-keys")
            yield Static(Text(ABOUT), id="help-about")
            yield Static(Text("escape or ? closes this help", style="dim"))

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
