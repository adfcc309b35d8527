"""A content-addressed cache of per-file scan results, kept outside the working tree.

Keyed by the file's path and bytes plus the extractor's version, so a result is reused for the
same file in any revision or clone. Stored in one SQLite file (atomic, safe for concurrent runs)
under ``$XDG_CACHE_HOME/unsafe-audit`` (``~/.cache/unsafe-audit`` by default). Values are JSON: the
cache is never unpickled. A cache that cannot be opened or written is simply not used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unsafe_audit.hints.interface import Hint
from unsafe_audit.model import (
    FileResult,
    PlainAttribute,
    ScanWarning,
    Site,
    SiteId,
    SiteKind,
    Skip,
    Span,
)

if TYPE_CHECKING:
    from unsafe_audit.scan.files import Source

# Bump when extraction results for the same input can change (6: "generated" is earned by a
# leading header and a bindgen shape; a skipped file records why; 7: extern fn sites).
EXTRACTOR_VERSION = "7"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unsafe-audit"


def content_identity(data: bytes) -> str:
    """A file's identity from its bytes: the sha git would give them as a blob, the identity a
    git object already has. A work-tree file that a release left unchanged then has the same
    cache key as its blob, and a diff answers the blob from the file without reading it."""
    header = b"blob %d\0" % len(data)
    return "blob:" + hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


def cache_key(path: str, identity: str, salt: str) -> str:
    """The key of one file's result: its path, its content's identity and the extractor's salt
    (version, name table, options)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(salt.encode())
    h.update(b"\0")
    h.update(path.encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    h.update(identity.encode())
    return h.hexdigest()


def stat_key(path: str) -> str:
    """How the stat index stores an absolute path. A name that is not UTF-8 (``os.fsdecode``
    left lone surrogates in it, which SQLite cannot store as text) is stored as the hex of its
    bytes after ``x:``, which no absolute path starts with."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return "x:" + os.fsencode(path).hex()
    return path


# Coarser than any filesystem's timestamp granularity that matters (FAT has 2 s).
RACY_WINDOW_NS = 3_000_000_000


def stat_signature(st: os.stat_result) -> str:
    """The parts of ``stat`` that any write to a file changes (ctime cannot be set back)."""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"


@dataclass(frozen=True, slots=True)
class StatEntry:
    """What a file's ``stat`` looked like when its content identity was last computed."""

    signature: str
    """Size, mtime, ctime, inode and device, as :func:`stat_signature` writes them."""
    identity: str
    """:func:`content_identity` of the bytes read then."""
    recorded_ns: int
    """A time (``time.time_ns()``) taken before the file was stat'ed and read."""

    def vouches_for(self, st: os.stat_result) -> bool:
        """True when ``st`` is the same file, unchanged since the entry was written.

        Like git's index, an entry is only trusted for a file last modified well before it was
        read: a file written in the same timestamp tick as it was read could have changed again
        without its stat moving ("racily clean"), so it is read again.
        """
        return (
            self.signature == stat_signature(st)
            and st.st_mtime_ns < self.recorded_ns - RACY_WINDOW_NS
        )


def _site_to_json(s: Site) -> list[Any]:
    sp = s.span
    row: list[Any] = [
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
    if s.wrapped_attribute is not None or s.whole_fn_body:
        # The edition-2024 facts of a few sites, only where they are set: most rows stay short.
        row.append([s.wrapped_attribute, s.whole_fn_body])
    return row


_KINDS = {kind.value: kind for kind in SiteKind}


def _site_from_json(path: str, row: list[Any]) -> Site:
    if len(row) == 13:
        return _site_with_facts(path, row)
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


def _site_with_facts(path: str, row: list[Any]) -> Site:
    wrapped_attribute, whole_fn_body = row[12]
    site = _site_from_json(path, row[:12])
    return dataclasses.replace(
        site, wrapped_attribute=wrapped_attribute, whole_fn_body=whole_fn_body
    )


def encode(result: FileResult) -> str:
    obj: dict[str, Any] = {
        "sites": [_site_to_json(s) for s in result.sites],
        "warnings": [[w.line, w.message] for w in result.warnings],
        "generated": result.generated,
        "unreadable": result.unreadable,
    }
    if result.plain_attributes:
        obj["plain_attributes"] = [[a.attribute, a.header] for a in result.plain_attributes]
    if result.skip is not None:
        obj["skip"] = result.skip.value
    if result.hints is not None:
        obj["hints"] = [
            [h.hint_id, list(h.items), h.site_id, h.line, h.message, h.evidence, h.rank]
            for h in result.hints
        ]
    return json.dumps(obj, separators=(",", ":"))


def decode(path: str, data: str) -> FileResult:
    obj = json.loads(data)
    return FileResult(
        path=path,
        sites=tuple([_site_from_json(path, r) for r in obj["sites"]]),
        warnings=tuple(ScanWarning(path, line, msg) for line, msg in obj["warnings"]),
        generated=obj["generated"],
        unreadable=obj["unreadable"],
        plain_attributes=tuple(
            PlainAttribute(attribute, header)
            for attribute, header in obj.get("plain_attributes", ())
        ),
        skip=Skip(obj["skip"]) if "skip" in obj else None,
        hints=_hints_from_json(path, obj["hints"]) if "hints" in obj else None,
    )


def _hints_from_json(path: str, rows: list[Any]) -> tuple[Hint, ...]:
    return tuple(
        Hint(
            str(hint_id),
            tuple(str(i) for i in items),
            None if site_id is None else SiteId(str(site_id)),
            path,
            int(line),
            str(message),
            str(evidence),
            int(rank),
        )
        for hint_id, items, site_id, line, message, evidence, rank in rows
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
            db.execute(
                "CREATE TABLE IF NOT EXISTS stats (path TEXT PRIMARY KEY, signature TEXT, "
                "identity TEXT, recorded INTEGER)"
            )
            self._db = db
        except (OSError, sqlite3.Error):
            self._db = None

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def _rows_where_in(
        self, table: str, columns: str, key_column: str, keys: Iterable[str]
    ) -> list[tuple[Any, ...]]:
        """Rows of ``table`` whose ``key_column`` is one of ``keys``, fetched in chunks that stay
        under SQLite's limit on parameters; none when the cache is off or cannot be read."""
        if self._db is None:
            return []
        wanted = list(keys)
        rows: list[tuple[Any, ...]] = []
        try:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ",".join("?" * len(chunk))
                q = f"SELECT {columns} FROM {table} WHERE {key_column} IN ({marks})"
                rows.extend(self._db.execute(q, chunk).fetchall())
        except sqlite3.Error:
            return []
        return rows

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        """The cached results of these keys (those that have one)."""
        return {
            key: data
            for key, data in self._rows_where_in("results", "key, data", "key", keys)
            if isinstance(data, str)
        }

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

    def stats_get_many(self, paths: Iterable[str]) -> dict[str, StatEntry]:
        """The recorded stat entries of these absolute paths (those that have one)."""
        by_key = {stat_key(path): path for path in paths}
        rows = self._rows_where_in("stats", "path, signature, identity, recorded", "path", by_key)
        return {
            by_key[key]: StatEntry(str(signature), identity, recorded)
            for key, signature, identity, recorded in rows
            if isinstance(recorded, int) and isinstance(identity, str) and key in by_key
        }

    def stats_put_many(self, items: Mapping[str, tuple[str, str]], stat_time_ns: int) -> None:
        """Record ``path -> (stat signature, content identity)``. ``stat_time_ns`` must be a
        time taken before the files were stat'ed and read (see :meth:`StatEntry.vouches_for`)."""
        if self._db is None or not items:
            return
        rows = [
            (stat_key(path), sig, identity, stat_time_ns) for path, (sig, identity) in items.items()
        ]
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO stats (path, signature, identity, recorded) "
                    "VALUES (?, ?, ?, ?)",
                    rows,
                )
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def known_identities(
    sources: Sequence[Source], cache: ResultCache
) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    """By path: content identities known without reading; stat signatures of the files on disk
    that must be read (to record with what their bytes hash to); and sizes, where known."""
    identities = {s.path: s.identity for s in sources if s.identity is not None}
    sizes = {s.path: s.size for s in sources if s.size is not None}
    on_disk = [(s.path, s.file) for s in sources if s.identity is None and s.file is not None]
    entries = cache.stats_get_many(str(file) for _, file in on_disk) if cache.enabled else {}
    signatures: dict[str, str] = {}
    for path, file in on_disk:
        try:
            st = os.stat(file)
        except OSError:
            continue  # reading it reports the problem
        sizes[path] = st.st_size
        entry = entries.get(str(file))
        if entry is not None and entry.vouches_for(st):
            identities[path] = entry.identity
        else:
            signatures[path] = stat_signature(st)
    return identities, signatures, sizes
