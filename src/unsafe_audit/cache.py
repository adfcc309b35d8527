"""A content-addressed cache of per-file scan results, kept outside the working tree.

Keyed by the file's path and bytes plus the extractor's version, so a result is reused for the
same file in any revision or clone. Stored in one SQLite file (atomic, safe for concurrent runs)
under ``$XDG_CACHE_HOME/unsafe-audit`` (``~/.cache/unsafe-audit`` by default). Values are JSON: the
cache is never unpickled. A cache that cannot be opened or written is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from unsafe_audit.model import FileResult, ScanWarning, Site, SiteKind, Span

# Bump when extraction results for the same input can change.
EXTRACTOR_VERSION = "4"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unsafe-audit"


def cache_key(path: str, source: bytes, salt: str) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(salt.encode())
    h.update(b"\0")
    h.update(path.encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    h.update(source)
    return h.hexdigest()


def _site_to_json(s: Site) -> list[Any]:
    sp = s.span
    return [
        s.id,
        s.kind.value,
        [sp.line, sp.column, sp.end_line, sp.start_byte, sp.end_byte],
        s.item,
        s.token_hash,
        s.compat_hash,
        s.in_macro,
        s.parent,
        s.name,
        s.safety_comment,
        list(s.attributes),
        list(s.pg_sys_calls),
    ]


_KINDS = {kind.value: kind for kind in SiteKind}


def _site_from_json(path: str, row: list[Any]) -> Site:
    sid, kind, span, item, th, compat, in_macro, parent, name, safety, attrs, calls = row
    # Positional arguments and a dict lookup for the kind: a warm scan decodes every site of a
    # large tree, and keyword arguments plus ``SiteKind(value)`` took twice as long.
    return Site(
        sid,
        _KINDS[kind],
        path,
        Span(*span),
        item,
        th,
        compat,
        in_macro,
        parent or None,
        name,
        safety,
        tuple(attrs),
        tuple(calls),
    )


def encode(result: FileResult) -> str:
    return json.dumps(
        {
            "sites": [_site_to_json(s) for s in result.sites],
            "warnings": [[w.line, w.message] for w in result.warnings],
            "generated": result.generated,
            "unreadable": result.unreadable,
        },
        separators=(",", ":"),
    )


def decode(path: str, data: str) -> FileResult:
    obj = json.loads(data)
    return FileResult(
        path=path,
        sites=tuple([_site_from_json(path, r) for r in obj["sites"]]),
        warnings=tuple(ScanWarning(path, line, msg) for line, msg in obj["warnings"]),
        generated=obj["generated"],
        unreadable=obj["unreadable"],
    )


class ResultCache:
    """Per-file scan results by content key. Every method is a no-op when the cache is off."""

    def __init__(self, directory: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        if directory is None:
            return
        try:
            directory.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(directory / f"scan-v{EXTRACTOR_VERSION}.sqlite", timeout=5)
            db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, data TEXT)")
            self._db = db
        except (OSError, sqlite3.Error):
            self._db = None

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        if self._db is None:
            return {}
        wanted = list(keys)
        found: dict[str, str] = {}
        try:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ",".join("?" * len(chunk))
                q = f"SELECT key, data FROM results WHERE key IN ({marks})"
                found.update(self._db.execute(q, chunk).fetchall())
        except sqlite3.Error:
            return {}
        return found

    def put_many(self, items: Mapping[str, str]) -> None:
        if self._db is None or not items:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO results (key, data) VALUES (?, ?)", items.items()
                )
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
