"""Scan a directory, a work tree or a git revision: list Rust files, extract sites, cache results.

Files that cannot contain a site (no ``unsafe``, ``extern`` or ``pg_sys`` in their bytes) are
counted but not parsed. The rest are parsed in parallel when there is enough work to pay for
starting worker processes. Results are cached by content (see :mod:`unsafe_audit.scan.cache`).
Files not searched — generated, not UTF-8, too large, unreadable — are listed in
:attr:`ScanResult.skipped` with why (see :mod:`unsafe_audit.scan.triage`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from unsafe_audit.config.model import RepoConfig, has_config
from unsafe_audit.errors import UsageError
from unsafe_audit.extract.pg_sys_names import TABLE_PATH
from unsafe_audit.extract.query_files import query_files
from unsafe_audit.model import FileResult, ScanResult, ScanWarning
from unsafe_audit.scan.cache import (
    EXTRACTOR_VERSION,
    ResultCache,
    cache_key,
    content_identity,
    default_cache_dir,
    encode,
    known_identities,
)
from unsafe_audit.scan.files import (
    MAX_FILE_BYTES,
    ScanRequest,
    Source,
    TooLarge,
    open_repository,
    plain_sources,
    revision_request,
    walk_plain,
    worktree_request,
)
from unsafe_audit.scan.generated import has_generated_header
from unsafe_audit.scan.memo import DECODED, cached_result, decode_or_none, remember
from unsafe_audit.scan.triage import (
    assemble,
    salt_suffix,
    too_large,
    unread,
    without_parsing,
)
from unsafe_audit.scan.workers import Extraction, cpu_count, default_jobs

if TYPE_CHECKING:
    from unsafe_audit import history

__all__ = [
    "MAX_FILE_BYTES",
    "Progress",
    "ScanOptions",
    "ScanRequest",
    "ScanResult",
    "Source",
    "extractor_salt",
    "revision_request",
    "scan_many",
    "scan_path",
    "scan_revision",
    "scan_sources",
    "worktree_request",
]

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) while a scan runs."""


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How to scan."""

    include_generated: bool = False
    use_cache: bool = True
    cache_dir: Path | None = None
    jobs: int | None = None
    progress: Progress | None = None
    config: RepoConfig | None = None
    """The repository's configuration (which files are generated); None: :func:`scan_path`
    reads the scanned root's ``.unsafe-audit/config.yaml``, lower levels use none."""
    hints: bool = False
    """Also run the hint rules over each file with sites, in the worker that parsed it, and
    keep their hints with its result (:attr:`FileResult.hints`, cached with the sites)."""


def extractor_salt(table: Path, queries: Sequence[Path]) -> str:
    """What besides a file's bytes decides its sites, for the cache key: editing the names
    table or a query file must not serve results cached before the edit."""
    digest = hashlib.blake2b(table.read_bytes(), digest_size=8)
    for scm in queries:
        digest.update(scm.name.encode() + b"\0" + scm.read_bytes())
    return f"{EXTRACTOR_VERSION}:{digest.hexdigest()}"


@functools.cache
def _salt() -> str:
    # The rule set is folded in so that hints cached with a file's sites are never those of
    # rules since edited, added or removed.
    from unsafe_audit.hints.salt import files_salt

    return extractor_salt(TABLE_PATH, query_files()) + ":" + files_salt()


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
    repo = open_repository(path)
    if repo is None:
        if rev is not None:
            raise UsageError(
                f"--rev needs a git repository, and {path} is not inside one "
                "(scan the directory without --rev)"
            )
        return _scan_plain(path, _with_config(options, path))
    with repo:
        if repo.is_bare:
            if rev is None:
                raise UsageError(
                    f"{repo.root} is a bare repository and has no work tree to scan; "
                    "scan a revision with --rev REF"
                )
            return scan_revision(repo, rev, _with_config(options, None))
        options = _with_config(options, repo.root)
        sub = path.resolve().relative_to(repo.root.resolve()).as_posix()
        prefix = "" if sub == "." else sub + "/"
        if rev is None:
            if sub != "." and repo.is_ignored(sub):
                # Asked for by name, so scanned; listing it through git would find nothing.
                note = ScanWarning(
                    ".", 0, f"{sub} is ignored by git in {repo.root}; scanned as a plain directory"
                )
                return _scan_plain(path, options, [note])
            return scan_many([worktree_request(repo, prefix)], options)[0]
        return scan_revision(repo, rev, options, prefix=prefix)


