"""The ``?`` help screen: how to close it, every key, what the queue's marks and abbreviations
mean, and what the review is for. It scrolls (``j``/``k``, the arrows, PageUp/PageDown) and fits
an 80x24 terminal."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from unsafe_audit.tui.widgets.queue import KIND_LABEL, MARK, MARKED

CLOSE = "escape, q or ? closes this help · j/k, PgUp/PgDn scroll it"

KEYS: tuple[tuple[str, str], ...] = (
    ("j / k, ↓ / ↑", "move in the queue or the checklist; scroll the site pane"),
    ("tab / shift+tab", "next / previous pane: queue, site, checklist"),
    ("J / K", "scroll the site pane down / up from any pane"),
    ("PgDn / PgUp", "a page down / up in the pane with focus"),
    ("enter", "open the site (queue); add a note (checklist item)"),
    ("n / p", "next / previous site"),
    ("b", "back to the site you came from"),
    ("1 / 2 / 3", "answer pass / fail / n/a and go to the next item"),
    ("B / O / P / N", "lifetime pattern: borrow / own / pin / n/a"),
    ("space", "mark a site (queue); cycle an answer (checklist)"),
    ("v", "start a range of marks; moving extends it; v keeps it"),
    (
        "S",
        "sign off every marked site with this site's answers, pattern and "
        "justification (each entry is shown first)",
    ),
    ("c", "copy the answers and pattern of the site signed off last"),
    ("e", "edit the justification (ctrl+s saves it; escape puts back the text it opened with)"),
    ("s", "sign off: shows the ledger entry, y writes it"),
    ("d", "show or hide the diff against the base release"),
    ("/", "search the queue (path, item, kind, pg_sys name, hint, id)"),
    ("f", "filter the queue by status, kind, file, hints"),
    ("escape", "back to the queue; in the queue, clear the marks"),
    ("?", "this help"),
    ("q", "quit (answers are kept as a draft)"),
)
"""Every key of the review, in the order the README lists them."""

MARKS: tuple[tuple[str, str], ...] = (
    (MARK["todo"], "needs a sign-off"),
    (MARK["draft"], "answered in part (a draft)"),
    (MARK["signed"], "signed off"),
    (MARK["failed"], "signed off with a fail answer"),
    (MARKED, "marked for S"),
)
"""The marks before each site in the queue."""

ABOUT = (
    "Each site is an unsafe block, fn, impl, trait, extern block, unsafe attribute or pg_sys "
    "use. For each one: read the code, answer every checklist item (pass, fail or n/a, with "
    "an optional note), name the lifetime pattern the code follows, write why it is sound, "
    "then sign off with s. The sign-off is written to .unsafe-audit/ledger/<site id>.yaml; "
    "commit those files. Unfinished answers are saved as you go and come back next time. "
    "`unsafe-audit check` passes once every site is signed off."
)


def _table(rows: tuple[tuple[str, str], ...]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, what in rows:
        table.add_row(key, what)
    return table


def legend() -> Table:
    """The queue's marks and kind abbreviations."""
    kinds = tuple((short, kind.value) for kind, short in KIND_LABEL.items())
    return _table(MARKS + kinds)


class HelpScreen(ModalScreen[None]):
    """Keys, the queue's legend and a short explanation; escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", priority=True),
        Binding("j,down", "scroll(1)", show=False, priority=True),
        Binding("k,up", "scroll(-1)", show=False, priority=True),
        Binding("pagedown,space", "page(1)", show=False, priority=True),
        Binding("pageup", "page(-1)", show=False, priority=True),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text(CLOSE, style="bold reverse"), id="help-close")
            yield Static(Text("Keys", style="bold"))
            yield Static(_table(KEYS), id="help-keys")
            yield Static(Text("The queue", style="bold"))
            yield Static(legend(), id="help-legend")
            yield Static(Text(ABOUT), id="help-about")
            yield Static(Text(CLOSE, style="dim"))

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#help-box"))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, step: int) -> None:
        self.query_one("#help-box", VerticalScroll).scroll_relative(y=step, animate=False)

    def action_page(self, step: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        height = max(1, box.scrollable_content_region.height - 1)
        box.scroll_relative(y=step * height, animate=False)
