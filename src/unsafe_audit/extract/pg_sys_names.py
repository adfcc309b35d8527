"""Names pgrx's ``pg_sys`` exports: foreign and pgrx-written functions, and statics.

The table is package data (``data/pg_sys_names.tsv``) generated from pgrx's published bindings by
``scripts/gen_pg_sys_names.py``; its header names the pgrx commit it came from.  It lets the
extractor tell ``use pgrx::pg_sys::*; palloc(8)`` (a pg_sys call) from a call to a local ``fn``, and
spot reads of pg_sys statics such as ``CurrentMemoryContext``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TABLE_PATH", "functions", "statics", "versions"]

# Package data sits next to this module in every install (wheels are never run zipped); a plain
# path spares every scan the import of importlib.resources.
TABLE_PATH = Path(__file__).parent.parent / "data" / "pg_sys_names.tsv"


@dataclass(frozen=True)
class _Table:
    """The parsed TSV."""

    functions: frozenset[str]
    """Names callable as ``pg_sys::name`` in at least one supported PostgreSQL version."""
    statics: frozenset[str]
    """Names of ``pub static`` / ``pub static mut`` items of ``pg_sys``."""


def _expand(versions: str) -> set[int]:
    """``"13,15-17"`` -> ``{13, 15, 16, 17}``."""
    result: set[int] = set()
    for part in versions.split(","):
        first, _, last = part.partition("-")
        result.update(range(int(first), int(last or first) + 1))
    return result


@functools.cache
def _rows() -> list[list[str]]:
    """The TSV's rows as ``[kind, name, versions, origin]`` (read once per process)."""
    text = TABLE_PATH.read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def _table() -> _Table:
    """The name sets. Every scan that parses a file needs them, so they are built cheaply."""
    rows = _rows()
    return _Table(
        functions=frozenset([row[1] for row in rows if row[0] == "fn"]),
        statics=frozenset([row[1] for row in rows if row[0] != "fn"]),
    )


@functools.cache
def _versions() -> dict[str, tuple[int, ...]]:
    """PostgreSQL versions per name; only hints ask, so this is built on first use."""
    by_name: dict[str, set[int]] = {}
    for _kind, name, versions, _origin in _rows():
        # A name can have one row per origin (bindgen, pgrx); its versions are the union.
        by_name.setdefault(name, set()).update(_expand(versions))
    return {name: tuple(sorted(vs)) for name, vs in by_name.items()}


def functions() -> frozenset[str]:
    """Every function reachable as ``pg_sys::name`` (PostgreSQL 13 and later)."""
    return _table().functions


def statics() -> frozenset[str]:
    """Every static (mutable or not) reachable as ``pg_sys::name``."""
    return _table().statics


def versions(name: str) -> tuple[int, ...]:
    """PostgreSQL major versions in which NAME exists in pg_sys, ascending; ``()`` if never."""
    return _versions().get(name, ())
