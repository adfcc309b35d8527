"""Checklist answers the contracts suggest for a review unit, each with its evidence.

A suggestion is shown beside its checklist item for the reviewer to confirm (or not); it is
never written as an answer and never signs anything. Only what the contracts settle for every
function the unit calls is suggested, and only as ``pass``: the facts that point to a problem
are shown as evidence instead (see :mod:`unsafe_audit.contracts.summary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from unsafe_audit.contracts.table import MajorFacts, load

__all__ = ["Suggestion", "suggestions"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An answer the contracts suggest for one checklist item."""

    verdict: str
    """``pass``."""
    why: str
    """The evidence, for people."""


def _newest(names: Sequence[str]) -> list[tuple[str, MajorFacts]] | None:
    """Each function's facts for the newest majors, or None when one has no contract."""
    table = load()
    found = []
    for name in names:
        contract = table.get(name)
        if contract is None or not contract.facts:
            return None
        found.append((name, contract.facts[-1]))
    return found


def suggestions(called: Sequence[str]) -> dict[str, Suggestion]:
    """Suggested answers by checklist item id, for a unit that calls the pg_sys functions
    ``called`` (none when it calls none, or when one of them has no contract)."""
    facts = _newest(called) if called else None
    if not facts:
        return {}
    names = ", ".join(name for name, _ in facts)
    out: dict[str, Suggestion] = {}
    if all(f.returns_null in ("no", "-") for _, f in facts):
        out["null-check"] = Suggestion(
            "pass", f"no function called here returns NULL per PostgreSQL's source ({names})"
        )
    if all(f.raises == "no" for _, f in facts):
        out["no-use-after-throw"] = Suggestion(
            "pass", f"no function called here raises an ERROR per PostgreSQL's source ({names})"
        )
    return out
