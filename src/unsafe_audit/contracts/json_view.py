"""A pg_sys call's contract as JSON: the ``contract`` field of ``scan``/``diff`` JSON sites."""

from __future__ import annotations

import functools
import json
from typing import Any

from unsafe_audit.contracts.table import Contract, MajorFacts, load
from unsafe_audit.model import Site, SiteKind

__all__ = ["contract_json", "contract_tail", "contract_text"]


def _facts_json(facts: MajorFacts) -> dict[str, Any]:
    return {
        "majors": facts.majors,
        "evidence_major": facts.evidence_major,
        "raises": {"value": facts.raises, "evidence": list(facts.raises_evidence)},
        "returns_null": {"value": facts.returns_null, "evidence": list(facts.null_evidence)},
        "memory": {"value": facts.memory, "evidence": list(facts.memory_evidence)},
        "signature": facts.signature,
    }


def _known_json(contract: Contract) -> dict[str, Any]:
    return {
        "function": contract.function,
        "known": True,
        "per_major": [_facts_json(f) for f in contract.facts],
        "pairs": [
            {
                "acquire": p.acquire,
                "release": p.release,
                "origin": p.origin,
                "reference": p.reference,
                "note": p.note,
            }
            for p in contract.pairs
        ],
    }


def contract_json(name: str) -> dict[str, Any]:
    """The contract of pg_sys function ``name``; ``known`` is false (with a ``reason``) when
    the table has none."""
    table = load()
    contract = table.get(name)
    if contract is None:
        return {"function": name, "known": False, "reason": table.missing_reason(name)}
    return _known_json(contract)


@functools.lru_cache(maxsize=8192)
def contract_text(name: str) -> str:
    """``json.dumps(contract_json(name))``, once per name: a scan has thousands of calls of a
    few hundred functions.  The table's text is plain ASCII from PostgreSQL's sources and the
    names come from the scanned tree, so ``json.dumps`` (ASCII-escaping) is the sanitiser."""
    return json.dumps(contract_json(name))


def contract_tail(site: Site) -> str:
    """``, "contract": {...}`` for a pg_sys call, else nothing: the hand-written JSON line
    renderers add the key last, so the fields before it keep their bytes."""
    if site.kind is SiteKind.PG_SYS_CALL and site.name is not None:
        return f', "contract": {contract_text(site.name)}'
    return ""
