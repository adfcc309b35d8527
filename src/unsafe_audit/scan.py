"""Scan a directory, a work tree or a git revision: list Rust files, extract sites, cache results.

Files that cannot contain a site (no ``unsafe``, ``extern`` or ``pg_sys`` in their bytes) are
counted but not parsed. The rest are parsed in parallel when there is enough work to pay for
starting worker processes. Results are cached by content (see :mod:`unsafe_audit.cache`).
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from unsafe_audit.cache import (
    EXTRACTOR_VERSION,
    ResultCache,
    cache_key,
    decode,
    default_cache_dir,
    encode,
)
from unsafe_audit.errors import UsageError
from unsafe_audit.generated import is_generated
from unsafe_audit.model import FileResult, ScanWarning, Site

if TYPE_CHECKING:
    from unsafe_audit import history

# Files above this size are not parsed (a 16 MB .rs file is data, not code someone reviews).
MAX_FILE_BYTES = 16 * 1024 * 1024
# Below this many bytes to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 512 * 1024
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
    table = resources.files("unsafe_audit").joinpath("data", "pg_sys_names.tsv").read_bytes()
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

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _PRUNED_DIRS and not d.startswith("."))
        for name in filenames:
            if name.endswith(".rs"):
                full = Path(dirpath, name)
                found.append(full.relative_to(root).as_posix())
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
        return scan_sources(
            str(root), None, _read_files(root, files), len(files), options, warnings
        )
    with repo:
        root = repo.root
        sub = path.resolve().relative_to(root.resolve()).as_posix()
        prefix = "" if sub == "." else sub + "/"
        if rev is None:
            names = [p for p in repo.working_tree_rust_files() if p.startswith(prefix)]
            names = [p for p in names if not _has_pruned_dir(p)]
            return scan_sources(str(root), None, _read_files(root, names), len(names), options)
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

    def blobs() -> Iterable[tuple[str, bytes | OSError]]:
        for e in entries:
            if e.size > MAX_FILE_BYTES:
                yield e.path, OSError(f"{e.size} bytes; larger than {MAX_FILE_BYTES}")
            else:
                yield e.path, repo.read_blob(e.blob_sha)

    return scan_sources(str(repo.root), commit, blobs(), len(entries), options, warnings)


def _read_files(root: Path, names: Sequence[str]) -> Iterable[tuple[str, bytes | OSError]]:
    for name in names:
        full = root / name
        try:
            size = full.stat().st_size
            if size > MAX_FILE_BYTES:
                yield name, OSError(f"{size} bytes; larger than {MAX_FILE_BYTES}")
                continue
            yield name, full.read_bytes()
        except OSError as e:
            yield name, e


def scan_sources(
    root: str,
    rev: str | None,
    sources: Iterable[tuple[str, bytes | OSError]],
    total: int,
    options: ScanOptions,
    warnings: Sequence[ScanWarning] = (),
) -> ScanResult:
    """The scan itself, over (path, bytes) pairs (or the error reading that path)."""
    all_warnings = list(warnings)
    results: dict[str, FileResult] = {}
    pending: dict[str, tuple[str, bytes]] = {}  # path -> (cache key, bytes)
    scanned = skipped = generated = done = 0
    salt = _salt()
    for path, data in sources:
        if isinstance(data, OSError):
            reason = data.strerror or str(data)
            all_warnings.append(ScanWarning(path, 0, f"not scanned: {reason}"))
            skipped += 1
            done += 1
            continue
        if not options.include_generated and is_generated(data):
            skipped += 1
            generated += 1
            done += 1
            continue
        if not any(marker in data for marker in _SITE_MARKERS):
            scanned += 1
            done += 1
            continue
        pending[path] = (cache_key(path, data, salt), data)
    if options.progress:
        options.progress(done, total)
    cache = ResultCache((options.cache_dir or default_cache_dir()) if options.use_cache else None)
    try:
        hits = cache.get_many(key for key, _ in pending.values())
        misses: list[tuple[str, bytes]] = []
        for path, (key, data) in pending.items():
            cached = _decode_or_none(path, hits[key]) if key in hits else None
            if cached is not None:
                results[path] = cached
                done += 1
            else:
                misses.append((path, data))
        if options.progress:
            options.progress(done, total)
        fresh: dict[str, str] = {}
        for result in _extract_all(misses, options, done, total) if misses else ():
            results[result.path] = result
            fresh[pending[result.path][0]] = encode(result)
        cache.put_many(fresh)
    finally:
        cache.close()
    sites: list[Site] = []
    for path in sorted(results):
        result = results[path]
        if result.unreadable:
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


def _decode_or_none(path: str, data: str) -> FileResult | None:
    """A cached result, or None when the entry is damaged (then the file is parsed again)."""
    try:
        return decode(path, data)
    except (ValueError, KeyError, TypeError, IndexError):  # JSONDecodeError is a ValueError
        return None


def _extract_batch(batch: Sequence[tuple[str, bytes]]) -> list[FileResult]:
    from unsafe_audit.extract import extract_file

    return [extract_file(path, data) for path, data in batch]


def _extract_all(
    files: list[tuple[str, bytes]], options: ScanOptions, done: int, total: int
) -> Iterable[FileResult]:
    # Imported here: a scan answered from the cache never loads tree-sitter or the name table.
    from unsafe_audit.extract import default_names, extract_file

    jobs = options.jobs or min(os.cpu_count() or 1, 4)
    volume = sum(len(d) for _, d in files)
    if jobs <= 1 or volume < PARALLEL_MIN_BYTES or len(files) < 2:
        for path, data in files:
            yield extract_file(path, data)
            done += 1
            if options.progress:
                options.progress(done, total)
        return
    import concurrent.futures
    import multiprocessing

    default_names()  # load the name table once, before forking, so workers share it
    batches = _balanced_batches(files, jobs * 4)
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        for results in pool.map(_extract_batch, batches):
            for result in results:
                yield result
                done += 1
            if options.progress:
                options.progress(done, total)


def _balanced_batches(files: list[tuple[str, bytes]], count: int) -> list[list[tuple[str, bytes]]]:
    """Split files into ``count`` batches of similar total size, largest files first."""
    batches: list[list[tuple[str, bytes]]] = [[] for _ in range(count)]
    sizes = [0] * count
    for item in sorted(files, key=lambda f: -len(f[1])):
        i = sizes.index(min(sizes))
        batches[i].append(item)
        sizes[i] += len(item[1])
    return [b for b in batches if b]
