"""The bottom line: the keys that matter in the pane that has focus, in at most 80 columns.

Textual's footer lists every binding in the focus chain and cuts the line where the terminal
ends; this one shows a short list chosen per pane, the fast keys first, so that at 80 columns
the answer keys are always there. ``?`` lists every key.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

QUEUE = "queue"
SITE = "site"
CHECKLIST = "checklist"

KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    QUEUE: (
        ("enter", "open"),
        ("1/2/3", "answer"),
        ("space", "mark"),
        ("v", "range"),
        ("S", "sign marked"),
        ("c", "copy"),
        ("?", "help"),
        ("q", "quit"),
    ),
    CHECKLIST: (
        ("1", "pass"),
        ("2", "fail"),
        ("3", "n/a"),
        ("BOPN", "pattern"),
        ("e", "text"),
        ("c", "copy"),
        ("s", "sign off"),
        ("n", "next"),
        ("?", "help"),
        ("q", "quit"),
    ),
    SITE: (
        ("j/k", "scroll"),
        ("PgUp/PgDn", "page"),
        ("d", "diff"),
        ("tab", "next pane"),
        ("esc", "queue"),
        ("?", "help"),
        ("q", "quit"),
    ),
}
"""The keys shown for each pane, most used first."""


def key_line(pane: str, width: int = 80) -> Text:
    """The keys of ``pane`` as one line of at most ``width`` cells (whole keys only)."""
    out = Text(no_wrap=True, overflow="crop")
    for key, what in KEYS.get(pane, KEYS[QUEUE]):
        part = Text.assemble((key, "bold reverse"), " ", what, " ")
        if out.cell_len + part.cell_len > width:
            break
        out.append_text(part)
    out.rstrip()
    return out


class KeyBar(Static):
    """Shows :func:`key_line` for the focused pane."""

    DEFAULT_CSS = """
    KeyBar { height: 1; background: $panel; }
    """

    pane = QUEUE

    def show(self, pane: str) -> None:
        self.pane = pane
        self.update(key_line(pane, max(self.size.width, 20) if self.size.width else 80))

    def on_resize(self) -> None:
        self.show(self.pane)
