"""The ledger directory: one small YAML file per signed-off site, kept in the repository.

Each sign-off is ``<ledger dir>/<site id>.yaml`` (default ``.unsafe-audit/ledger``), so two
branches that sign off different sites touch different files and always merge cleanly, and a
PR diff shows one new file per review.

The ledger comes from the repository, so a pull request controls it. Safety rules, each with a
test (``tests/ledger/``, ``tests/hostile/``):

- every entry is read only from a regular file (not a symlink, FIFO, device or directory), at
  most :data:`MAX_ENTRY_BYTES`, and validated on load
  (:func:`~unsafe_audit.ledger.yaml_io.parse_entry`); an existing file that does not validate
  (a merge conflict, say) is never overwritten;
- writes go through :mod:`unsafe_audit.atomic`: an interrupted write leaves the old entry
  intact, and the temporary file a ``kill -9`` leaves behind is removed by the next run; new
  entries get the permissions the umask gives (``0o666 & ~umask``), like any file a tool writes;
- paths come only from validated site ids (16 hex digits) and from a ledger directory that must
  resolve inside the repository's work tree and outside its git directory, so nothing in a
  ledger makes the tool write elsewhere;
- every write and deletion is a compare-and-swap under the ledger's writer lock
  (:mod:`~unsafe_audit.ledger.lock`): it goes ahead only while the entry on disk is the one this
  process read when it loaded the ledger (or still absent). Of two concurrent sign-offs of one
  site, the second is refused and told; nothing is overwritten.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from unsafe_audit import atomic
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger import lock
from unsafe_audit.ledger.entry import DEFAULT_LEDGER_DIR, Entry, is_site_id
from unsafe_audit.ledger.yaml_io import entry_text, parse_entry
from unsafe_audit.model import SiteId
from unsafe_audit.regular_file import KIB, UnreadableFile, read_regular_file
from unsafe_audit.work_tree_place import Place, misplaced

MAX_ENTRY_BYTES = 256 * KIB
"""The largest entry file read; a real entry is about 1 KiB, so anything near this is not one."""
ENTRY_MODE = 0o666
"""The permissions of a new entry before the umask, as for any file a tool creates."""
_ENTRY_NAME = r"[0-9a-f]{16}\.yaml"


def ledger_directory(
    root: Path, relative: str | None = None, *, git_dirs: Sequence[Path] = ()
) -> Path:
    """The ledger directory for the repository at ``root``; refuses one outside the repository
    or inside one of its ``git_dirs`` (the git directory, and the common one of a worktree).

    ``relative`` (``--ledger``) is taken relative to ``root``; symlinks are resolved first, so a
    link pointing out of the repository, or into ``.git``, is refused too.
    """
    rel = DEFAULT_LEDGER_DIR if relative is None else relative
    base = root.resolve()
    target = (base / rel).resolve()
    place = Place("ledger directory", rel, "directory", "sign-offs", DEFAULT_LEDGER_DIR)
    problem = misplaced(place, target, base, git_dirs)
    if problem is not None:
        raise LedgerError(problem)
    return target


class LedgerChangedError(LedgerError):
    """The entry's file changed on disk since this process loaded the ledger."""


