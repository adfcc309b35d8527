"""Compare two sides of a repository: the previous release (or ``--base``) and head.

The glue between :mod:`unsafe_audit.history` (revisions, tags, blobs), :mod:`unsafe_audit.scan`
(sites, with the content cache) and :mod:`unsafe_audit.diff` (the pure classification). Both
sides are read from git objects, except a head that is the work tree, which is read from disk;
nothing is checked out.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from unsafe_audit import history, releases
from unsafe_audit.diff import Delta, classify
from unsafe_audit.errors import GitError
from unsafe_audit.model import ScanWarning
from unsafe_audit.scan import (
    ScanOptions,
    ScanResult,
    revision_request,
    scan_many,
    worktree_request,
)
from unsafe_audit.source import SourceOf


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison."""

    ref: str | None
    """The name the revision was given or chosen by (``v0.2.0``, ``HEAD``); None for the work
    tree and for the empty base of a first release."""
    commit: str | None
    """Full sha of the commit compared; None for the work tree and for a first release."""
    working_tree: bool = False
    """True when this side is the files on disk, uncommitted edits included."""
    based_on: str | None = None
    """For the work tree: the sha of the commit checked out (HEAD), if there is one."""

    @property
    def label(self) -> str:
        """A short name for people: ``v0.2.0``, ``working tree``, ``nothing (first release)``."""
        if self.working_tree:
            return "working tree"
        if self.ref is not None:
            return self.ref
        if self.commit is not None:
            return self.commit[:12]
        return "nothing (first release)"


@dataclass(frozen=True, slots=True)
class Comparison:
    """The classified sites of head against base, and how to read either side's files."""

    root: Path
    """The repository's top directory (its git directory when bare)."""
    base: Side
    head: Side
    reason: str
    """Why this base was chosen, for people (``v0.2.1 is the highest release tag below ..``)."""
    delta: Delta
    warnings: tuple[ScanWarning, ...]
    """Problems scanning head (files not scanned, submodules skipped)."""
    submodules: tuple[str, ...]
    """Submodule paths in head, which are not scanned."""
    base_source: SourceOf
    """Base text of a file by path (None if absent). Valid until the comparison is closed."""
    head_source: SourceOf
    """Head text of a file by path (None if absent). Valid until the comparison is closed."""
    _repo: history.Repository

    @property
    def first_release(self) -> bool:
        """True when there was no base to compare with, so every site is new."""
        return self.base.commit is None

    @property
    def repository(self) -> history.Repository:
        """The repository compared (open until the comparison is closed)."""
        return self._repo

    def close(self) -> None:
        """Stop the git processes that read base and head blobs."""
        self._repo.close()

    def __enter__(self) -> Comparison:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _BlobSource:
    """File texts of one revision, read from git objects on first use and kept."""

    def __init__(self, repo: history.Repository, commit: str) -> None:
        self._repo = repo
        self._blobs = {e.path: e.blob_sha for e in repo.rust_files(commit)}
        self._texts: dict[str, str | None] = {}

    def __call__(self, path: str) -> str | None:
        if path not in self._texts:
            sha = self._blobs.get(path)
            data = self._repo.read_blob(sha) if sha is not None else None
            # surrogateescape round-trips every byte, so byte spans still slice correctly.
            self._texts[path] = None if data is None else data.decode("utf-8", "surrogateescape")
        return self._texts[path]


