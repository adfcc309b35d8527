"""Whether the contracts a sign-off recorded still hold, and if not why, in words. Pure.

A sign-off records the digest of its unit's callees' contracts for each major the extension
built for (:mod:`unsafe_audit.contracts.digest`). Against the majors it builds for now:

- a recorded major whose digest differs: the contracts table changed (a newer tool read
  PostgreSQL again) — ``palloc's contract changed in pg16``;
- a major not recorded, whose digest is none of those recorded: the reviewer never saw these
  contracts — ``pg18 added: errstart has a contract in 18 and none in 17``. A new major whose
  contracts equal those of a recorded one (the usual case: most functions did not change) was
  in effect reviewed, and leaves the sign-off as it is;
- a recorded major the extension no longer builds for changes nothing.

An entry that recorded no contracts (written before they were recorded, for a unit that calls
no pg_sys function, or for a crate whose manifest named no major) is judged by its code alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from unsafe_audit.contracts.digest import digested, facts_in, unit_contracts
from unsafe_audit.contracts.table import ContractTable, MajorFacts, load

__all__ = ["contract_changes"]

_SHOWN = 3
"""Reasons (and functions in one reason) named before ``and N more``."""


def _more(parts: Sequence[str], what: str) -> str:
    shown = "; ".join(parts[:_SHOWN])
    rest = len(parts) - _SHOWN
    return shown + (f"; and {rest} more {what}" if rest > 0 else "")


def _difference(name: str, major: int, old: int, a: MajorFacts | None, b: MajorFacts | None) -> str:
    if a is None:
        return f"{name} has a contract in {major} and none in {old}"
    if b is None:
        return f"{name} has no contract in {major} (it has one in {old})"
    fields = [
        f"{label} {x} -> {y}"
        for label, x, y in (
            ("raises", a.raises, b.raises),
            ("returns NULL", a.returns_null, b.returns_null),
            ("memory", a.memory, b.memory),
        )
        if x != y
    ]
    if a.signature != b.signature:
        fields.append(f"signature {b.signature}")
    return f"{name}'s contract in {major} differs from {old}: {', '.join(fields)}"


def _added(major: int, recorded: Iterable[int], called: Sequence[str], table: ContractTable) -> str:
    older = [m for m in recorded if m < major]
    old = max(older) if older else min(recorded)
    differences = []
    for name in sorted(set(called)):
        contract = table.get(name)
        a, b = facts_in(contract, old), facts_in(contract, major)
        if digested(a) != digested(b):
            differences.append(_difference(name, major, old, a, b))
    if not differences:  # the table changed for the recorded majors too: say that much
        return f"pg{major} added: the contracts of its calls in {major} match none signed off"
    return f"pg{major} added: " + _more(differences, "functions")


def _changed(major: int, called: Sequence[str]) -> str:
    names = sorted(set(called))
    if len(names) == 1:
        return f"{names[0]}'s contract changed in pg{major} (the contracts table was updated)"
    more = len(names) - _SHOWN
    shown = ", ".join(names[:_SHOWN]) + (f" and {more} more" if more > 0 else "")
    return f"the contract of one of {shown} changed in pg{major} (the contracts table was updated)"


def contract_changes(
    recorded: Sequence[tuple[int, str]],
    called: Sequence[str],
    majors: Iterable[int],
    table: ContractTable | None = None,
) -> str | None:
    """Why the contracts ``recorded`` at sign-off (major, digest) no longer hold for a unit that
    calls ``called`` and an extension built for ``majors``; None when they hold (see the module
    doc)."""
    if not recorded or not called:
        return None
    table = table or load()
    old = dict(recorded)
    reasons = []
    for major, digest in unit_contracts(called, majors, table):
        if major in old:
            if old[major] != digest:
                reasons.append(_changed(major, called))
        elif digest not in old.values():
            reasons.append(_added(major, old, called, table))
    return _more(reasons, "majors") if reasons else None