@dataclass
class Ledger:
    """Every entry of one ledger directory, read and validated up front."""

    directory: Path
    """The directory holding ``<site id>.yaml`` files (it may not exist yet)."""
    entries: dict[SiteId, Entry]
    """Entries by site id."""
    display: str = ""
    """How to name the directory in messages (relative to the repository)."""
    read: dict[str, str] = field(default_factory=dict, repr=False)
    """A digest of each entry file's bytes as loaded (or last written) by this process: a write
    or deletion goes ahead only while the file on disk still has it (absent: no file)."""
    notices: list[str] = field(default_factory=list)
    """Things done on the way that a person should hear of (leftover temporary files removed)."""
    on_wait: Callable[[str], None] | None = field(default=None, compare=False, repr=False)
    """Told when a write waits for another process holding the ledger's writer lock."""

    @classmethod
    def load(
        cls, root: Path, relative: str | None = None, *, git_dirs: Sequence[Path] = ()
    ) -> Ledger:
        """Read every entry under the ledger directory of the repository at ``root``.

        Files whose name is not ``<16 hex digits>.yaml`` are an error (they would be silently
        ignored otherwise); files not ending in ``.yaml`` (a README) are left alone, except the
        temporary files of an interrupted write, which are removed (see :attr:`notices`).
        """
        directory = ledger_directory(root, relative, git_dirs=git_dirs)
        display = relative if relative is not None else DEFAULT_LEDGER_DIR
        ledger = cls(directory, {}, display)
        if not directory.exists():
            return ledger
        if not directory.is_dir():
            raise LedgerError(f"{display} is not a directory; the ledger is a directory of files")
        with lock.lock_if_free(directory) as free:
            if free:  # a writer holds the lock while its temporary file exists: leave it be
                ledger.remove_leftovers()
        try:
            paths = sorted(directory.iterdir())
        except OSError as e:
            raise LedgerError(f"{display}: cannot list the ledger: {e.strerror or e}") from e
        for path in paths:
            if path.suffix != ".yaml" or path.name.startswith("."):
                continue
            name = f"{display}/{path.name}"
            if not is_site_id(path.stem):
                raise LedgerError(
                    f"{name}:1: not a ledger entry name; entries are named <site id>.yaml "
                    "with a 16-hex-digit site id (move other files out of the ledger directory)"
                )
            data = read_entry_bytes(path, name)
            ledger.entries[SiteId(path.stem)] = _parse(data, path, name)
            ledger.read[path.stem] = _digest(data)
        return ledger

    def path_of(self, site: str) -> Path:
        """The file of ``site``'s entry. Refuses anything that is not a site id."""
        if not is_site_id(site):
            raise LedgerError(f"{site!r} is not a site id (16 lowercase hex digits)")
        return self.directory / f"{site}.yaml"

    def save(self, entry: Entry) -> Path:
        """Write ``entry`` atomically; returns its path.

        Refused (nothing written): an existing file that does not validate, and a file that is
        not as this process read it (:class:`LedgerChangedError`).
        """
        target = self.path_of(entry.site)
        name = f"{self.display}/{target.name}"
        text = entry_text(entry)  # refuses text that is not valid UTF-8 before anything is done
        with self._locked(name):
            self.remove_leftovers()
            now = None
            if target.exists() or target.is_symlink():
                data = read_entry_bytes(target, name)
                _parse(data, target, name)  # a conflicted or invalid file: never overwrite it
                now = _digest(data)
            self._expect(entry.site, now, name)
            _write(target, text, name)
            self.read[entry.site] = _digest(text.encode("utf-8"))
        self.entries[entry.site] = replace(entry, origin=name)
        return target

    def remove(self, site: str) -> None:
        """Delete ``site``'s entry file, unless it changed since this process read it."""
        target = self.path_of(site)
        name = f"{self.display}/{target.name}"
        if not self.directory.is_dir():
            self.entries.pop(SiteId(site), None)
            return
        with self._locked(name):
            try:
                now = _digest(read_entry_bytes(target, name))
            except FileNotFoundError:
                now = None
            if now is not None:
                self._expect(site, now, name)
                try:
                    target.unlink()
                except FileNotFoundError:
                    pass
                except OSError as e:
                    raise LedgerError(f"{name}: cannot delete: {e.strerror or e}") from e
        self.read.pop(site, None)
        self.entries.pop(SiteId(site), None)

    def remove_leftovers(self) -> None:
        """Delete the temporary files an interrupted write left (``.<site>.yaml.*.tmp``).

        Call it only while no writer can be mid-write (under the writer lock). Nothing but
        files of exactly that name shape is touched; one that cannot be removed is left.
        """
        try:
            names = sorted(p.name for p in self.directory.iterdir())
        except OSError:
            return
        removed = 0
        for leftover in names:
            path = self.directory / leftover
            if not atomic.is_leftover_of(leftover, _ENTRY_NAME) or path.is_dir():
                continue
            try:
                path.unlink()
            except OSError:
                continue
            removed += 1
        if removed:
            files = "file" if removed == 1 else "files"
            self.notices.append(
                f"removed {removed} temporary {files} left in {self.display} by an "
                "interrupted write (a sign-off killed mid-write)"
            )

    @contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        """The writer lock, its failures to start told as ledger errors."""
        try:
            fd = lock.acquire(self.directory, self.display, on_wait=self.on_wait)
        except PermissionError as e:
            raise _read_only(self.directory, name, e) from e
        except OSError as e:
            raise LedgerError(f"{name}: cannot write the ledger: {e.strerror or e}") from e
        try:
            yield
        finally:
            os.close(fd)

    def _expect(self, site: str, now: str | None, name: str) -> None:
        before = self.read.get(site)
        if now == before:
            return
        what = "created" if before is None else "deleted" if now is None else "changed"
        raise LedgerChangedError(
            f"{name} was {what} by another process after this one read the ledger; nothing "
            "was overwritten; run the command again to start from the entry as it is now"
        )


