"""The PostgreSQL majors a pgrx extension builds for, read from its ``Cargo.toml`` features.

A pgrx crate names one feature per major it supports (``pg16 = ["pgrx/pg16", ...]``); a
workspace's members name theirs. Pure: the caller hands in a reader of one side's files (a
revision's blobs or the work tree, see :mod:`unsafe_audit.compare`), so both sides of an audit
are read the same way. A manifest comes from the repository, so it is hostile: text that is
not UTF-8 or not TOML, a ``features`` that is not a table, a recursion bomb of nested arrays —
each reads as naming no major, never as an error; at most :data:`MAX_MANIFESTS` manifests of a
workspace are read.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from typing import Any

__all__ = ["MANIFEST", "MANIFEST_BYTES", "MAX_MANIFESTS", "crate_majors", "manifest_majors"]

MANIFEST = "Cargo.toml"
"""A crate's (or a workspace's) manifest file name."""
MANIFEST_BYTES = 256 * 1024
"""The largest manifest read; a longer one is not read (real ones are a few KiB)."""
MAX_MANIFESTS = 64
"""The most workspace members' manifests read for one audit."""

_MAJOR = re.compile(r"pg([1-9][0-9])\Z")
"""A feature naming a PostgreSQL major: ``pg13`` ... ``pg18`` (two digits, as pgrx names them)."""

ManifestReader = Callable[[str], bytes | None]
"""Reads one file of a side by repository path (None: absent, unreadable or too large)."""


def _table(text: bytes | None) -> dict[str, Any]:
    """The manifest's TOML as a table; empty for anything that is not readable TOML."""
    if text is None or len(text) > MANIFEST_BYTES:
        return {}
    try:
        return tomllib.loads(text.decode("utf-8"))
    # A hostile manifest may be bytes that are not UTF-8, not TOML, or nested deep enough to
    # exhaust the parser's recursion: all of them name no major.
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, ValueError):
        return {}


def _majors(table: dict[str, Any]) -> set[int]:
    features = table.get("features")
    if not isinstance(features, dict):
        return set()
    return {int(m.group(1)) for name in features if (m := _MAJOR.match(str(name))) is not None}


def manifest_majors(text: bytes | None) -> tuple[int, ...]:
    """The majors one manifest's ``[features]`` name, ascending (empty when it names none)."""
    return tuple(sorted(_majors(_table(text))))


def _patterns(table: dict[str, Any], key: str) -> list[str]:
    workspace = table.get("workspace")
    values = workspace.get(key) if isinstance(workspace, dict) else None
    if not isinstance(values, list):
        return []
    return [v.strip("/") for v in values if isinstance(v, str) and v.strip("/")]


def _matches(directory: str, pattern: str) -> bool:
    """Cargo's member globs, one path segment at a time (``crates/*``); ``**`` is not read."""
    parts, wanted = directory.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(map(fnmatchcase, parts, wanted))


def crate_majors(
    read: ManifestReader, prefix: str, manifests: Callable[[], Iterable[str]]
) -> tuple[int, ...]:
    """The majors the crate or workspace at ``prefix`` (``""`` or ``crates/a/``) builds for.

    Its own manifest's features, and those of the workspace members it lists (less its
    ``exclude``) among the manifest paths ``manifests()`` gives (every one of the side, asked
    only when needed). With no manifest at ``prefix`` (crates kept in subdirectories without a
    workspace), every manifest under it. Ascending; empty when no manifest names a major.
    """
    text = read(prefix + MANIFEST)
    root = _table(text)
    found = _majors(root)
    members, excluded = _patterns(root, "members"), _patterns(root, "exclude")
    if text is not None and not members:
        return tuple(sorted(found))
    read_count = 0
    for path in sorted(manifests()):
        if read_count >= MAX_MANIFESTS:
            break
        if not path.startswith(prefix) or not path.endswith("/" + MANIFEST):
            continue
        directory = path[len(prefix) : -len(MANIFEST) - 1]
        member = any(_matches(directory, p) for p in members)
        if text is None or (member and not any(_matches(directory, p) for p in excluded)):
            read_count += 1
            found |= _majors(_table(read(path)))
    return tuple(sorted(found))
