"""What the scan cache's key folds in for the hints, read from files without importing a rule.

A warm scan answers every file from the cache and runs no rule, but its keys must still change
when a rule could: the rules live in this package, ``registry.py`` lists them in order, and they
read the syntax facts and the contracts table. Hashing those files' bytes tells the same without
loading the rule modules (importing them, and compiling their patterns, was a fifth of a warm
scan's time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

RULES_VERSION = "1"
"""Bump when what the rules report can change in a way the files below do not show."""

_PACKAGE = Path(__file__).resolve().parent.parent
_RULE_INPUTS = (
    "extract/syntax.py",
    "extract/syntax_walk.py",
    "extract/queries/syntax.scm",
    "extract/expressions.py",
    "extract/masking.py",
    "extract/facts.py",
    "data/pg_contracts.tsv.gz",
)
"""What the rules read besides their own modules: the syntax facts, the contracts table."""


def rule_files() -> set[Path]:
    """The hints and contracts packages' modules and the files the rules read."""
    return {
        *(_PACKAGE / "hints").glob("*.py"),
        *(_PACKAGE / "contracts").glob("*.py"),
        *(_PACKAGE / p for p in _RULE_INPUTS),
    }


def files_salt(extra: Iterable[Path] = (), ids: Iterable[str] = ()) -> str:
    """A digest of :func:`rule_files` (and ``extra`` files), with rule ``ids`` in order when a
    caller names a rule set of its own."""
    digest = hashlib.blake2b(RULES_VERSION.encode(), digest_size=8)
    for rule_id in ids:
        digest.update(rule_id.encode() + b"\0")
    for file in sorted({*rule_files(), *extra}):
        try:
            data = file.read_bytes()
        except OSError:
            data = b""
        digest.update(file.name.encode() + b"\0" + data)
    return digest.hexdigest()
