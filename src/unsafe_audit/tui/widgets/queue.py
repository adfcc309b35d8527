"""The queue: every site of the review in one virtualised list, grouped by status and file.

A line-API widget (``ScrollView``): only the rows on screen are rendered, each row is one
line, so 10,000 sites scroll as fast as ten. Rows are group/file headers and sites; the cursor
only lands on sites. Its keys are routed by the app (see :mod:`unsafe_audit.tui.app`), which
calls :meth:`QueueList.action_cursor` and :meth:`QueueList.action_open`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from unsafe_audit.model import SiteId, SiteKind
from unsafe_audit.review import Group, ReviewItem, ReviewSession
from unsafe_audit.tui.widgets.literal import literal_line

KIND_LABEL: dict[SiteKind, str] = {
    SiteKind.UNSAFE_BLOCK: "block",
    SiteKind.UNSAFE_FN: "fn",
    SiteKind.UNSAFE_IMPL: "impl",
    SiteKind.UNSAFE_TRAIT: "trait",
    SiteKind.UNSAFE_EXTERN_BLOCK: "uexter",
    SiteKind.EXTERN_BLOCK: "extern",
    SiteKind.EXTERN_FN: "xfn",
    SiteKind.UNSAFE_ATTRIBUTE: "attr",
    SiteKind.PG_SYS_CALL: "pgcall",
    SiteKind.PG_SYS_STATIC: "pgstat",
}

MARK: dict[str, str] = {"todo": "○", "draft": "◐", "signed": "✓", "failed": "✗"}
"""State marks: readable without colour (NO_COLOR)."""
MARKED = "+"
"""Before a site marked for a bulk sign-off."""


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the queue: a header (``index`` None) or a site (its session index)."""

    text: str
    index: int | None = None
    group: Group | None = None


def build_rows(session: ReviewSession) -> list[Row]:
    """Header and site rows for the session's visible items."""
    rows: list[Row] = []
    last: tuple[Group, str] | None = None
    groups: dict[Group, int] = {}
    files: dict[tuple[Group, str], int] = {}
    visible = [session.items[i] for i in session.visible]
    for item in visible:
        g = item.group
        groups[g] = groups.get(g, 0) + 1
        files[(g, item.site.path)] = files.get((g, item.site.path), 0) + 1
    last_group: Group | None = None
    for index in session.visible:
        item = session.items[index]
        g = item.group
        if g is not last_group:
            rows.append(Row(f"{g.value.upper()} ({groups[g]})", None, g))
            last_group = g
        key = (g, item.site.path)
        if key != last:
            rows.append(Row(f" {literal_line(item.site.path)} ({files[key]})", None))
            last = key
        rows.append(Row(site_label(item), index, g))
    return rows


def site_label(item: ReviewItem) -> str:
    """``block  L113 pg_cache_key_len``: kind, line and the item's last path segment."""
    name = item.site.item.rsplit("::", 1)[-1] or "(crate root)"
    if item.site.kind.is_pg_sys and item.site.name:
        name = item.site.name
    return f"{KIND_LABEL[item.site.kind]:<6}{item.site.line:>5} {literal_line(name)}"


