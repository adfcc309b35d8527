"""Reading file contents from git objects: whole, or in chunks for a file too large to hold.

Both go through GitPython's one long-running ``git cat-file --batch`` process per repository.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import git

from unsafe_audit.errors import GitError

_HEX_RE = re.compile(r"[0-9a-fA-F]{4,64}")
_DRAIN_BYTES = 1024 * 1024


def read_blob(repo: git.Repo, root: Path, blob_sha: str) -> bytes:
    """The content of a blob (``root`` names the repository in messages)."""
    data: bytes = _blob(repo.git.get_object_data, root, blob_sha)
    return data


def blob_chunks(repo: git.Repo, root: Path, blob_sha: str, chunk_bytes: int) -> Iterator[bytes]:
    """The content of a blob in chunks of at most ``chunk_bytes``, never all in memory. Read it
    to the end or close the iterator: the rest is then drained, so the shared ``cat-file``
    process stays usable."""
    stream = _blob(repo.git.stream_object_data, root, blob_sha)
    try:
        while chunk := stream.read(chunk_bytes):
            yield chunk
    finally:
        while stream.read(_DRAIN_BYTES):
            pass


def _blob(get: Callable[[str], tuple[Any, Any, Any, Any]], root: Path, blob_sha: str) -> Any:
    """What ``get`` (GitPython's object reader, whole or streamed) gives for a blob."""
    if not _HEX_RE.fullmatch(blob_sha):
        raise GitError(f"{blob_sha!r} is not a blob sha")
    try:
        _, raw_kind, _, content = get(blob_sha)
    except ValueError as e:
        raise GitError(
            f"blob {blob_sha} is not in the repository at {root}; "
            "fetch the missing history (`git fetch --unshallow`)"
        ) from e
    # GitPython gives the object type from `cat-file --batch` as bytes.
    kind = raw_kind.decode("ascii", "replace") if isinstance(raw_kind, bytes) else raw_kind
    if kind != "blob":
        if hasattr(content, "read"):  # a stream: drained, so cat-file stays usable
            while content.read(_DRAIN_BYTES):
                pass
        raise GitError(f"{blob_sha} is a {kind}, not a file's blob")
    return content
