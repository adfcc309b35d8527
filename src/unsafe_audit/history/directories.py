"""Where a repository keeps git's own files: its git directory, and a worktree's common one.

Files there are never committed, so nothing that must reach a pull request (the ledger) may live
there; :func:`git_directories` tells the ledger where not to be.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from unsafe_audit.errors import GitError


def git_directories(path: Path) -> tuple[Path, ...]:
    """The resolved git directory of the repository at ``path`` and, for a linked worktree,
    the common git directory it shares with the main one (once when they are the same)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--absolute-git-dir", "--git-common-dir"],
            cwd=path,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as e:
        raise GitError(f"cannot run git in {path}: {e.strerror or e}") from e
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) != 2:
        detail = result.stderr.strip() or "no output"
        raise GitError(f"cannot find the git directory of {path}: {detail}")
    # --git-common-dir may be relative to the directory git ran in.
    found = [(path / line).resolve() for line in lines]
    return tuple(dict.fromkeys(found))
