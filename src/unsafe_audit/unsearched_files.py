"""Whether a head file the scan did not search fails the gate. Pure.

A file the scan of head could not read — not UTF-8, too large to parse yet holding ``unsafe``
or ``pg_sys``, unreadable — or a git submodule blocks, whatever ``only_changed`` says (nobody
can tell what changed in it), unless the repository's configuration allows it
(``allow_unread``); a generated file never blocks. :mod:`unsafe_audit.review_state` keeps the
result beside the review units, and re-exports both names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from unsafe_audit.config.model import CONFIG_PATH, RepoConfig
from unsafe_audit.model import Skip, SkippedFile


@dataclass(frozen=True, slots=True)
class FileReview:
    """A head file the scan did not search, and whether that fails the gate."""

    file: SkippedFile
    blocking: bool
    """True when this file makes ``check`` fail."""
    allowed_by: str | None = None
    """The ``allow_unread`` pattern that keeps it from blocking, if one does."""

    @property
    def reason(self) -> str:
        """Why it blocks or not, for people."""
        if self.file.reason is Skip.GENERATED:
            return self.file.message
        if self.allowed_by is not None:
            return (
                f"{self.file.message}; allowed by 'allow_unread' in {CONFIG_PATH} "
                f"({self.allowed_by})"
            )
        return self.file.message


def review_files(files: Sequence[SkippedFile], config: RepoConfig) -> tuple[FileReview, ...]:
    """Judge each file the scan of head did not search (see the module doc)."""
    reviews = []
    for f in files:
        if f.reason is Skip.GENERATED:
            reviews.append(FileReview(f, blocking=False))
            continue
        allowed = config.allow_unread.first_match(f.path)
        reviews.append(FileReview(f, blocking=allowed is None, allowed_by=allowed))
    return tuple(reviews)
