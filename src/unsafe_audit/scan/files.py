"""Which Rust files a scan reads, and how: a plain directory walked on disk, a work tree or a
commit of a git repository (read from git objects when scanned, nothing checked out).

A file on disk is opened without blocking and read only if it is a regular file (a FIFO named
``x.rs`` would never deliver a byte), and never through a symbolic link the listing did not
choose to follow: a plain directory's file symlinks are followed only to files inside the
scanned directory. A file over :data:`MAX_FILE_BYTES` is not read whole: its reader raises
:class:`TooLarge`, and :attr:`Source.chunks` gives its bytes piece by piece instead.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from unsafe_audit.model import ScanWarning

if TYPE_CHECKING:
    from unsafe_audit import history

# Files above this size are not parsed (a 16 MB .rs file is data, not code someone reviews);
# they are searched for the words a site needs by a token pass over chunks of this size.
MAX_FILE_BYTES = 16 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024
_PRUNED_DIRS = frozenset({"target", ".git", "node_modules", ".hg", ".svn"})
_OUTSIDE = "a symbolic link to a file outside the scanned directory; not followed"


class TooLarge(Exception):
    """The file is over :data:`MAX_FILE_BYTES`: read it through :attr:`Source.chunks`."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes; larger than {MAX_FILE_BYTES}")
        self.size = size


def has_pruned_dir(path: str) -> bool:
    """True for a path under ``target/``, ``.git/`` and the like, which are never scanned."""
    return any(part in _PRUNED_DIRS for part in path.split("/")[:-1])


def walk_plain(root: Path) -> tuple[list[str], list[ScanWarning], set[str]]:
    """Rust files under a directory that is not a git repository, the problems met listing
    them, and which of the files are symbolic links (:func:`plain_sources` decides which to
    follow). Directory symlinks are never entered."""
    found: list[str] = []
    links: set[str] = set()
    warnings: list[ScanWarning] = []
    # Paths are built as strings, once per directory: pathlib per file was a tenth of a warm
    # scan of a large tree. os.scandir tells symlinks apart without a system call per file.
    pending = [(os.fspath(root), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            with os.scandir(directory) as entries:
                listed = list(entries)
        except OSError as e:
            warnings.append(
                ScanWarning(prefix.rstrip("/") or ".", 0, f"cannot read directory: {e.strerror}")
            )
            continue
        subdirectories = []
        for entry in listed:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink() and name not in _PRUNED_DIRS and not name.startswith("."):
                    subdirectories.append((entry.path, prefix + name + "/"))
            elif name.endswith(".rs"):
                found.append(prefix + name)
                if entry.is_symlink():
                    links.add(prefix + name)
        pending.extend(sorted(subdirectories, reverse=True))
    return sorted(found), warnings, links


def worktree_request(repo: history.Repository, prefix: str = "") -> ScanRequest:
    """The work tree's Rust files under ``prefix``: tracked, and untracked but not ignored."""
    root = repo.root
    names = [
        p for p in repo.working_tree_rust_files() if p.startswith(prefix) and not has_pruned_dir(p)
    ]
    return ScanRequest(str(root), None, source_files(root, names))


def _is_git_dir(directory: Path) -> bool:
    """True for what looks like a git directory itself (a bare repository)."""
    return (directory / "HEAD").is_file() and (directory / "objects").is_dir()


def open_repository(path: Path) -> history.Repository | None:
    """The git repository holding ``path`` (a bare one too), or None. Plain directories never
    import git."""
    here = path.resolve()
    if not any((d / ".git").exists() or _is_git_dir(d) for d in (here, *here.parents)):
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
            chunks=_blob_chunks(repo, e.blob_sha),
        )
        for e in entries
    ]
    return ScanRequest(str(repo.root), commit, sources, warnings)


def _blob_reader(repo: history.Repository, blob_sha: str, size: int | None) -> Callable[[], bytes]:
    def read() -> bytes:
        if size is not None and size > MAX_FILE_BYTES:
            raise TooLarge(size)
        data = repo.read_blob(blob_sha)
        if len(data) > MAX_FILE_BYTES:  # a size git could not tell beforehand
            raise TooLarge(len(data))
        return data

    return read