class QueueList(ScrollView, can_focus=True):
    """The site queue. Posts :class:`QueueList.Moved` and :class:`QueueList.Opened`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue--header",
        "queue--file",
        "queue--cursor",
        "queue--signed",
        "queue--draft",
        "queue--marked",
    }

    DEFAULT_CSS = """
    QueueList { background: $surface; }
    QueueList > .queue--header { text-style: bold; color: $accent; }
    QueueList > .queue--file { color: $text-muted; }
    QueueList > .queue--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    QueueList > .queue--signed { color: $success; }
    QueueList > .queue--draft { color: $warning; }
    QueueList > .queue--marked { text-style: bold; background: $accent 30%; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=True)

    class Moved(Message):
        """The cursor is on another site."""

        def __init__(self, site_id: SiteId) -> None:
            super().__init__()
            self.site_id = site_id

    class Opened(Message):
        """The reviewer opened the site under the cursor (enter or a click)."""

        def __init__(self, site_id: SiteId) -> None:
            super().__init__()
            self.site_id = site_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: ReviewSession | None = None
        self.rows: list[Row] = []
        self._row_of: dict[int, int] = {}
        self._position_of: dict[int, int] = {}

    def load(self, session: ReviewSession) -> None:
        """(Re)build the rows from the session's visible items; keep the session's cursor."""
        self.session = session
        self.rows = build_rows(session)
        self._row_of = {r.index: n for n, r in enumerate(self.rows) if r.index is not None}
        self._position_of = {index: n for n, index in enumerate(session.visible)}
        self.virtual_size = Size(self.size.width, len(self.rows))
        self.sync_cursor(scroll=True)
        self.refresh()

    def sync_cursor(self, *, scroll: bool = True) -> None:
        """Put the highlighted row on the session's current item."""
        current = self.session.current if self.session else None
        if current is None or self.session is None:
            self.cursor_row = 0
            return
        index = self.session.visible[self.session.cursor]
        self.cursor_row = self._row_of.get(index, 0)
        if scroll:
            self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height or 1
        top = self.scroll_offset.y
        row = self.cursor_row
        if row < top + 1:
            # keep the group/file header above the first site visible
            self.scroll_to(y=max(0, row - 2), animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)

    def action_cursor(self, step: int) -> None:
        if self.session is None or not self.session.visible:
            return
        self.session.move(step)
        self.sync_cursor()
        current = self.session.current
        if current is not None:
            self.post_message(self.Moved(current.id))

    def action_open(self) -> None:
        if self.session is not None and self.session.current is not None:
            self.post_message(self.Opened(self.session.current.id))

    async def _on_click(self, event: events.Click) -> None:
        # The event's offset counts the border: a click on a row selected the one below it.
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = offset.y + self.scroll_offset.y
        if 0 <= row < len(self.rows) and self.session is not None:
            index = self.rows[row].index
            if index is not None:
                self.session.select(self.session.items[index].id)
                self.sync_cursor(scroll=False)
                self.post_message(self.Moved(self.session.items[index].id))
                if event.chain >= 2:
                    self.post_message(self.Opened(self.session.items[index].id))

    @property
    def _bounds(self) -> tuple[int, int] | None:
        session = self.session
        if session is None or session.marks.anchor is None:
            return None
        shown = [session.items[i].id for i in session.visible]
        return session.marks.bounds(shown, session.cursor)

    def render_lines(self, crop: Region) -> list[Strip]:
        # One range lookup per repaint, not one per row.
        self._bounds_now = self._bounds
        return super().render_lines(crop)

    _bounds_now: tuple[int, int] | None = None

    def render_line(self, y: int) -> Strip:
        row_number = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if row_number >= len(self.rows) or self.session is None:
            return Strip.blank(width, self.rich_style)
        row = self.rows[row_number]
        base = self.rich_style
        session = self.session
        if row.index is None:
            cls = "queue--header" if row.group is not None else "queue--file"
            style = base + self.get_component_rich_style(cls)
            text = row.text
        else:
            item = session.items[row.index]
            group = session.group(item)
            if group is Group.SIGNED:
                mark, cls = MARK["signed"], "queue--signed"
            elif group is Group.FAILED:
                mark, cls = MARK["failed"], "queue--signed"
            elif item.id in session.drafts:
                mark, cls = MARK["draft"], "queue--draft"
            else:
                mark, cls = MARK["todo"], ""
            marked = session.marks.is_marked(
                item.id, self._position_of.get(row.index, -1), self._bounds_now
            )
            if marked:
                cls = "queue--marked"
            style = base + (self.get_component_rich_style(cls) if cls else Style())
            if row_number == self.cursor_row:
                style = base + self.get_component_rich_style("queue--cursor")
            text = f"{MARKED if marked else ' '}{mark} {row.text}"
        return Strip([Segment(_fit(text, width), style)], width)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.rows))


def _fit(text: str, width: int) -> str:
    """``text`` cut with an ellipsis or padded to exactly ``width`` cells."""
    if cell_len(text) > width and width > 1:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)