def _with_config(options: ScanOptions, root: Path | None) -> ScanOptions:
    """``options`` with the configuration of the work tree at ``root`` (none for a bare
    repository), unless they carry one already."""
    if options.config is not None:
        return options
    if root is None or not has_config(root):
        return dataclasses.replace(options, config=RepoConfig())
    from unsafe_audit.config.load import load_config

    return dataclasses.replace(options, config=load_config(root))


def _scan_plain(path: Path, options: ScanOptions, notes: Sequence[ScanWarning] = ()) -> ScanResult:
    files, warnings, links = walk_plain(path)
    root = path.resolve()
    sources = plain_sources(root, files, links)
    return scan_sources(str(root), None, sources, options, [*notes, *warnings])


def scan_revision(
    repo: history.Repository, rev: str, options: ScanOptions | None = None, prefix: str = ""
) -> ScanResult:
    """Scan a committed revision straight from git objects (nothing is checked out)."""
    return scan_many([revision_request(repo, rev, prefix)], options or ScanOptions())[0]


def scan_sources(
    root: str,
    rev: str | None,
    sources: Sequence[Source],
    options: ScanOptions,
    warnings: Sequence[ScanWarning] = (),
) -> ScanResult:
    """One scan: every file's result from the cache or from the extractor."""
    return scan_many([ScanRequest(root, rev, sources, warnings)], options)[0]


