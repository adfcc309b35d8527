"""A pg_sys function's contract in one line for people (the review's site pane): what
PostgreSQL's source says it does, with where, for the newest majors the table knows.

``get_rel_name: may raise ERROR (mcxt.c:1210); may return NULL (lsyscache.c:2245); result
palloc'd in the caller's memory context``. Evidence, not proof: a static reading of C.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from unsafe_audit.contracts.table import Contract, MajorFacts, load
from unsafe_audit.model import Site, SiteKind

__all__ = ["called_functions", "contract_line"]

_MEMORY = {
    "palloc": "result palloc'd in the caller's memory context",
    "arg": "result is the argument passed in (grown in its own context) or, for NIL/NULL,"
    " new memory in the caller's memory context",
    "cache": "result points into a cache: valid until released or invalidated",
    "static": "result is static",
}


def _where(evidence: str) -> str:
    """``lsyscache.c:2245`` from an evidence step ``return NULL@lsyscache.c:2245``."""
    return evidence.rpartition("@")[2].rpartition("/")[2]


def _facts_line(facts: MajorFacts) -> list[str]:
    parts: list[str] = []
    if facts.raises == "yes":
        where = _where(facts.raises_evidence[-1]) if facts.raises_evidence else ""
        parts.append(f"may raise ERROR ({where})" if where else "may raise ERROR")
    elif facts.raises == "maybe":
        parts.append("may raise ERROR (deeper than the table follows)")
    else:
        parts.append("never raises ERROR")
    if facts.returns_null == "yes":
        where = _where(facts.null_evidence[0]) if facts.null_evidence else ""
        parts.append(f"may return NULL ({where})" if where else "may return NULL")
    elif facts.returns_null == "flag":
        guard = facts.null_evidence[0].removeprefix("when ").partition("@")[0]
        parts.append(f"returns NULL only when asked ({guard.replace('&', ' has ')})")
    elif facts.returns_null == "no":
        parts.append("never returns NULL")
    if facts.memory in _MEMORY:
        parts.append(_MEMORY[facts.memory])
    return parts


def _line(contract: Contract) -> str:
    newest = contract.facts[-1]
    parts = _facts_line(newest)
    releases = sorted({p.release for p in contract.pairs if p.acquire == contract.function})
    releases = [r for r in releases if r != contract.function]
    if releases:
        parts.append("release with " + " or ".join(releases))
    if len(contract.facts) > 1:
        parts.append(f"for PostgreSQL {newest.majors}; older majors differ (scan JSON)")
    return f"{contract.function}: " + "; ".join(parts)


@functools.lru_cache(maxsize=4096)
def contract_line(name: str) -> str:
    """One line on pg_sys function ``name``, or why the table knows nothing of it."""
    table = load()
    contract = table.get(name)
    if contract is None or not contract.facts:
        reason = table.missing_reason(name) if contract is None else "no facts"
        return f"{name}: no contract ({reason})"
    return _line(contract)


def called_functions(sites: Iterable[Site]) -> tuple[str, ...]:
    """The distinct pg_sys functions called by ``sites`` (a unit and its members), in order."""
    names = (s.name for s in sites if s.kind is SiteKind.PG_SYS_CALL and s.name is not None)
    return tuple(dict.fromkeys(names))
