"""Which Rust files a scan reads, and how: a plain directory walked on disk, a work tree or a
commit of a git repository (read from git objects when scanned, nothing checked out).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from unsafe_audit.model import ScanWarning

if TYPE_CHECKING:
    from unsafe_audit import history

# Files above this size are not parsed (a 16 MB .rs file is data, not code someone reviews).
MAX_FILE_BYTES = 16 * 1024 * 1024
_PRUNED_DIRS = frozenset({"target", ".git", "node_modules", ".hg", ".svn"})


def has_pruned_dir(path: str) -> bool:
    """True for a path under ``target/``, ``.git/`` and the like, which are never scanned."""
    return any(part in _PRUNED_DIRS for part in path.split("/")[:-1])


def walk_plain(root: Path) -> tuple[list[str], list[ScanWarning]]:
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


def worktree_request(repo: history.Repository, prefix: str = "") -> ScanRequest:
    """The work tree's Rust files under ``prefix``: tracked, and untracked but not ignored."""
    root = repo.root
    names = [
        p for p in repo.working_tree_rust_files() if p.startswith(prefix) and not has_pruned_dir(p)
    ]
    return ScanRequest(str(root), None, source_files(root, names))


def open_repository(path: Path) -> history.Repository | None:
    """The git repository holding ``path``, or None. Plain directories never import git."""
    here = path.resolve()
    if not any((d / ".git").exists() for d in (here, *here.parents)):
        return None
    from unsafe_audit import history as git_history

    try:
        return git_history.Repository.open(path)
    except git_history.NotARepository:
        return None


def revision_request(repo: history.Repository, rev: str, prefix: str = "") -> ScanRequest:
    """The Rust files of a commit under ``prefix``, read from git objects when scanned."""
    commit = repo.resolve(rev)
    entries = [
        e
        for e in repo.rust_files(commit)
        if e.path.startswith(prefix) and not has_pruned_dir(e.path)
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
    return ScanRequest(str(repo.root), commit, sources, warnings)


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


def source_files(root: Path, names: Sequence[str]) -> list[Source]:
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


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """One tree to scan: where it is, and its Rust files."""

    root: str
    rev: str | None
    sources: Sequence[Source]
    warnings: Sequence[ScanWarning] = ()
    """Problems found while listing the files (unreadable directories, submodules)."""
