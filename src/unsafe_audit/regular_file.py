"""Read a file that a pull request may have planted: a regular file only, never more than a cap.

A ledger entry or a checklist comes from the repository, so its author chooses what the path
is: a symlink to ``/dev/zero``, a FIFO that never delivers a byte, a device, a directory named
``*.yaml``, a file of gigabytes. :func:`read_regular_file` opens without blocking (a FIFO
opens at once with ``O_NONBLOCK``), checks with ``fstat`` on the open descriptor that it is a
regular file (so the file checked is the file read), and reads at most ``limit + 1`` bytes, so
a file over the cap is told as such and never read whole. Pure standard library.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

KIB = 1024
"""Bytes in a KiB, for the caps callers name."""


class UnreadableFile(Exception):
    """The file is not one the caller may read; ``str(e)`` says why, without the path
    (``is a FIFO (named pipe), not a regular file``)."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail
        """The reason alone, to follow a caller's own words (``a FIFO (named pipe), not a
        regular file``; ``No such file or directory``)."""


def _refused(what: str) -> UnreadableFile:
    return UnreadableFile(f"is {what}", what)


def _os_error(e: OSError) -> UnreadableFile:
    detail = e.strerror or str(e)
    return UnreadableFile(f"cannot read: {detail}", detail)


def read_regular_file(path: Path, limit: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file at ``path``, refusing anything else or more than ``limit``.

    ``follow_symlinks=False`` refuses a symlink itself (``O_NOFOLLOW``); otherwise the link's
    target must be a regular file. Raises :class:`UnreadableFile` with the reason.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP and not follow_symlinks:
            raise _refused("a symbolic link, not a regular file") from e
        try:  # a socket cannot be opened at all (ENXIO): say what it is
            mode = os.stat(path, follow_symlinks=follow_symlinks).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            raise _refused(f"{describe_mode(mode)}, not a regular file") from e
        raise _os_error(e) from e
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _refused(f"{describe_mode(mode)}, not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(64 * KIB, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise _os_error(e) from e
    finally:
        os.close(fd)
    if size > limit:
        raise _refused(f"larger than {_size(limit)}, the most this tool reads")
    return b"".join(chunks)


def describe_mode(mode: int) -> str:
    """What kind of file ``mode`` (from ``stat``) is, for messages: ``a FIFO (named pipe)``."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "an unknown kind of file"  # pragma: no cover - every other type is listed above


def _size(limit: int) -> str:
    if limit % (KIB * KIB) == 0:
        return f"{limit // (KIB * KIB)} MiB"
    if limit % KIB == 0:
        return f"{limit // KIB} KiB"
    return f"{limit} bytes"
