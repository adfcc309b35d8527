"""Writing a repository with the ``git`` CLI so that the same commands always make the same shas.

Used to build the sample extensions (:mod:`unsafe_audit.samples`): each commit and tag gets a
pinned author, committer and date, and no user or system git config is read, so nothing on the
machine (a signing key, ``core.autocrlf``, a default branch name) changes the objects written.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from unsafe_audit.errors import GitError

_OPTIONS = (
    "-c",
    "commit.gpgsign=false",
    "-c",
    "tag.gpgsign=false",
    "-c",
    "core.autocrlf=false",
    "-c",
    "init.defaultBranch=main",
)


def _environment(name: str, email: str, date: str) -> dict[str, str]:
    # Only what git needs: no user or system config can change the objects it writes.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
        "LC_ALL": "C",
    }


def run_pinned_git(repo: Path, *args: str, name: str, email: str, date: str) -> str:
    """Run ``git args`` in ``repo`` as ``name <email>`` at ``date`` (ISO 8601); its stdout.

    ``name``, ``email`` and ``date`` are the author, the committer and the tagger. Raises
    :class:`GitError` with git's own message when the command fails.
    """
    try:
        done = subprocess.run(
            ["git", *_OPTIONS, *args],
            cwd=repo,
            env=_environment(name, email, date),
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as e:
        raise GitError(f"git {' '.join(args)} failed in {repo}: {e.stderr.strip()}") from e
    return done.stdout