def _blob_chunks(repo: history.Repository, blob_sha: str) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        return repo.blob_chunks(blob_sha, CHUNK_BYTES)

    return chunks


def _open_regular(full: Path) -> int:
    """A descriptor on the regular file at ``full``, never through a symbolic link and never
    blocking (raises OSError saying what else it is)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | os.O_NOFOLLOW
    fd = os.open(full, flags)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        from unsafe_audit.regular_file import describe_mode

        raise OSError(f"is {describe_mode(mode)}, not a regular file")
    return fd


def _file_reader(full: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        fd = _open_regular(full)
        try:
            size = os.fstat(fd).st_size
            if size > MAX_FILE_BYTES:
                raise TooLarge(size)
            parts: list[bytes] = []
            got = 0
            while got <= MAX_FILE_BYTES and (part := os.read(fd, CHUNK_BYTES)):
                parts.append(part)
                got += len(part)
            if got > MAX_FILE_BYTES:  # it grew while being read
                raise TooLarge(got)
            return b"".join(parts)
        finally:
            os.close(fd)

    return read


def _file_chunks(full: Path) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        fd = _open_regular(full)
        try:
            while part := os.read(fd, CHUNK_BYTES):
                yield part
        finally:
            os.close(fd)

    return chunks


def _refusing(reason: str) -> Callable[[], bytes]:
    def read() -> bytes:
        raise OSError(reason)

    return read


def source_files(root: Path, names: Sequence[str]) -> list[Source]:
    """The files ``names`` under ``root`` (none of them a symbolic link)."""
    sources = []
    for name in names:
        full = root / name
        sources.append(Source(name, _file_reader(full), file=full, chunks=_file_chunks(full)))
    return sources


def plain_sources(root: Path, names: Sequence[str], links: Set[str]) -> list[Source]:
    """The files ``names`` of a plain directory, of which ``links`` are symbolic links: one to a
    file inside ``root`` is read as that file; one that leads out of it (a scan of a directory
    reads that directory only), a broken one and a loop are refused, saying why."""
    top = os.path.realpath(root)
    sources = []
    for name in names:
        if name not in links:
            sources.extend(source_files(root, [name]))
            continue
        full = root / name
        try:
            target = Path(os.path.realpath(full, strict=True))
        except OSError as e:
            reason = f"a symbolic link that cannot be followed ({e.strerror or e})"
            sources.append(Source(name, _refusing(reason)))
            continue
        if os.path.commonpath([top, target]) != top:
            sources.append(Source(name, _refusing(_OUTSIDE)))
        else:
            sources.append(Source(name, _file_reader(target), chunks=_file_chunks(target)))
    return sources


@dataclass(frozen=True, slots=True)
class Source:
    """One Rust file to scan."""

    path: str
    read: Callable[[], bytes]
    """Returns the file's bytes (raises OSError when it cannot be read, :class:`TooLarge` when
    it is over :data:`MAX_FILE_BYTES`)."""
    identity: str | None = None
    """A content id known without reading, such as a git blob sha: a cache hit on it needs
    no read at all. None: the cache is keyed by the bytes."""
    size: int | None = None
    """The size in bytes, when known without reading (git trees list it)."""
    file: Path | None = None
    """The file on disk, when the source is one: an unchanged ``stat`` since a previous scan
    vouches for the content identity recorded then, and the file is not read again."""
    chunks: Callable[[], Iterator[bytes]] | None = None
    """The file's bytes piece by piece (at most :data:`CHUNK_BYTES` each), for a file
    :attr:`read` finds too large; None where there is nothing more to read."""


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """One tree to scan: where it is, and its Rust files."""

    root: str
    rev: str | None
    sources: Sequence[Source]
    warnings: Sequence[ScanWarning] = ()
    """Problems found while listing the files (unreadable directories, submodules)."""
    hints: bool = True
    """Whether this tree's files get hints when the scan runs the hint rules
    (:attr:`ScanOptions.hints`): the release a check compares with needs its sites only."""
