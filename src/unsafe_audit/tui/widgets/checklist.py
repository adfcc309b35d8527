"""The checklist panel: the lifetime pattern, the items that apply to the site's kind with their
answers, and the justification. Its keys are routed by the app (``1``/``2``/``3`` answer the
highlighted item, ``space`` cycles it, ``enter`` edits a note or the text, the pattern keys
name the pattern from any row); a mouse click posts :class:`ChecklistPanel.Activated`.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from unsafe_audit.ledger.entry import Verdict
from unsafe_audit.review import ReviewItem, ReviewSession
from unsafe_audit.tui.keys import PATTERN_LETTERS
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


def pattern_keys(session: ReviewSession) -> dict[str, str]:
    """The key that names each lifetime pattern: its first letter, upper case (``B`` borrow,
    ``O`` own, ``P`` pin, ``N`` n/a), unless another pattern or a review key has it."""
    keys: dict[str, str] = {}
    for pattern in session.checklist.lifetime_patterns:
        letters = [c.upper() for c in pattern.id if c.isalpha()]
        if letters and letters[0] not in keys and letters[0] in PATTERN_LETTERS:
            keys[letters[0]] = pattern.id
    return keys


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
        if pattern:
            text.append(literal_line(titles.get(pattern, "")))
        keys = " · ".join(f"{k} {literal_line(v)}" for k, v in pattern_keys(session).items())
        text.append(("\n" if pattern else "") + (keys or "space cycles"), "dim")
        out.append((PATTERN, text))
    suggestions = item.suggestions  # worked out once per render, not once per row
    for checklist_item in item.items:
        answer = draft.answer(checklist_item.id)
        label, style = ANSWER_LABEL[answer.verdict]
        text = Text()
        text.append(label, style)
        text.append(
            f" {literal_line(checklist_item.section)} {literal_line(checklist_item.id)}", "bold"
        )
        text.append(f"\n{literal(checklist_item.question)}")
        suggested = suggestions.get(checklist_item.id)
        if suggested is not None and answer.verdict is None:
            text.append(
                f"\nsuggested: {literal_line(suggested.verdict)}: {literal_line(suggested.why)}"
                "; 1 confirms",
                "dim",
            )
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
        else "from the enclosing site's sign-off"
        if justification.strip()
        else "empty"
    )
    text.append(f" justification ({source}; e to edit)", "bold")
    if justification.strip():
        text.append("\n" + literal(justification.strip()))
    out.append((JUSTIFICATION, text))
    return out


class ChecklistPanel(OptionList):
    """Answers for the current site. Posts :class:`ChecklistPanel.Activated`."""

    class Activated(Message):
        """space or enter on a row: ``row`` is an option id, ``key`` what was pressed."""

        def __init__(self, row: str, key: str) -> None:
            super().__init__()
            self.row = row
            self.key = key

    site_id: str | None = None

    def show(self, item: ReviewItem | None, session: ReviewSession) -> None:
        """Show ``item``'s rows: the same site keeps its highlighted row, another site starts
        on its first unanswered item (the pattern has its own keys), else the pattern row if
        it is unanswered, else the justification."""
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
        ids = [option_id for option_id, _ in prompts]
        unanswered = [
            n
            for n, option_id in enumerate(ids)
            if option_id.startswith(ITEM_PREFIX)
            and draft.answer(option_id.removeprefix(ITEM_PREFIX)).verdict is None
        ]
        if unanswered:
            self.highlighted = unanswered[0]
        elif PATTERN in ids and draft.pattern is None:
            self.highlighted = ids.index(PATTERN)
        else:
            self.highlighted = len(ids) - 1

    def advance(self, item: ReviewItem, session: ReviewSession) -> None:
        """Highlight the next item below that is still unanswered (the next row when none
        is): after copied answers, ``1`` after ``1`` fills the gaps."""
        draft = session.draft(item.id)
        start = (self.highlighted or 0) + 1
        for n in range(start, self.option_count):
            option_id = self.get_option_at_index(n).id or ""
            if (
                option_id.startswith(ITEM_PREFIX)
                and draft.answer(option_id.removeprefix(ITEM_PREFIX)).verdict is None
            ):
                self.highlighted = n
                return
        self.action_cursor_down()

    @property
    def row(self) -> str | None:
        """The highlighted row's id."""
        option = self.highlighted_option
        return option.id if option is not None else None

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        # A mouse click selects: cycle the answer as space would.
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Activated(event.option.id, "click"))
