"""Scan a directory, a work tree or a git revision: list Rust files, extract sites, cache results.

Files that cannot contain a site (no ``unsafe``, ``extern`` or ``pg_sys`` in their bytes) are
counted but not parsed. The rest are parsed in parallel when there is enough work to pay for
starting worker processes. Results are cached by content (see :mod:`unsafe_audit.cache`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from unsafe_audit.cache import (
    EXTRACTOR_VERSION,
    ResultCache,
    cache_key,
    content_identity,
    decode,
    default_cache_dir,
    encode,
    stat_signature,
)
from unsafe_audit.errors import UsageError
from unsafe_audit.generated import is_generated
from unsafe_audit.model import FileResult, ScanWarning, Site
from unsafe_audit.pg_sys_names import TABLE_PATH
from unsafe_audit.scan_workers import Extraction, default_jobs

if TYPE_CHECKING:
    from unsafe_audit import history

# Files above this size are not parsed (a 16 MB .rs file is data, not code someone reviews).
MAX_FILE_BYTES = 16 * 1024 * 1024
_PRUNED_DIRS = frozenset({"target", ".git", "node_modules", ".hg", ".svn"})
_SITE_MARKERS = (b"unsafe", b"extern", b"pg_sys")

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) while a scan runs."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan found."""

    root: str
    """The directory scanned (the repository root for git scans)."""
    rev: str | None
    """The commit scanned, or None for files on disk."""
    files_scanned: int
    """Rust files read and searched (including ones with no site)."""
    files_skipped: int
    """Rust files not searched: generated, unreadable, not UTF-8 or too large."""
    generated_skipped: int
    """How many of the skipped files were generated code."""
    sites: tuple[Site, ...]
    warnings: tuple[ScanWarning, ...]


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How to scan."""

    include_generated: bool = False
    use_cache: bool = True
    cache_dir: Path | None = None
    jobs: int | None = None
    progress: Progress | None = None


@functools.cache
def _salt() -> str:
    table = TABLE_PATH.read_bytes()
    return f"{EXTRACTOR_VERSION}:{hashlib.blake2b(table, digest_size=8).hexdigest()}"


def _has_pruned_dir(path: str) -> bool:
    return any(part in _PRUNED_DIRS for part in path.split("/")[:-1])


def _walk_plain(root: Path) -> tuple[list[str], list[ScanWarning]]:
    """Rust files under a directory that is not a git repository."""
    found: list[str] = []
    warnings: list[ScanWarning] = []

    def on_error(e: OSError) -> None:
        rel = os.path.relpath(e.filename, root) if e.filename else "."
        warnings.append(ScanWarning(rel, 0, f"cannot read directory: {e.strerror}"))

    top = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _PRUNED_DIRS and not d.startswith("."))
        # Paths are built as strings, once per directory: pathlib per file was a tenth of a
        # warm scan of a large tree.
        rel_dir = os.path.relpath(dirpath, top)
        prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        found.extend(prefix + name for name in filenames if name.endswith(".rs"))
    return sorted(found), warnings


def scan_path(path: Path, rev: str | None = None, options: ScanOptions | None = None) -> ScanResult:
    """Scan the work tree at ``path`` or, with ``rev``, that revision of its git repository.

    In a git repository paths are relative to the repository root (so ids do not depend on the
    directory the scan was started from) and git-ignored files are skipped; a plain directory
    is walked, skipping ``target/`` and hidden directories.
    """
    options = options or ScanOptions()
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; give the root of a crate or repository")
    repo = _open_repository(path)
    if repo is None:
        if rev is not None:
            raise UsageError(
                f"--rev needs a git repository, and {path} is not inside one "
                "(scan the directory without --rev)"
            )
        files, warnings = _walk_plain(path)
        root = path.resolve()
        return scan_sources(str(root), None, _files(root, files), options, warnings)
    with repo:
        root = repo.root
        sub = path.resolve().relative_to(root.resolve()).as_posix()
        prefix = "" if sub == "." else sub + "/"
        if rev is None:
            names = [p for p in repo.working_tree_rust_files() if p.startswith(prefix)]
            names = [p for p in names if not _has_pruned_dir(p)]
            return scan_sources(str(root), None, _files(root, names), options)
        return scan_revision(repo, rev, options, prefix=prefix)


def _open_repository(path: Path) -> history.Repository | None:
    """The git repository holding ``path``, or None. Plain directories never import git."""
    here = path.resolve()
    if not any((d / ".git").exists() for d in (here, *here.parents)):
        return None
    from unsafe_audit import history as git_history

    try:
        return git_history.Repository.open(path)
    except git_history.NotARepository:
        return None


def scan_revision(
    repo: history.Repository, rev: str, options: ScanOptions | None = None, prefix: str = ""
) -> ScanResult:
    """Scan a committed revision straight from git objects (nothing is checked out)."""
    options = options or ScanOptions()
    commit = repo.resolve(rev)
    entries = [
        e
        for e in repo.rust_files(commit)
        if e.path.startswith(prefix) and not _has_pruned_dir(e.path)
    ]
    warnings = [
        ScanWarning(s, 0, "submodule not scanned (scan it on its own)")
        for s in repo.submodules(commit)
        if s.startswith(prefix)
    ]

    sources = [
        Source(
            e.path,
            _blob_reader(repo, e.blob_sha, e.size),
            identity=f"blob:{e.blob_sha}",
            size=e.size,
        )
        for e in entries
    ]
    return scan_sources(str(repo.root), commit, sources, options, warnings)


def _blob_reader(repo: history.Repository, blob_sha: str, size: int) -> Callable[[], bytes]:
    def read() -> bytes:
        if size > MAX_FILE_BYTES:
            raise OSError(f"{size} bytes; larger than {MAX_FILE_BYTES}")
        return repo.read_blob(blob_sha)

    return read


def _file_reader(full: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        size = full.stat().st_size
        if size > MAX_FILE_BYTES:
            raise OSError(f"{size} bytes; larger than {MAX_FILE_BYTES}")
        return full.read_bytes()

    return read


def _files(root: Path, names: Sequence[str]) -> list[Source]:
    sources = []
    for name in names:
        full = root / name
        sources.append(Source(name, _file_reader(full), file=full))
    return sources


@dataclass(frozen=True, slots=True)
class Source:
    """One Rust file to scan."""

    path: str
    read: Callable[[], bytes]
    """Returns the file's bytes (raises OSError when it cannot be read)."""
    identity: str | None = None
    """A content id known without reading, such as a git blob sha: a cache hit on it needs
    no read at all. None: the cache is keyed by the bytes."""
    size: int | None = None
    """The size in bytes, when known without reading (git trees list it)."""
    file: Path | None = None
    """The file on disk, when the source is one: an unchanged ``stat`` since a previous scan
    vouches for the content identity recorded then, and the file is not read again."""


