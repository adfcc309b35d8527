"""``ConfirmSignOff``: shows the exact YAML each sign-off will write; returns True to write.

One section per entry (a bulk sign-off lists every entry, and first the marked sites it leaves
unsigned, with why). The text scrolls by keyboard, since an entry is longer than an 80x24
screen: ``j``/``k``, the arrows, PageUp/PageDown, ``space``, Home/End.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from unsafe_audit.tui.widgets.literal import literal, literal_line


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the preview: a heading and a body (YAML unless ``plain``)."""

    heading: str
    body: str
    plain: bool = False


def section_renderable(section: Section) -> RenderableType:
    heading = Text(literal_line(section.heading), style="bold reverse" if section.plain else "bold")
    if section.plain:
        return Group(heading, Text(literal(section.body), style="red"), Text(""))
    body = Syntax(
        literal(section.body),
        "yaml",
        theme="ansi_dark",
        word_wrap=True,
        background_color="default",
    )
    return Group(heading, body, Text(""))


def _key(keys: str, action: str) -> Binding:
    # Priority: the key acts at once, so a key typed right after y finds the review screen.
    return Binding(keys, action, show=False, priority=True)


class ConfirmSignOff(ModalScreen[bool]):
    """``y`` writes, ``n``/escape goes back; the preview scrolls."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _key("y", "answer(True)"),
        _key("n,escape", "answer(False)"),
        _key("j,down", "scroll(1)"),
        _key("k,up", "scroll(-1)"),
        _key("pagedown,space", "page(1)"),
        _key("pageup", "page(-1)"),
        _key("home,g", "edge(-1)"),
        _key("end,G", "edge(1)"),
    ]

    def __init__(self, title: str, sections: Sequence[Section]) -> None:
        super().__init__()
        self.title_text = literal_line(title)
        self.sections = list(sections)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.title_text, style="bold"), id="confirm-title")
            with VerticalScroll(id="confirm-yaml"):
                yield Static(Group(*(section_renderable(s) for s in self.sections)))
            yield Static(
                Text("y writes it · n or escape goes back · j/k, PgUp/PgDn scroll", style="dim"),
                id="confirm-keys",
            )

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#confirm-yaml"))

    @property
    def _scroller(self) -> VerticalScroll:
        return self.query_one("#confirm-yaml", VerticalScroll)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def action_scroll(self, step: int) -> None:
        self._scroller.scroll_relative(y=step, animate=False)

    def action_page(self, step: int) -> None:
        scroller = self._scroller
        height = max(1, scroller.scrollable_content_region.height - 1)
        scroller.scroll_relative(y=step * height, animate=False)

    def action_edge(self, step: int) -> None:
        scroller = self._scroller
        scroller.scroll_end(animate=False) if step > 0 else scroller.scroll_home(animate=False)
