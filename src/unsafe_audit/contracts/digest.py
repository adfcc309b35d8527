"""A short digest of the contracts of the pg_sys functions a review unit calls, per major.

A sign-off records one digest per PostgreSQL major the extension builds for (``contracts:
{pg16: 1a2b3c4d, pg17: 5e6f7a8b}`` in the ledger entry); :mod:`unsafe_audit.contracts.staleness`
compares them with today's. The digest of a major is the SHA-256 of, for each distinct function
called, in name order, its name, signature, ``raises``, ``returns_null`` and ``memory`` in that
major (or a mark that the table has no contract for it there), cut to :data:`DIGEST_HEX` hex
digits: the same on every run, machine and Python version. Evidence lines are left out on
purpose: a fact that moved to another line of the C source is the same contract. Pure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from unsafe_audit.contracts.summary import called_functions
from unsafe_audit.contracts.table import Contract, ContractTable, MajorFacts, load
from unsafe_audit.model import Site

__all__ = [
    "DIGEST_HEX",
    "RECIPE",
    "digested",
    "facts_in",
    "major_digest",
    "table_majors",
    "unit_called",
    "unit_contracts",
]

DIGEST_HEX = 8
"""Hex digits kept of a digest: short enough to read in a PR diff, and a chance of one in four
billion that a changed contract keeps its digest."""
RECIPE = "unsafe-audit contracts digest 1"
"""The first line hashed: a new recipe changes every digest rather than colliding with one."""
_NO_CONTRACT = "-"
"""Stands for every fact of a function the table has no contract for in a major."""
_SOURCE = re.compile(r"(?:source|neighbour) (\d+):")


def facts_in(contract: Contract | None, major: int) -> MajorFacts | None:
    """The facts of ``contract`` that cover ``major`` (None when none does)."""
    for facts in contract.facts if contract is not None else ():
        first, _, last = facts.majors.partition("-")
        try:
            if int(first) <= major <= int(last or first):
                return facts
        except ValueError:
            continue
    return None


def table_majors(table: ContractTable | None = None) -> frozenset[int]:
    """The majors the table has facts for: read from source, or filled from a neighbour (its
    header says which)."""
    header = (table or load()).header
    return frozenset(int(m.group(1)) for line in header if (m := _SOURCE.match(line)))


def digested(facts: MajorFacts | None) -> tuple[str, str, str, str] | None:
    """The facts a digest covers: signature, ``raises``, ``returns_null`` and ``memory``."""
    if facts is None:
        return None
    return (facts.signature, facts.raises, facts.returns_null, facts.memory)


def _line(name: str, facts: MajorFacts | None) -> str:
    fields = digested(facts)
    return "\t".join((name, *fields) if fields is not None else (name, _NO_CONTRACT))


def major_digest(called: Iterable[str], major: int, table: ContractTable | None = None) -> str:
    """The digest of the contracts of the functions ``called`` in ``major``."""
    table = table or load()
    # The major itself is left out: majors whose contracts agree share a digest, which is what
    # lets a sign-off cover a new major that changed nothing it calls.
    lines = [RECIPE]
    lines += [_line(name, facts_in(table.get(name), major)) for name in sorted(set(called))]
    digest = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:DIGEST_HEX]


def unit_contracts(
    called: Sequence[str], majors: Iterable[int], table: ContractTable | None = None
) -> tuple[tuple[int, str], ...]:
    """(major, digest) for each of ``majors`` the table covers, ascending; empty for a unit
    that calls no pg_sys function (it has no contract to go stale)."""
    if not called:
        return ()
    table = table or load()
    known = table_majors(table)
    return tuple((m, major_digest(called, m, table)) for m in sorted(set(majors)) if m in known)


def unit_called(site: Site, members: Sequence[Site]) -> tuple[str, ...]:
    """The distinct pg_sys functions a review unit calls: its own call for a pg_sys use outside
    every unsafe site, else its members' calls (see :mod:`unsafe_audit.units`)."""
    return called_functions([site] if site.kind.is_pg_sys else members)