def scan_sources(
    root: str,
    rev: str | None,
    sources: Sequence[Source],
    options: ScanOptions,
    warnings: Sequence[ScanWarning] = (),
) -> ScanResult:
    """The scan itself: every file's result from the cache or from the extractor.

    Every outcome is cached, "generated, skipped" and "no keyword, nothing to parse" included,
    so a warm scan of a git revision reads no blob at all.
    """
    all_warnings = list(warnings)
    results: dict[str, FileResult] = {}
    total = len(sources)
    salt = f"{_salt()}:{int(options.include_generated)}"
    cache = ResultCache((options.cache_dir or default_cache_dir()) if options.use_cache else None)
    try:
        stat_time = time.time_ns()
        identities, signatures, sizes = _identities(sources, cache)
        known = {path: cache_key(path, identity, salt) for path, identity in identities.items()}
        hits = cache.get_many(k for k in known.values() if k not in _DECODED)
        pending: list[Source] = []
        for source in sources:
            key = known.get(source.path)
            cached = _DECODED.get(key) if key is not None else None
            if cached is None and key in hits:
                cached = _decode_or_none(source.path, hits[key])
                if cached is not None and key is not None:
                    _remember(key, cached)
            if cached is not None:
                results[source.path] = cached
            else:
                pending.append(source)
        done = len(results)
        if options.progress:
            options.progress(done, total)

        # Read the rest largest first, handing each file to the extractor as soon as it is read.
        extraction = Extraction(
            jobs=options.jobs or default_jobs(),
            expected_bytes=sum(sizes.get(s.path, 0) for s in pending),
        )
        keys: dict[str, str] = {}
        fresh: dict[str, str] = {}
        recorded: dict[str, tuple[str, str]] = {}
        try:
            for source in sorted(pending, key=lambda s: -sizes.get(s.path, 0)):
                try:
                    data = source.read()
                except OSError as e:
                    reason = e.strerror or str(e)
                    all_warnings.append(ScanWarning(source.path, 0, f"not scanned: {reason}"))
                    results[source.path] = FileResult(source.path, (), unreadable=True)
                    done += 1
                    continue
                key = known.get(source.path)
                if key is None:
                    identity = content_identity(data)
                    key = cache_key(source.path, identity, salt)
                    signature = signatures.get(source.path)
                    if signature is not None and source.file is not None:
                        recorded[str(source.file)] = (signature, identity)
                    # The same bytes may have been scanned under another name for the file
                    # (another clone, a stat that changed): look the content up.
                    hit = cache.get_many([key]).get(key)
                    cached = _decode_or_none(source.path, hit) if hit is not None else None
                    if cached is not None:
                        results[source.path] = cached
                        done += 1
                        continue
                keys[source.path] = key
                quick = _without_parsing(source.path, data, options.include_generated)
                if quick is not None:
                    results[source.path] = quick
                    fresh[key] = encode(quick)
                    done += 1
                else:
                    extraction.submit(source.path, data)
            if options.progress:
                options.progress(done, total)
            for result, payload in extraction.results():
                results[result.path] = result
                fresh[keys[result.path]] = payload
                _remember(keys[result.path], result)
                done += 1
                if options.progress:
                    options.progress(done, total)
        finally:
            extraction.close()
        cache.put_many(fresh)
        cache.stats_put_many(recorded, stat_time)
    finally:
        cache.close()
    sites: list[Site] = []
    scanned = skipped = generated = 0
    for path in sorted(results):
        result = results[path]
        if result.generated:
            generated += 1
            skipped += 1
        elif result.unreadable:
            skipped += 1
        else:
            scanned += 1
        sites.extend(result.sites)
        all_warnings.extend(result.warnings)
    return ScanResult(
        root=root,
        rev=rev,
        files_scanned=scanned,
        files_skipped=skipped,
        generated_skipped=generated,
        sites=tuple(sites),
        warnings=tuple(all_warnings),
    )


def _identities(
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


def _without_parsing(path: str, data: bytes, include_generated: bool) -> FileResult | None:
    """The result of a file that needs no parse: generated (skipped), or with no keyword."""
    if not include_generated and is_generated(data):
        return FileResult(path, (), generated=True)
    if not any(marker in data for marker in _SITE_MARKERS):
        return FileResult(path, ())
    return None


# Results already decoded or extracted in this process, by cache key (which includes the path):
# the two sides of a diff share most files, and each is decoded or parsed once, cache or not.
_DECODED: OrderedDict[str, FileResult] = OrderedDict()
_DECODED_MAX = 20_000


def _remember(key: str, result: FileResult) -> None:
    _DECODED[key] = result
    _DECODED.move_to_end(key)
    if len(_DECODED) > _DECODED_MAX:
        _DECODED.popitem(last=False)


def _decode_or_none(path: str, data: str) -> FileResult | None:
    """A cached result, or None when the entry is damaged (then the file is parsed again)."""
    try:
        return decode(path, data)
    except (ValueError, KeyError, TypeError, IndexError):  # JSONDecodeError is a ValueError
        return None
