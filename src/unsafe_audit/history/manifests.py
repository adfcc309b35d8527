"""The PostgreSQL majors one side of an audit builds for, read from its ``Cargo.toml`` files.

A revision's manifests are read from its blobs, the work tree's from disk (regular files only,
never through a symlink, at most :data:`~unsafe_audit.cargo_features.MANIFEST_BYTES` each);
what they say is read by the pure :mod:`unsafe_audit.cargo_features`.
"""

from __future__ import annotations

from unsafe_audit.cargo_features import MANIFEST, MANIFEST_BYTES, crate_majors
from unsafe_audit.history.repository import Repository
from unsafe_audit.regular_file import UnreadableFile, read_regular_file


def side_majors(repo: Repository, commit: str | None, prefix: str) -> tuple[int, ...]:
    """The majors the crate or workspace at ``prefix`` builds for in ``commit`` (None: the work
    tree), ascending; empty when no manifest there names one."""
    if commit is not None:
        entries = {e.path: e for e in repo.manifests(commit)}

        def read_blob(path: str) -> bytes | None:
            entry = entries.get(path)
            if entry is None or (entry.size is not None and entry.size > MANIFEST_BYTES):
                return None
            return repo.read_blob(entry.blob_sha)

        return crate_majors(read_blob, prefix, lambda: entries)
    root = repo.root

    def read_file(path: str) -> bytes | None:
        try:
            return read_regular_file(root / path, MANIFEST_BYTES, follow_symlinks=False)
        except UnreadableFile:
            return None

    def listed() -> list[str]:
        return repo.working_tree_files(lambda path: path.rpartition("/")[2] == MANIFEST)

    return crate_majors(read_file, prefix, listed)
