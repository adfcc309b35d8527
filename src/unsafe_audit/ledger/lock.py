"""One writer at a time per ledger directory: an ``flock`` on the directory itself.

Every write or deletion of an entry happens while holding it, so the check "is the entry on disk
still what this process read?" and the write that follows cannot interleave with another
process's (see :meth:`unsafe_audit.ledger.store.Ledger.save`). Locking the directory rather than
a lock file leaves nothing in the repository to commit or to clean up, and the kernel drops the
lock when its holder dies, even by ``kill -9``.

The lock is advisory: it orders unsafe-audit processes, not editors. A writer that cannot get it
within :data:`LOCK_WAIT_SECONDS` gives up with a :class:`LedgerError` rather than hang CI.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from unsafe_audit.errors import LedgerError

LOCK_WAIT_SECONDS = 30.0
"""How long a writer waits for another unsafe-audit process to finish writing the ledger."""
_POLL_SECONDS = 0.05


def _open_directory(directory: Path) -> int:
    return os.open(directory, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))


def acquire(
    directory: Path,
    display: str,
    *,
    wait: float = LOCK_WAIT_SECONDS,
    on_wait: Callable[[str], None] | None = None,
) -> int:
    """Take the ledger's writer lock, creating the directory if needed; returns the descriptor
    that holds it (``os.close`` it to release; :func:`writer_lock` does both).

    ``on_wait`` is told once, in words, when another process holds the lock and this one waits.
    Raises :class:`OSError` when the directory cannot be created or opened, and
    :class:`LedgerError` when the lock is still held after ``wait`` seconds.
    """
    directory.mkdir(parents=True, exist_ok=True)
    fd = _open_directory(directory)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if on_wait is not None and not told:
                    on_wait(f"waiting for another unsafe-audit process writing to {display}…")
                    told = True
                if time.monotonic() >= deadline:
                    raise LedgerError(
                        f"{display}: another unsafe-audit process has held the ledger's lock for "
                        f"{wait:g} s; nothing was written; try again when it has finished"
                    ) from None
                time.sleep(_POLL_SECONDS)
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def writer_lock(
    directory: Path,
    display: str,
    *,
    wait: float = LOCK_WAIT_SECONDS,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the ledger's writer lock for the ``with`` block (see :func:`acquire`)."""
    fd = acquire(directory, display, wait=wait, on_wait=on_wait)
    try:
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def lock_if_free(directory: Path) -> Iterator[bool]:
    """Take the writer lock only if nobody holds it; yields whether it was taken.

    For housekeeping that must not race a writer (removing its temporary file mid-write) but
    need not wait for one either.
    """
    try:
        fd = _open_directory(directory)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
