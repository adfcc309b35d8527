"""What reading a repository hands out, as plain values."""

from __future__ import annotations

from dataclasses import dataclass

from unsafe_audit.errors import GitError


@dataclass(frozen=True, slots=True)
class BlobEntry:
    """A Rust source file (or a ``Cargo.toml``) in a commit's tree."""

    path: str
    """Path from the repository root, with forward slashes."""
    blob_sha: str
    """Full sha of the file's blob; pass it to :meth:`Repository.read_blob`."""
    size: int | None
    """Size of the blob in bytes; None when git cannot tell (the object is missing from the
    store: a damaged or partial clone), which only reading it reports."""


class NotARepository(GitError):
    """The path is a plain directory, not inside a git repository (callers may scan it instead)."""


@dataclass(frozen=True, slots=True)
class TreeListing:
    """The Rust files, submodules and ``Cargo.toml`` manifests of one revision's tree."""

    rust_files: list[BlobEntry]
    submodules: list[str]
    manifests: list[BlobEntry]


def blob_size(field: str) -> int | None:
    """A blob size as ``git ls-tree --long`` prints it; None where the object is missing (git
    prints ``BAD`` or ``-`` there instead of failing)."""
    return int(field) if field.isdigit() else None