class _DiskSource:
    """File texts of the work tree, read on first use and kept."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._texts: dict[str, str | None] = {}

    def __call__(self, path: str) -> str | None:
        if path not in self._texts:
            try:
                text: str | None = (
                    (self._root / path).read_bytes().decode("utf-8", "surrogateescape")
                )
            except OSError:
                text = None
            self._texts[path] = text
        return self._texts[path]


def _no_source(path: str) -> str | None:
    del path
    return None


def _first_release_error(repo: history.Repository, head: str) -> GitError:
    has_release = any(releases.parse_version(name) for name, _ in repo.tags())
    where = (
        f"no release tag older than {head}"
        if has_release
        else "no release tag (such as v0.1.0) in the repository"
    )
    return GitError(
        f"{where}, so there is no previous release to diff against; if this is the first "
        "release, every site is new: pass --allow-first-release to list them all as new, "
        "or --base REF to compare with another revision"
    )


def compare(
    path: Path,
    *,
    base: str | None = None,
    head: str | None = None,
    allow_first_release: bool = False,
    options: ScanOptions | None = None,
) -> Comparison:
    """Classify the sites of ``head`` (None: the work tree) against ``base``.

    ``base`` None means the previous release: the highest release tag older than head by
    version (see :meth:`history.Repository.previous_release`). Without any, raises
    :class:`GitError` unless ``allow_first_release``, in which case every site is new.
    ``path`` may be a directory inside the repository; only files under it are compared.
    Close the result (or use ``with``) when done reading sources.
    """
    options = options or ScanOptions()
    try:
        repo = history.Repository.open(path)
    except history.NotARepository as e:
        raise GitError(
            f"{path} is not inside a git repository; diff compares git revisions "
            "(use `unsafe-audit scan` for a plain directory)"
        ) from e
    try:
        return _compare(repo, path, base, head, allow_first_release, options)
    except BaseException:
        repo.close()
        raise


def _compare(
    repo: history.Repository,
    path: Path,
    base: str | None,
    head: str | None,
    allow_first_release: bool,
    options: ScanOptions,
) -> Comparison:
    if repo.is_bare and head is None:
        raise GitError(
            f"{repo.root} is a bare repository and has no work tree to compare; "
            "name the revision to audit with --head REF"
        )
    root = repo.root
    sub = path.resolve().relative_to(root.resolve()).as_posix() if not repo.is_bare else "."
    prefix = "" if sub == "." else sub + "/"

    # Head first: an unknown --head is reported before anything is chosen against it.
    head_commit = repo.resolve(head) if head is not None else None
    head_name = head if head is not None else "HEAD"
    base_commit: str | None
    if base is not None:
        base_commit = repo.require_commit(base)
        base_side = Side(ref=base, commit=base_commit)
        reason = f"{base} was given with --base"
    else:
        choice = repo.previous_release(head_commit) if repo.has_commits else None
        if choice is None:
            if not allow_first_release:
                raise _first_release_error(repo, head_name)
            base_commit = None
            base_side = Side(ref=None, commit=None)
            reason = (
                "no earlier release tag: treating this as the first release, so every site "
                "is new (--allow-first-release)"
            )
        else:
            base_commit = choice.commit
            base_side = Side(ref=choice.tag, commit=choice.commit)
            reason = choice.reason

    if not options.use_cache:
        # Still parse each distinct blob once within this run, in a cache that does not outlive it.
        with tempfile.TemporaryDirectory(prefix="unsafe-audit-diff-") as tmp:
            run_options = dataclasses.replace(options, use_cache=True, cache_dir=Path(tmp))
            base_scan, head_scan = _scan_both(repo, prefix, base_commit, head_commit, run_options)
    else:
        base_scan, head_scan = _scan_both(repo, prefix, base_commit, head_commit, options)

    if head_commit is not None:
        head_side = Side(ref=head, commit=head_commit)
        head_source: SourceOf = _BlobSource(repo, head_commit)
        submodules = repo.submodules(head_commit)
        warnings = list(head_scan.warnings)
    else:
        based_on = repo.resolve("HEAD") if repo.has_commits else None
        head_side = Side(ref=None, commit=None, working_tree=True, based_on=based_on)
        head_source = _DiskSource(root)
        submodules = repo.submodules(based_on) if based_on is not None else []
        warnings = list(head_scan.warnings) + [
            ScanWarning(s, 0, "submodule not scanned (scan it on its own)")
            for s in submodules
            if s.startswith(prefix)
        ]
    base_source: SourceOf = _BlobSource(repo, base_commit) if base_commit else _no_source
    delta = classify(base_scan.files if base_scan else (), head_scan.files)
    return Comparison(
        root=root,
        base=base_side,
        head=head_side,
        reason=reason,
        delta=delta,
        warnings=tuple(warnings),
        submodules=tuple(s for s in submodules if s.startswith(prefix)),
        base_source=base_source,
        head_source=head_source,
        _repo=repo,
    )


def _scan_both(
    repo: history.Repository,
    prefix: str,
    base_commit: str | None,
    head_commit: str | None,
    options: ScanOptions,
) -> tuple[ScanResult | None, ScanResult]:
    """Both sides in one scan, so the files either side must parse share the workers."""
    if head_commit is not None:
        head = revision_request(repo, head_commit, prefix)
    else:
        head = worktree_request(repo, prefix)
    if base_commit is None:
        return None, scan_many([head], options)[0]
    base_scan, head_scan = scan_many([revision_request(repo, base_commit, prefix), head], options)
    return base_scan, head_scan
