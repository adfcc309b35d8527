"""A reviewer's unfinished answers for one site (a draft), as kept between sessions. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from unsafe_audit.ledger.entry import Verdict

ANSWER_CYCLE: tuple[Verdict | None, ...] = (
    None,
    Verdict.PASS,
    Verdict.FAIL,
    Verdict.NOT_APPLICABLE,
)
"""What ``space`` steps through: unanswered, pass, fail, n/a, and round again."""


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    """A reviewer's answer to one checklist item, possibly not given yet."""

    verdict: Verdict | None = None
    """pass, fail, n/a, or None while unanswered."""
    note: str = ""
    """An optional note (why n/a, what fails)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """Everything a reviewer has said about one site so far."""

    answers: Mapping[str, ItemAnswer] = field(default_factory=dict)
    """Answers by checklist item id."""
    pattern: str | None = None
    """The lifetime pattern named (``borrow``, ``own``, ``pin``, ``n/a``), or None."""
    justification: str | None = None
    """The justification as edited; None until the reviewer touches it (then the offered
    text is used)."""
    token_hash: str = ""
    """The code the draft was written for; a draft for other code is flagged when resumed."""

    def answer(self, item_id: str) -> ItemAnswer:
        """The answer to ``item_id`` (unanswered if none)."""
        return self.answers.get(item_id, ItemAnswer())

    @property
    def empty(self) -> bool:
        """True when nothing has been said yet."""
        return (
            not any(a.verdict is not None or a.note for a in self.answers.values())
            and self.pattern is None
            and self.justification is None
        )

    def to_json(self) -> dict[str, Any]:
        """A plain JSON-able dict (see :meth:`from_json`)."""
        return {
            "answers": {
                k: {"answer": a.verdict.value if a.verdict else None, "note": a.note}
                for k, a in self.answers.items()
                if a.verdict is not None or a.note
            },
            "pattern": self.pattern,
            "justification": self.justification,
            "token_hash": self.token_hash,
        }

    @classmethod
    def from_json(cls, data: object) -> Draft | None:
        """A draft from :meth:`to_json` output; None for anything malformed (drafts are a
        convenience: a damaged one is dropped, never trusted)."""
        if not isinstance(data, dict):
            return None
        answers: dict[str, ItemAnswer] = {}
        raw = data.get("answers", {})
        if not isinstance(raw, dict):
            return None
        for key, value in raw.items():
            if not isinstance(key, str) or not isinstance(value, dict):
                return None
            verdict_text = value.get("answer")
            note = value.get("note", "")
            try:
                verdict = Verdict(verdict_text) if verdict_text is not None else None
            except ValueError:
                return None
            answers[key] = ItemAnswer(verdict, note if isinstance(note, str) else "")
        pattern = data.get("pattern")
        justification = data.get("justification")
        token_hash = data.get("token_hash", "")
        if not (pattern is None or isinstance(pattern, str)):
            return None
        if not (justification is None or isinstance(justification, str)):
            return None
        return cls(
            answers, pattern, justification, token_hash if isinstance(token_hash, str) else ""
        )
