"""The site pane: the code with its context, the diff against the base release, the pg_sys calls,
the hints with their evidence, and the previous justification of a stale sign-off.

All repository text is rendered through Rich ``Syntax``/``Text`` (see :mod:`.literal`), so it is
shown literally. The pane takes focus (``tab``) and scrolls by keyboard; at 80 columns it is
about 46 cells wide, so code is wrapped rather than cut: every character of a line is on
screen without a key, with the line number only on its first row.
"""

from __future__ import annotations

from rich.console import Group as RichGroup
from rich.console import RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from unsafe_audit.review import ReviewItem, ReviewSession
from unsafe_audit.review_state import Review
from unsafe_audit.tui.widgets.literal import literal, literal_line, literal_text

_THEME = "ansi_dark"


def code_renderable(item: ReviewItem) -> RenderableType:
    """The site's code with line numbers, its enclosing fn and the site's lines highlighted."""
    view = item.code
    if view is None:
        return Text(f"{literal_line(item.site.path)}: the file cannot be read", style="italic")
    parts: list[RenderableType] = []
    if view.header:
        parts.append(
            Syntax(
                literal(view.header),
                "rust",
                theme=_THEME,
                line_numbers=True,
                start_line=view.header_line,
                word_wrap=True,
                background_color="default",
            )
        )
        parts.append(Text("      ⋮", style="dim"))
    first, last = view.site_lines
    parts.append(
        Syntax(
            literal(view.text),
            "rust",
            theme=_THEME,
            line_numbers=True,
            start_line=view.start_line,
            highlight_lines=set(range(first, last + 1)),
            word_wrap=True,
            background_color="default",
        )
    )
    return RichGroup(*parts)


def diff_renderable(item: ReviewItem) -> RenderableType:
    """A unified diff of the base code against head, one style per line kind."""
    lines = item.diff_lines()
    if not lines:
        return Text("no base version of this site to compare with", style="italic")
    out = Text()
    for line in lines:
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        out.append_text(literal_text(line + "\n", style))
    out.rstrip()
    return out


def title_text(item: ReviewItem, session: ReviewSession) -> Text:
    """``unsafe_block  src/lib.rs:113  pg_cache_key_len  · new · missing``."""
    site = item.site
    group = session.group(item)
    out = Text()
    out.append(site.kind.value, style="bold")
    out.append(f"  {literal_line(site.path)}:{site.line}", style="underline")
    out.append(f"  {literal_line(site.item or '(crate root)')}")
    out.append(f"\n{group.value}", style="bold reverse")
    out.append(f"  diff: {item.status.value}  ·  id {site.id}", style="dim")
    if site.in_macro:
        out.append("  ·  inside a macro", style="dim")
    if site.attributes:
        out.append(f"\nattributes: {literal_line(', '.join(site.attributes))}", style="dim")
    return out


def facts_renderable(item: ReviewItem) -> RenderableType:
    """The pg_sys calls, the hints with their evidence, the SAFETY comment."""
    out = Text()
    uses = item.pg_sys_uses  # the unit's members, each with its kind and line
    out.append("pg_sys: ", style="bold")
    out.append(literal_line(uses) if uses else "none", style="" if uses else "dim")
    for line in item.contracts:  # PostgreSQL's side of each call, as evidence
        out.append(f"\n  · {literal_line(line)}", style="dim")
    if item.hints:
        out.append(f"\nhints ({len(item.hints)}):", style="bold")
        for hint in item.hints:
            out.append(f"\n ! [{literal_line(hint.hint_id)}] ", style="yellow")
            out.append(f"line {hint.line}: {literal_line(hint.message)}")
            out.append(f" (items: {literal_line(', '.join(hint.items))})", style="dim")
            for ev in hint.evidence.splitlines():
                out.append(f"\n     {literal(ev)}", style="dim")
    else:
        out.append("\nhints: none", style="dim")
    return out


def previous_renderable(item: ReviewItem) -> RenderableType | None:
    """The stale sign-off's justification and who wrote it, if the site had one."""
    entry = item.entry
    if entry is None:
        return None
    if item.review is Review.STALE:
        why = item.reason or "code changed"
        head = f"previous sign-off (stale: {why}) by {entry.reviewer} for {entry.release}:"
    else:
        head = f"signed off by {entry.reviewer} for {entry.release} ({entry.lifetime_pattern}):"
    out = Text()
    out.append(literal_line(head) + "\n", style="bold")
    out.append_text(literal_text(entry.justification))
    return out


class SiteView(VerticalScroll, can_focus=True):
    """The top half of the site pane."""

    def scroll_lines(self, lines: int) -> None:
        """Scroll by ``lines`` (negative: up); the reviewer's scroll wins over the scroll to
        the site that a newly shown site waits for."""
        self._pending_scroll = None
        self.scroll_relative(y=lines, animate=False)

    def scroll_page(self, pages: float) -> None:
        """Scroll by ``pages`` of the pane's height (negative: up)."""
        step = max(1, int(self.scrollable_content_region.height * abs(pages)))
        self.scroll_lines(step if pages > 0 else -step)

    def scroll_edge(self, step: int) -> None:
        """To the end (``step`` > 0) or the top."""
        self._pending_scroll = None
        if step > 0:
            self.scroll_end(animate=False)
        else:
            self.scroll_home(animate=False)

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="site-title", markup=False)
        yield Static(id="site-code", markup=False)
        yield Static(id="site-diff", markup=False)
        yield Static(id="site-facts", markup=False)
        yield Static(id="site-previous", markup=False)

    def show(self, item: ReviewItem | None, session: ReviewSession, *, diff: bool) -> None:
        """Show ``item``; ``diff`` shows the base/head diff instead of the code."""
        title = self.query_one("#site-title", Static)
        code = self.query_one("#site-code", Static)
        diff_view = self.query_one("#site-diff", Static)
        facts = self.query_one("#site-facts", Static)
        previous = self.query_one("#site-previous", Static)
        if item is None:
            title.update(Text("no site matches the filter (press f to change it)"))
            for w in (code, diff_view, facts, previous):
                w.update("")
                w.display = False
            return
        title.update(title_text(item, session))
        show_diff = diff and item.before is not None
        code.display = not show_diff
        diff_view.display = show_diff
        if show_diff:
            diff_view.update(diff_renderable(item))
        else:
            code.update(code_renderable(item))
        facts.display = True
        facts.update(facts_renderable(item))
        prev = previous_renderable(item)
        previous.display = prev is not None
        previous.update(prev if prev is not None else "")
        self.scroll_home(animate=False)
        self._pending_scroll = None
        if not show_diff and item.code is not None:
            # Bring the site's first line near the top: the context above it stays reachable.
            lines_above = item.code.site_lines[0] - item.code.start_line
            if item.code.header:
                lines_above += item.code.header.count("\n") + 2
            self._pending_scroll = lines_above
            self.call_after_refresh(self._scroll_to_site, code)

    _pending_scroll: int | None = None

    def _scroll_to_site(self, code: Static) -> None:
        # The code's offset inside the pane is known once the title above it has been laid
        # out; until then, try again after the next refresh (a stale offset scrolled to a
        # different line from one run to the next).
        if self._pending_scroll is None:
            return
        if code.virtual_region.height == 0:
            self.call_after_refresh(self._scroll_to_site, code)
            return
        top = code.virtual_region.y
        self.scroll_to(y=max(0, top + self._pending_scroll - 3), animate=False)
        self._pending_scroll = None
