"""``FilterScreen``: narrow the queue by status, kind, file and hint (any, or one hint id);
returns the filter."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Select, Static

from unsafe_audit.model import SiteKind
from unsafe_audit.review import ALL, TO_REVIEW, Group, QueueFilter
from unsafe_audit.tui.widgets.literal import literal_line


class FilterScreen(ModalScreen[QueueFilter | None]):
    """Returns the new filter (apply), the default filter (reset) or None (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        current: QueueFilter,
        files: list[str],
        counts: dict[Group, int],
        hints: dict[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.current = current
        self.files = files
        self.counts = counts
        self.hints = hints or {}
        """Sites per hint id."""

    def compose(self) -> ComposeResult:
        statuses = [("to review (new, changed, stale, missing)", TO_REVIEW), ("all sites", ALL)]
        statuses += [(f"{g.value} ({self.counts.get(g, 0)})", g.value) for g in Group]
        with Vertical(id="filter-box"):
            yield Static(Text("Filter the queue", style="bold"))
            yield Select(statuses, value=self.current.status, allow_blank=False, id="f-status")
            yield Select(
                [(k.value, k.value) for k in SiteKind],
                value=self.current.kind.value if self.current.kind else Select.NULL,
                prompt="any kind",
                id="f-kind",
            )
            yield Select(
                # A file name is shown literally: a str prompt would be read as markup.
                [(Text(literal_line(f)), f) for f in self.files],
                value=self.current.file if self.current.file else Select.NULL,
                prompt="any file",
                id="f-file",
            )
            yield Checkbox("only sites with hints", self.current.has_hint, id="f-hint")
            yield Select(
                [
                    (Text(f"{literal_line(hint_id)} ({n})"), hint_id)
                    for hint_id, n in self.hints.items()
                ],
                value=self.current.hint if self.current.hint in self.hints else Select.NULL,
                prompt="any hint",
                id="f-hint-id",
            )
            with Horizontal(id="filter-buttons"):
                yield Button("Apply", id="apply", variant="primary")
                yield Button("Reset", id="reset")

    def _value(self, selector: str) -> str | None:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else None

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        kind = self._value("#f-kind")
        self.dismiss(
            QueueFilter(
                status=self._value("#f-status") or TO_REVIEW,
                kind=SiteKind(kind) if kind else None,
                file=self._value("#f-file"),
                has_hint=self.query_one("#f-hint", Checkbox).value,
                hint=self._value("#f-hint-id"),
                text=self.current.text,
            )
        )

    @on(Button.Pressed, "#reset")
    def _reset(self) -> None:
        self.dismiss(QueueFilter())

    def action_cancel(self) -> None:
        self.dismiss(None)
