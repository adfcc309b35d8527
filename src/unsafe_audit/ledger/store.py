"""The ledger directory: one small YAML file per signed-off site, kept in the repository.

Each sign-off is ``<ledger dir>/<site id>.yaml`` (default ``.unsafe-audit/ledger``), so two
branches that sign off different sites touch different files and always merge cleanly, and a
PR diff shows one new file per review.

Safety rules, each with a test:

- every file is validated on load (:func:`~unsafe_audit.ledger.yaml_io.parse_entry`), and an
  existing file that does not validate (a merge conflict, say) is never overwritten;
- writes go through :mod:`unsafe_audit.atomic`: an interrupted write leaves the old entry
  intact;
- paths come only from validated site ids (16 hex digits) and from a ledger directory that must
  resolve inside the repository, so nothing in a ledger makes the tool write elsewhere;
- :class:`GuardedLedger`, used by an interactive review, also refuses to overwrite an entry
  that another process wrote after the review loaded the ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from unsafe_audit import atomic
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.entry import DEFAULT_LEDGER_DIR, Entry, is_site_id
from unsafe_audit.ledger.yaml_io import entry_text, parse_entry
from unsafe_audit.model import SiteId


def ledger_directory(root: Path, relative: str | None = None) -> Path:
    """The ledger directory for the repository at ``root``; refuses one outside the repository.

    ``relative`` (``--ledger``) is taken relative to ``root``; symlinks are resolved first, so a
    link pointing out of the repository is refused too.
    """
    rel = DEFAULT_LEDGER_DIR if relative is None else relative
    base = root.resolve()
    target = (base / rel).resolve()
    if target == base or base not in target.parents:
        raise LedgerError(
            f"ledger directory {rel!r} resolves to {target}, which is not inside the "
            f"repository {base}; give a directory inside it, such as {DEFAULT_LEDGER_DIR}"
        )
    return target


@dataclass
class Ledger:
    """Every entry of one ledger directory, read and validated up front."""

    directory: Path
    """The directory holding ``<site id>.yaml`` files (it may not exist yet)."""
    entries: dict[SiteId, Entry]
    """Entries by site id."""
    display: str = ""
    """How to name the directory in messages (relative to the repository)."""

    @classmethod
    def load(cls, root: Path, relative: str | None = None) -> Ledger:
        """Read every entry under the ledger directory of the repository at ``root``.

        Files whose name is not ``<16 hex digits>.yaml`` are an error (they would be silently
        ignored otherwise); files not ending in ``.yaml`` (a README) are left alone.
        """
        directory = ledger_directory(root, relative)
        display = relative if relative is not None else DEFAULT_LEDGER_DIR
        entries: dict[SiteId, Entry] = {}
        if not directory.exists():
            return cls(directory, entries, display)
        if not directory.is_dir():
            raise LedgerError(f"{display} is not a directory; the ledger is a directory of files")
        for path in sorted(directory.iterdir()):
            if path.suffix != ".yaml" or path.name.startswith("."):
                continue
            name = f"{display}/{path.name}"
            if not is_site_id(path.stem):
                raise LedgerError(
                    f"{name}:1: not a ledger entry name; entries are named <site id>.yaml "
                    "with a 16-hex-digit site id (move other files out of the ledger directory)"
                )
            entries[SiteId(path.stem)] = read_entry(path, name)
        return cls(directory, entries, display)

    def path_of(self, site: str) -> Path:
        """The file of ``site``'s entry. Refuses anything that is not a site id."""
        if not is_site_id(site):
            raise LedgerError(f"{site!r} is not a site id (16 lowercase hex digits)")
        return self.directory / f"{site}.yaml"

    def save(self, entry: Entry) -> Path:
        """Write ``entry`` atomically; returns its path. An existing invalid file is kept."""
        target = self.path_of(entry.site)
        name = f"{self.display}/{target.name}"
        if target.exists():
            read_entry(target, name)  # raises on a conflicted or invalid file: never overwrite it
        _write(target, entry_text(entry), name)
        saved = replace(entry, origin=name)
        self.entries[entry.site] = saved
        return target

    def remove(self, site: str) -> None:
        """Delete ``site``'s entry file."""
        target = self.path_of(site)
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise LedgerError(
                f"{self.display}/{target.name}: cannot delete: {e.strerror or e}"
            ) from e
        self.entries.pop(SiteId(site), None)


def read_entry(path: Path, name: str) -> Entry:
    """Read and validate one entry file (its name must be ``<site id>.yaml``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise LedgerError(f"{name}:1: not UTF-8 text: {e.reason}") from e
    except OSError as e:
        raise LedgerError(f"{name}: cannot read: {e.strerror or e}") from e
    return parse_entry(text, name, expected_id=path.stem)


def _write(target: Path, text: str, name: str) -> None:
    """:func:`unsafe_audit.atomic.write_atomically`, its failures told as ledger errors."""
    try:
        fd, temporary = atomic.temporary_beside(target)
    except PermissionError as e:
        raise LedgerError(
            f"{name}: the ledger directory {target.parent} is read-only ({e.strerror}); nothing "
            "was written; make it writable or give another --ledger directory"
        ) from e
    except OSError as e:
        raise LedgerError(f"{name}: cannot write the ledger: {e.strerror or e}") from e
    try:
        atomic.fill_and_rename(fd, temporary, target, text)
    except OSError as e:
        raise LedgerError(
            f"{name}: cannot write the entry ({e.strerror or e}); the old file is unchanged"
        ) from e


# -- guarded writes for an interactive review ------------------------------------------------------


class LedgerChangedError(LedgerError):
    """The entry's file changed on disk since the review loaded the ledger."""


def _fingerprint(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError:
        return "unreadable"


class GuardedLedger:
    """The :class:`~unsafe_audit.review.SignOffStore` over a :class:`Ledger`.

    Before writing an entry it checks that the entry's file is as it was when the review
    loaded the ledger; if someone else wrote it meanwhile, it refuses (the caller keeps the
    draft) instead of overwriting their sign-off.
    """

    def __init__(self, ledger: Ledger, root: Path) -> None:
        self.ledger = ledger
        self.root = root
        """The repository the ledger belongs to."""
        self._seen: dict[str, str | None] = {}
        directory = ledger.directory
        if directory.is_dir():
            for path in directory.glob("*.yaml"):
                self._seen[path.stem] = _fingerprint(path)

    def write(self, entry: Entry) -> Path:
        target = self.ledger.path_of(entry.site)
        name = f"{self.ledger.display}/{target.name}"
        now = _fingerprint(target)
        if now != self._seen.get(entry.site):
            raise LedgerChangedError(
                f"{name} was written by another process since this review started; it was "
                "not overwritten and your answers are kept as a draft. Quit and run "
                "`unsafe-audit review` again to see both."
            )
        path = self.ledger.save(entry)
        self._seen[entry.site] = _fingerprint(path)
        return path

    def where(self, site_id: SiteId) -> str:
        return f"{self.ledger.display}/{site_id}.yaml"
