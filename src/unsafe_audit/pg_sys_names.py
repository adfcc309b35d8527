"""Names pgrx's ``pg_sys`` exports: foreign and pgrx-written functions, and statics.

The table is package data (``data/pg_sys_names.tsv``) generated from pgrx's published bindings by
``scripts/gen_pg_sys_names.py``; its header names the pgrx commit it came from.  It lets the
extractor tell ``use pgrx::pg_sys::*; palloc(8)`` (a pg_sys call) from a call to a local ``fn``, and
spot reads of pg_sys statics such as ``CurrentMemoryContext``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.resources import files

__all__ = ["functions", "statics", "versions"]


@dataclass(frozen=True)
class _Table:
    """The parsed TSV."""

    functions: frozenset[str]
    """Names callable as ``pg_sys::name`` in at least one supported PostgreSQL version."""
    statics: frozenset[str]
    """Names of ``pub static`` / ``pub static mut`` items of ``pg_sys``."""
    versions: dict[str, tuple[int, ...]]
    """PostgreSQL major versions each name exists in, ascending."""


def _expand(versions: str) -> set[int]:
    """``"13,15-17"`` -> ``{13, 15, 16, 17}``."""
    result: set[int] = set()
    for part in versions.split(","):
        first, _, last = part.partition("-")
        result.update(range(int(first), int(last or first) + 1))
    return result


@functools.cache
def _table() -> _Table:
    """Read and parse the package's ``pg_sys_names.tsv`` (once per process)."""
    text = (files("unsafe_audit") / "data" / "pg_sys_names.tsv").read_text(encoding="utf-8")
    functions: set[str] = set()
    statics: set[str] = set()
    by_name: dict[str, set[int]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        kind, name, versions, _origin = line.split("\t")
        (functions if kind == "fn" else statics).add(name)
        # A name can have one row per origin (bindgen, pgrx); its versions are the union.
        by_name.setdefault(name, set()).update(_expand(versions))
    return _Table(
        functions=frozenset(functions),
        statics=frozenset(statics),
        versions={name: tuple(sorted(vs)) for name, vs in by_name.items()},
    )


def functions() -> frozenset[str]:
    """Every function reachable as ``pg_sys::name`` (PostgreSQL 13 and later)."""
    return _table().functions


def statics() -> frozenset[str]:
    """Every static (mutable or not) reachable as ``pg_sys::name``."""
    return _table().statics


def versions(name: str) -> tuple[int, ...]:
    """PostgreSQL major versions in which NAME exists in pg_sys, ascending; ``()`` if never."""
    return _table().versions.get(name, ())