def read_entry_bytes(path: Path, name: str) -> bytes:
    """The bytes of one entry file: a regular file (a symlink is refused) of at most
    :data:`MAX_ENTRY_BYTES`. Raises :class:`FileNotFoundError` when there is no file."""
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(path)
    try:
        return read_regular_file(path, MAX_ENTRY_BYTES, follow_symlinks=False)
    except UnreadableFile as e:
        if isinstance(e.__cause__, FileNotFoundError):
            raise e.__cause__ from None
        raise LedgerError(
            f"{name}: {e}; a ledger entry must be a regular file (move it out of the ledger)"
        ) from e


def read_entry(path: Path, name: str) -> Entry:
    """Read and validate one entry file (its name must be ``<site id>.yaml``)."""
    return _parse(read_entry_bytes(path, name), path, name)


def _parse(data: bytes, path: Path, name: str) -> Entry:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise LedgerError(f"{name}:{line}: not UTF-8 text: {e.reason}") from e
    return parse_entry(text, name, expected_id=path.stem)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(target: Path, text: str, name: str) -> None:
    """:func:`unsafe_audit.atomic.write_atomically`, its failures told as ledger errors."""
    try:
        fd, temporary = atomic.temporary_beside(target)
    except PermissionError as e:
        raise _read_only(target.parent, name, e) from e
    except OSError as e:
        raise LedgerError(f"{name}: cannot write the ledger: {e.strerror or e}") from e
    try:
        atomic.fill_and_rename(fd, temporary, target, text, mode=ENTRY_MODE)
    except OSError as e:
        raise LedgerError(
            f"{name}: cannot write the entry ({e.strerror or e}); the old file is unchanged"
        ) from e


def _read_only(directory: Path, name: str, e: OSError) -> LedgerError:
    return LedgerError(
        f"{name}: the ledger directory {directory} is read-only ({e.strerror}); nothing "
        "was written; make it writable or give another --ledger directory"
    )


# -- guarded writes for an interactive review ------------------------------------------------------


class GuardedLedger:
    """The :class:`~unsafe_audit.review.SignOffStore` over a :class:`Ledger`.

    Every :meth:`Ledger.save` refuses to overwrite an entry another process wrote after the
    ledger was loaded; for a review, that refusal is worded for the person whose answers are
    kept as a draft.
    """

    def __init__(self, ledger: Ledger, root: Path) -> None:
        self.ledger = ledger
        self.root = root
        """The repository the ledger belongs to."""

    def write(self, entry: Entry) -> Path:
        try:
            return self.ledger.save(entry)
        except LedgerChangedError as e:
            raise LedgerChangedError(
                f"{self.where(entry.site)} was written by another process since this review "
                "started; it was not overwritten and your answers are kept as a draft. Quit and "
                "run `unsafe-audit review` again to see both."
            ) from e

    def where(self, site_id: SiteId) -> str:
        return f"{self.ledger.display}/{site_id}.yaml"
