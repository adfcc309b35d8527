"""Git, and only here: reading a repository, and writing one with pinned identities.

The only package that imports git (GitPython) or runs the ``git`` command.

- :class:`Repository` (:mod:`~unsafe_audit.history.repository`) reads revisions, tags, Rust files
  at a commit and their blobs. Everything is read from git objects, never by checking out, so
  auditing an old release leaves the work tree alone. Every failure is a :class:`GitError` that
  says what was wrong and what to do.
- :func:`run_pinned_git` (:mod:`~unsafe_audit.history.pinned`) writes commits and tags whose
  shas are the same on every machine (the sample extensions are built with it).
- :func:`side_majors` (:mod:`~unsafe_audit.history.manifests`) reads the PostgreSQL majors a
  revision or the work tree builds for from its ``Cargo.toml`` features.
- :func:`git_directories` (:mod:`~unsafe_audit.history.directories`) names the directories
  git keeps to itself, where the ledger may not live.
"""

from unsafe_audit.history.directories import git_directories
from unsafe_audit.history.manifests import side_majors
from unsafe_audit.history.pinned import run_pinned_git
from unsafe_audit.history.repository import Repository
from unsafe_audit.history.values import BlobEntry, NotARepository

__all__ = [
    "BlobEntry",
    "NotARepository",
    "Repository",
    "git_directories",
    "run_pinned_git",
    "side_majors",
]
