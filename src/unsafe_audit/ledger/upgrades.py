"""Ledger schema upgrades: an older entry's fields brought up to the current schema, one version
at a time. Pure (plain dicts in, plain dicts out); :mod:`unsafe_audit.ledger.yaml_io` calls
:func:`upgrade_entry` after checking the version and before validating the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unsafe_audit.ledger.entry import SCHEMA_VERSION

MEMBERS_SINCE = 2
"""The first schema version whose entries record the pg_sys uses their unit covers."""
CONTRACTS_SINCE = 3
"""The first schema version whose entries record their callees' contracts per major."""


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 (the prototype format) named the pattern ``pattern`` and wrote answers as bare
    strings (``ctx-owner: pass``); schema 1 writes ``{answer: pass, note: ...}`` mappings."""
    out = {("lifetime_pattern" if key == "pattern" else key): value for key, value in data.items()}
    answers = out.get("answers")
    if isinstance(answers, dict):
        out["answers"] = {
            item: {"answer": value} if isinstance(value, str) else value
            for item, value in answers.items()
        }
    out["schema_version"] = 1
    return out


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 (review units) adds ``members``, the pg_sys uses a unit's sign-off covers.

    A schema-1 entry was written when every pg_sys use was signed off on its own, so it records
    none: its ``members`` are unknown, not empty (the reader keeps them None), and the
    entry is judged by its code alone, as before. An entry of a pg_sys use that is now inside
    an unsafe site is *covered* by that site's unit (see :mod:`unsafe_audit.review_state`).
    Nothing else changed.
    """
    return {**data, "schema_version": 2}


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 3 adds ``contracts``, the digest of the contracts of the pg_sys functions the
    unit calls, per PostgreSQL major the extension builds for.

    A schema-2 entry recorded none, and is not stale for it: it predates the field, so it is
    judged by its code and members alone, as before (see
    :mod:`unsafe_audit.contracts.staleness`). A new sign-off records them. Nothing else changed.
    """
    return {**data, "schema_version": 3}


_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: _v0_to_v1,
    1: _v1_to_v2,
    2: _v2_to_v3,
}
"""Schema version -> function that turns such an entry into the next version."""


def upgrade_entry(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a loaded entry up to :data:`SCHEMA_VERSION`, one version at a time.

    The caller has checked that ``data["schema_version"]`` is an int no newer than ours.
    """
    version = data["schema_version"]
    while version < SCHEMA_VERSION:
        data = _UPGRADES[version](data)
        version = data["schema_version"]
    return data
