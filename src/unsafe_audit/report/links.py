"""Links from a Markdown report to the code it names, when CI says where the repository lives.
Pure: the environment comes in as a mapping.

GitHub Actions sets ``GITHUB_SERVER_URL`` (``https://github.com``), ``GITHUB_REPOSITORY``
(``owner/name``) and ``GITHUB_SHA``. A location becomes
``<server>/<owner>/<name>/blob/<commit>/<path>#L<line>``, the commit being the one the side
was read from (``--head`` resolved, or the work tree's ``HEAD``), else ``GITHUB_SHA``. Values
that do not look like what GitHub sets give no links (never a link built from odd text), and
the path is percent-encoded (:func:`~unsafe_audit.report.escape.url_path`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from unsafe_audit.model import Side
from unsafe_audit.report.escape import url_path

_SERVER = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~-]+)*\Z")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}\Z")
_COMMIT = re.compile(r"(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")


@dataclass(frozen=True, slots=True)
class SourceLinks:
    """Where the repository's files can be seen at a commit."""

    repository_url: str
    """``https://github.com/owner/name``."""
    fallback_commit: str | None = None
    """``GITHUB_SHA``: the commit for a side that names none."""

    def commit_of(self, side: Side) -> str | None:
        """The commit a side's files are seen at: its own, the work tree's ``HEAD``, else
        the CI's."""
        commit = side.commit or (side.based_on if side.working_tree else None)
        if commit is not None and _COMMIT.match(commit):
            return commit
        return self.fallback_commit if side.commit is None and side.working_tree else None

    def url(self, side: Side, path: str, line: int) -> str | None:
        """The URL of ``path`` at ``line`` on ``side``, or None when no commit is known."""
        commit = self.commit_of(side)
        if commit is None:
            return None
        anchor = f"#L{line}" if line > 0 else ""
        return f"{self.repository_url}/blob/{commit}/{url_path(path)}{anchor}"


def links_from_environment(env: Mapping[str, str]) -> SourceLinks | None:
    """The links CI's environment allows (GitHub Actions' variables), or None."""
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = env.get("GITHUB_REPOSITORY", "")
    if not _SERVER.match(server) or not _REPOSITORY.match(repository):
        return None
    if any(part in (".", "..") for part in repository.split("/")):
        return None
    sha = env.get("GITHUB_SHA", "")
    return SourceLinks(f"{server}/{repository}", sha if _COMMIT.match(sha) else None)
