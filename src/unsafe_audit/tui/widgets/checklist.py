"""The checklist panel: the lifetime pattern, the items that apply to the site's kind with their
answers, and the justification. ``space`` cycles an answer, ``enter`` edits a note or the text.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from unsafe_audit.ledger.entry import Verdict
from unsafe_audit.review import ReviewItem, ReviewSession
from unsafe_audit.tui.widgets.literal import literal, literal_line

PATTERN = "pattern"
JUSTIFICATION = "justification"
ITEM_PREFIX = "item:"

ANSWER_LABEL: dict[Verdict | None, tuple[str, str]] = {
    None: ("[    ]", "bold"),
    Verdict.PASS: ("[pass]", "bold green"),
    Verdict.FAIL: ("[FAIL]", "bold red"),
    Verdict.NOT_APPLICABLE: ("[n/a ]", "bold blue"),
}
"""How each answer is marked: words, so the state reads without colour."""


def option_prompts(item: ReviewItem, session: ReviewSession) -> list[tuple[str, Text]]:
    """(option id, prompt) for the pattern, every applicable item, and the justification."""
    draft = session.draft(item.id)
    out: list[tuple[str, Text]] = []
    if item.pattern_applies:
        pattern = draft.pattern
        titles = {p.id: p.title for p in session.checklist.lifetime_patterns}
        text = Text()
        text.append(
            "[" + literal_line(pattern or "    ").ljust(6)[:6] + "]",
            "bold magenta" if pattern else "bold",
        )
        text.append(" lifetime pattern: ")
        text.append(
            literal_line(titles.get(pattern, ""))
            if pattern
            else "borrow / own / pin / n/a (space)",
            "" if pattern else "dim",
        )
        out.append((PATTERN, text))
    for checklist_item in item.items:
        answer = draft.answer(checklist_item.id)
        label, style = ANSWER_LABEL[answer.verdict]
        text = Text()
        text.append(label, style)
        text.append(
            f" {literal_line(checklist_item.section)} {literal_line(checklist_item.id)}", "bold"
        )
        text.append(f"\n{literal(checklist_item.question)}")
        if answer.note:
            text.append(f"\nnote: {literal_line(answer.note)}", "italic")
        out.append((ITEM_PREFIX + checklist_item.id, text))
    justification = session.justification(item.id)
    text = Text()
    edited = draft.justification is not None
    text.append("[edit]" if not justification.strip() else "[text]", "bold")
    source = (
        "edited"
        if edited
        else "from the stale sign-off"
        if item.previous_justification
        else "from // SAFETY:"
        if item.site.safety_comment
        else "empty"
    )
    text.append(f" justification ({source}; e to edit)", "bold")
    if justification.strip():
        text.append("\n" + literal(justification.strip()))
    out.append((JUSTIFICATION, text))
    return out


class ChecklistPanel(OptionList):
    """Answers for the current site. Posts :class:`ChecklistPanel.Activated`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("space", "activate('space')", "Cycle answer", show=True),
        Binding("enter", "activate('enter')", "Note/edit", show=True),
        Binding("1", "activate('1')", "Pass/1st", show=False),
        Binding("2", "activate('2')", "Fail/2nd", show=False),
        Binding("3", "activate('3')", "n/a/3rd", show=False),
        Binding("4", "activate('4')", "4th pattern", show=False),
    ]

    class Activated(Message):
        """space or enter on a row: ``row`` is an option id, ``key`` what was pressed."""

        def __init__(self, row: str, key: str) -> None:
            super().__init__()
            self.row = row
            self.key = key

    site_id: str | None = None

    def show(self, item: ReviewItem | None, session: ReviewSession) -> None:
        """Show ``item``'s rows: the same site keeps its highlighted row, another site starts
        on its first unanswered row."""
        if item is None:
            self.clear_options()
            self.site_id = None
            return
        prompts = option_prompts(item, session)
        same_rows = self.option_count == len(prompts) and all(
            self.get_option_at_index(n).id == option_id for n, (option_id, _) in enumerate(prompts)
        )
        if same_rows:
            # Rewrite only the prompts that changed: rebuilding every option re-lays out the
            # list, and the next site of the same kind often reads the same.
            for n, (_, prompt) in enumerate(prompts):
                if self.get_option_at_index(n).prompt != prompt:
                    self.replace_option_prompt_at_index(n, prompt)
            if item.id == self.site_id:
                return
        else:
            self.set_options(Option(prompt, id=option_id) for option_id, prompt in prompts)
        self.site_id = item.id
        draft = session.draft(item.id)
        first = 0
        for n, (option_id, _) in enumerate(prompts):
            if option_id == PATTERN and draft.pattern is None:
                first = n
                break
            item_id = option_id.removeprefix(ITEM_PREFIX)
            if option_id.startswith(ITEM_PREFIX) and draft.answer(item_id).verdict is None:
                first = n
                break
            if option_id == JUSTIFICATION:
                first = n
        self.highlighted = first

    def action_activate(self, key: str) -> None:
        option = self.highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.Activated(option.id, key))

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        # A mouse click selects: cycle the answer as space would.
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Activated(event.option.id, "click"))
