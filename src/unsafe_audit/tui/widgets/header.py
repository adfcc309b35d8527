"""The header line: what is reviewed (base → head) and how far the review is.

The count keeps one width for the whole review (wide enough for ``total/total``), and the title
gives way from the left when the line is short: the revisions, at its end, stay on screen.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from unsafe_audit.tui.widgets.literal import literal_line

BAR = 10
"""Cells of the progress bar."""


def count_text(done: int, total: int) -> str:
    """``12/65 signed``, padded to the width the count has at ``total/total``."""
    text = f"{done}/{total} signed"
    return text.rjust(len(f"{total}/{total} signed"))


def bar_text(done: int, total: int) -> str:
    filled = BAR * done // total if total else 0
    return "█" * filled + "░" * (BAR - filled)


def left_cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, cut from the left with ``…``."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    out = text
    while out and cell_len(out) > width - 1:
        out = out[1:]
    return "…" + out


class ReviewHeader(Widget):
    """``pg_cache: v0.2.1 → working tree of v0.3.0   ███░░░░░░░ 20/65 signed``."""

    DEFAULT_CSS = """
    ReviewHeader { height: 1; background: $panel; text-style: bold; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = "unsafe-audit review"
        self.done = 0
        self.total = 0

    def show(
        self, title: str | None = None, done: int | None = None, total: int | None = None
    ) -> None:
        """Set the title (made literal) and the count; None keeps what was there."""
        if title is not None:
            self.title_text = literal_line(title)
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        self.refresh()

    def line(self, width: int) -> str:
        """The header as plain text in ``width`` cells (what :meth:`render` shows)."""
        right = ""
        if self.total:
            right = f"{bar_text(self.done, self.total)} {count_text(self.done, self.total)}"
        room = width - cell_len(right) - (2 if right else 0)
        title = left_cut(self.title_text, max(room, 0))
        return title + " " * max(width - cell_len(title) - cell_len(right), 0) + right

    def render(self) -> Text:
        return Text(self.line(self.content_size.width), no_wrap=True, overflow="crop")
