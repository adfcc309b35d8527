"""The one way unsafe-audit replaces a file: a temporary file beside it, fsync, then rename.

Readers see the old file or the new one, never half of one, and a failed or interrupted write
leaves the old file as it was and no temporary file behind. The ledger and the review drafts
both write through here.

The two steps are separate functions because their failures mean different things to a caller:
when :func:`temporary_beside` fails nothing was created at all (a read-only directory, say);
when :func:`fill_and_rename` fails the temporary file existed and has been removed again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def temporary_beside(target: Path) -> tuple[int, str]:
    """Create ``target``'s directory if needed and a new empty temporary file in it.

    Returns the open file descriptor and the temporary file's path. The name starts with a dot
    and ends in ``.tmp``, so nothing that lists ``*.yaml`` or ``*.json`` files mistakes it for a
    real one. Raises :class:`OSError` when either cannot be created; nothing is left behind.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")


def fill_and_rename(fd: int, temporary: str, target: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to the open temporary file, flush it to disk,
    and rename it over ``target``.

    On any failure, an interrupt included, the temporary file is removed, ``target`` is left
    as it was and the exception propagates unchanged.
    """
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomically(target: Path, text: str) -> None:
    """Replace ``target`` with ``text`` atomically (both steps above); raises :class:`OSError`."""
    fd, temporary = temporary_beside(target)
    fill_and_rename(fd, temporary, target, text)