def scan_many(requests: Sequence[ScanRequest], options: ScanOptions) -> list[ScanResult]:
    """Several scans at once, such as the two sides of a diff.

    Each distinct file (same path, same content) is read and extracted once, and every file
    left to parse, whichever scan it belongs to, goes to one pool of workers, largest first:
    a release that changed one large file no longer parses it alone on one core after the
    other side's files. Every outcome is cached, "generated, skipped" and "no keyword, nothing
    to parse" included, so a warm scan of a git revision reads no blob at all.
    """
    config = options.config or RepoConfig()
    base_salt = _salt()
    include = options.include_generated
    want_hints = [options.hints and r.hints for r in requests]

    def usable(result: FileResult | None, wants_hints: bool) -> FileResult | None:
        """A result found, unless hints are wanted and it was made without them."""
        if result is None or (wants_hints and result.hints is None and result.sites):
            return None
        return result

    def salt_of(path: str) -> str:
        return base_salt + salt_suffix(
            include, None if include else config.generated_override(path)
        )

    total = sum(len(r.sources) for r in requests)
    results: list[dict[str, FileResult]] = [{} for _ in requests]
    warnings = [list(r.warnings) for r in requests]
    cache = ResultCache((options.cache_dir or default_cache_dir()) if options.use_cache else None)
    try:
        stat_time = time.time_ns()
        plans = [known_identities(r.sources, cache) for r in requests]
        known = [
            {path: cache_key(path, identity, salt_of(path)) for path, identity in plan[0].items()}
            for plan in plans
        ]
        hits = cache.get_many({k for keys in known for k in keys.values() if k not in DECODED})
        pending: list[tuple[int, Source]] = []
        for i, request in enumerate(requests):
            for source in request.sources:
                cached = usable(
                    cached_result(known[i].get(source.path), source.path, hits), want_hints[i]
                )
                if cached is not None:
                    results[i][source.path] = cached
                else:
                    pending.append((i, source))

        def size(item: tuple[int, Source]) -> int:
            return plans[item[0]][2].get(item[1].path, 0)

        def order(item: tuple[int, Source]) -> tuple[int, bool, bool]:
            """Largest first. Of two the same size (the same file in two trees, perhaps, whose
            result both share): the one that wants hints, so they are computed, then the file
            on disk, cheaper to read than a blob."""
            return size(item), want_hints[item[0]], item[1].file is not None

        done = total - len(pending)
        if options.progress:
            options.progress(done, total)
        if pending and any(want_hints):
            from unsafe_audit.hints.registry import load_rule_inputs

            load_rule_inputs()  # before the workers fork, so that they share it
        # Read the rest largest first, handing each file to the extractor as soon as it is read.
        extraction = Extraction(
            jobs=min(options.jobs or default_jobs(), cpu_count()),
            expected_bytes=sum(map(size, pending)),
        )
        waiting: dict[str, list[tuple[int, str]]] = {}  # key -> the (scan, path)s it answers
        resolved: dict[str, FileResult] = {}
        fresh: dict[str, str] = {}
        # A work-tree file and a blob with the same bytes have different keys (a content hash,
        # a blob sha): by the key of their path and bytes, the first one read, whose result
        # the other shares, and the keys that share a key's result (cached under each).
        twins: dict[str, str] = {}
        sharing: dict[str, list[str]] = {}

        def finish(key: str, result: FileResult, payload: str | None) -> list[tuple[int, str]]:
            """Record ``key``'s result (and cache it, with ``payload``) for every key that
            shares it; the (scan, path)s it answers."""
            for k in (key, *sharing.pop(key, ())):
                resolved[k] = result
                if payload is not None and not result.unreadable:
                    fresh[k] = payload
                remember(k, result)
            answered = waiting.pop(key)
            for j, p in answered:
                results[j][p] = result
            return answered

        recorded: dict[str, tuple[str, str]] = {}
        deferred: list[tuple[str, str, bytes, bool]] = []

        def settle(key: str, path: str, data: bytes, forced: bool | None, hints: bool) -> int:
            """Answer a file without parsing, or hand it to the extractor; how many (scan,
            path)s were answered."""
            quick = without_parsing(path, data, include, forced)
            if quick is None:
                extraction.submit(key, path, data, hints)
                return 0
            # A file that could not be read is read again next time (finish caches no such).
            return len(finish(key, quick, encode(quick)))

        try:
            for i, source in sorted(pending, key=order, reverse=True):
                path = source.path
                key = known[i].get(path)
                if key is not None and key in resolved:
                    results[i][path] = resolved[key]
                    done += 1
                    continue
                if key is not None and key in waiting:
                    waiting[key].append((i, path))
                    continue
                try:
                    data = source.read()
                except (OSError, TooLarge) as e:
                    # Not kept in the cache: rare, read again next time (a token pass at most).
                    result = (
                        too_large(path, e.size, source.chunks)
                        if isinstance(e, TooLarge)
                        else unread(path, e.strerror or str(e))
                    )
                    results[i][path] = result
                    if key is not None:
                        resolved[key] = result
                    done += 1
                    continue
                if key is None:
                    identity = content_identity(data)
                    key = cache_key(path, identity, salt_of(path))
                    signature = plans[i][1].get(path)
                    if signature is not None and source.file is not None:
                        recorded[str(source.file)] = (signature, identity)
                    if key in waiting:
                        waiting[key].append((i, path))
                        continue
                    # The same bytes may have been scanned before under another identity for
                    # the file (another clone, a stat that changed): look the content up.
                    hit = cache.get_many([key]).get(key)
                    cached = resolved.get(key) or usable(
                        decode_or_none(path, hit) if hit else None, want_hints[i]
                    )
                    if cached is not None:
                        results[i][path] = resolved[key] = cached
                        done += 1
                        continue
                    same_bytes = key
                else:
                    same_bytes = cache_key(path, content_identity(data), salt_of(path))
                twin = twins.setdefault(same_bytes, key)
                if twin != key and twin in resolved:
                    results[i][path] = resolved[key] = resolved[twin]
                    if twin in fresh:
                        fresh[key] = fresh[twin]
                    done += 1
                    continue
                if twin != key and twin in waiting:
                    waiting[twin].append((i, path))
                    sharing.setdefault(twin, []).append(key)
                    continue
                waiting[key] = [(i, path)]
                forced = None if include else config.generated_override(path)
                if forced is None and not include and has_generated_header(data):
                    # Its shape decides, which reads the whole file: judged once the files
                    # to parse are with the workers.
                    deferred.append((key, path, data, want_hints[i]))
                    continue
                done += settle(key, path, data, forced, want_hints[i])
            for key, path, data, hints in deferred:
                done += settle(key, path, data, None, hints)
            deferred.clear()
            if options.progress:
                options.progress(done, total)
            for key, result, payload in extraction.results():
                done += len(finish(key, result, payload))
                if options.progress:
                    options.progress(done, total)
        except BaseException:
            extraction.abort()  # Ctrl-C or an error: the workers are killed, not awaited
            raise
        finally:
            extraction.close()
        cache.put_many(fresh)
        cache.stats_put_many(recorded, stat_time)
    finally:
        cache.close()
    return [
        assemble(request, found, warns, config)
        for request, found, warns in zip(requests, results, warnings, strict=True)
    ]
