"""The one way unsafe-audit replaces a file: a temporary file beside it, fsync, then rename.

Readers see the old file or the new one, never half of one, and a failed or interrupted write
leaves the old file as it was and no temporary file behind. The ledger and the review drafts
both write through here.

The two steps are separate functions because their failures mean different things to a caller:
when :func:`temporary_beside` fails nothing was created at all (a read-only directory, say);
when :func:`fill_and_rename` fails the temporary file existed and has been removed again.

Only ``kill -9`` (or a power cut) between the two steps leaves a temporary file behind; its name
is ``.<target name>.<8 random characters>.tmp``, and :func:`is_leftover_of` recognises exactly
that shape, so a caller can remove such leftovers without ever touching another file.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from pathlib import Path

# tempfile.mkstemp's random part: 8 characters of [a-z0-9_] (tempfile._RandomNameSequence).
_RANDOM = r"[a-z0-9_]{8}"
_UMASK_LOCK = threading.Lock()


def temporary_beside(target: Path) -> tuple[int, str]:
    """Create ``target``'s directory if needed and a new empty temporary file in it.

    Returns the open file descriptor and the temporary file's path. The name starts with a dot
    and ends in ``.tmp``, so nothing that lists ``*.yaml`` or ``*.json`` files mistakes it for a
    real one. Raises :class:`OSError` when either cannot be created; nothing is left behind.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")


def fill_and_rename(
    fd: int, temporary: str, target: Path, text: str, *, mode: int | None = None
) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to the open temporary file, flush it to disk,
    and rename it over ``target``.

    ``mode`` (such as ``0o666``) is the permission the file gets, less the process's umask, as
    ``open()`` would give a new file; None keeps :func:`tempfile.mkstemp`'s private ``0o600``.
    On any failure, an interrupt included, the temporary file is removed, ``target`` is left
    as it was and the exception propagates unchanged.
    """
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            if mode is not None:
                os.fchmod(out.fileno(), mode & ~current_umask())
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomically(target: Path, text: str, *, mode: int | None = None) -> None:
    """Replace ``target`` with ``text`` atomically (both steps above); raises :class:`OSError`."""
    fd, temporary = temporary_beside(target)
    fill_and_rename(fd, temporary, target, text, mode=mode)


def is_leftover_of(name: str, target_pattern: str) -> bool:
    """True when ``name`` is a temporary file :func:`temporary_beside` made for a target whose
    name matches the regular expression ``target_pattern`` (``[0-9a-f]{16}\\.yaml``)."""
    return re.fullmatch(rf"\.(?:{target_pattern})\.{_RANDOM}\.tmp", name) is not None


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows.

    Linux reports it in ``/proc/self/status``; elsewhere it is set and restored under a lock
    (the only way POSIX offers, and the TUI writes from more than one thread).
    """
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask
