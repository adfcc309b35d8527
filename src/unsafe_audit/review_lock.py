"""The per-clone review state directory, and the lock that makes one ``review`` its writer.

State that belongs to one clone (unfinished answers, the lock) lives in ``<git dir>/unsafe-audit``:
inside the git directory, so it is never committed. ``review.lock`` there holds the pid and host
of the ``review`` that writes it. A second ``review`` on the same clone opens **read-only** with
a banner naming the holder (browsing is harmless; two writers of one drafts file are not). A
lock left by a process that is gone (same host, dead pid) is taken over.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

STATE_DIR = "unsafe-audit"
"""Directory inside the git directory for per-clone review state."""


def state_dir(git_dir: Path) -> Path:
    """``<git dir>/unsafe-audit``."""
    return git_dir / STATE_DIR


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds the review lock."""

    pid: int
    host: str

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ReviewLock:
    """The lock that makes one ``review`` per clone the writer. Use :meth:`acquire`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.held = False

    @classmethod
    def in_git_dir(cls, git_dir: Path) -> ReviewLock:
        return cls(state_dir(git_dir) / "review.lock")

    def holder(self) -> LockHolder | None:
        """The live holder of the lock, or None (no lock, or one left by a dead process)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            holder = LockHolder(int(data["pid"]), str(data["host"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if holder.host == socket.gethostname() and not _alive(holder.pid):
            return None
        return holder

    def acquire(self) -> LockHolder | None:
        """Take the lock; returns the other holder (and takes nothing) if it is held."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                other = self.holder()
                if other is not None and other.pid != os.getpid():
                    return other
                # Left behind by a process that is gone: take it over.
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(me)
            self.held = True
            return None
        return self.holder()

    def release(self) -> None:
        if self.held:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.held = False
