"""Which pg_sys functions may raise an ERROR that a caller has to plan for, from the contracts
table (:mod:`unsafe_audit.contracts.table`)."""

from __future__ import annotations

import functools

from unsafe_audit.contracts.table import load

# The free path (pfree, list_free, heap_freetuple...) reaches an elog(ERROR) only when a chunk
# header is corrupt; code cannot plan for that, so such a chain does not count as "may raise".
_CORRUPTION_CHECKS = ("AllocSetFree@",)


@functools.cache
def may_raise(name: str) -> bool:
    """True when PostgreSQL's source says ``name`` may raise an ERROR in some major, other
    than through a corrupt-memory check; False when it says not, or has no contract."""
    contract = load().get(name)
    if contract is None:
        return False
    return any(
        fact.raises in ("yes", "maybe")
        and not any(step.startswith(_CORRUPTION_CHECKS) for step in fact.raises_evidence)
        for fact in contract.facts
    )
