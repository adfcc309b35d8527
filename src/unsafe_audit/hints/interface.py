"""The ``Hint`` value: what a static rule saw, as every output shows it. Pure.

A hint is evidence shown to a reviewer next to a site ("this extern fn has no #[pg_guard]",
with the file and line); it never answers a checklist item by itself. The rules that make
hints, and what they read, are in :mod:`unsafe_audit.hints.rule`.
"""

from __future__ import annotations

from dataclasses import dataclass

from unsafe_audit.model import SiteId


@dataclass(frozen=True, slots=True)
class Hint:
    """One thing a rule saw in the code, tied to the checklist items it bears on."""

    hint_id: str
    """The rule's id (``pg-guard-missing``)."""
    items: tuple[str, ...]
    """Ids of the checklist items the hint is evidence for."""
    site_id: SiteId | None
    """The site the hint is shown with; None when no site holds the code it is about."""
    path: str
    """File path relative to the scanned root, with forward slashes."""
    line: int
    """1-based line of the code the hint is about."""
    message: str
    """One sentence: what was seen and why it matters."""
    evidence: str
    """The code line(s) the hint is about, stripped."""
    rank: int = 0
    """Where the hint lists among a site's: evidence of a bug or a broken contract (0) before
    advice (1, a missing SAFETY comment), each by line."""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """How hints are listed: by file, rank, line, rule and message."""
        return (self.path, self.rank, self.line, self.hint_id, self.message)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.hint_id}] {self.message}"

    def to_json(self) -> dict[str, object]:
        """The fields every machine-readable output carries."""
        return {
            "id": self.hint_id,
            "items": list(self.items),
            "path": self.path,
            "line": self.line,
            "message": self.message,
        }
