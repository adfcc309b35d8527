"""What an interactive review keeps on disk besides the ledger, and how it writes the ledger.

- :class:`DraftFile`: unfinished answers in ``<git dir>/unsafe-audit/drafts.json``, written
  atomically after every change, so quitting, a crash or a closed terminal loses nothing. It
  sits inside the git directory: one per clone, never committed. Plain JSON, validated on
  load; a damaged file is set aside (``drafts.json.damaged``), never trusted.
- :class:`GuardedLedger`: the :class:`~unsafe_audit.review.SignOffStore` over
  :class:`~unsafe_audit.ledger.Ledger`. Before writing an entry it checks that the entry's
  file is as it was when the review loaded the ledger; if someone else wrote it meanwhile, it
  refuses (the caller keeps the draft) instead of overwriting their sign-off.

The lock that makes one ``review`` per clone the writer is in :mod:`unsafe_audit.review_lock`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from unsafe_audit.atomic import write_atomically
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger import Entry, Ledger
from unsafe_audit.model import SiteId
from unsafe_audit.review import Draft
from unsafe_audit.review_lock import state_dir

DRAFTS_VERSION = 1


class DraftFile:
    """The drafts of one clone: loaded once, saved whole after every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warning: str | None = None
        """Set when the file on disk could not be used (it was moved aside)."""

    @classmethod
    def in_git_dir(cls, git_dir: Path) -> DraftFile:
        return cls(state_dir(git_dir) / "drafts.json")

    def load(self) -> dict[SiteId, Draft]:
        """The saved drafts; an unreadable or malformed file is moved aside, with a warning."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as e:
            self.warning = f"cannot read drafts {self.path}: {e}"
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            return self._damaged(f"not JSON ({e.msg} at line {e.lineno})")
        if not isinstance(data, dict) or data.get("version") != DRAFTS_VERSION:
            return self._damaged("unknown layout or version")
        raw = data.get("drafts")
        if not isinstance(raw, dict):
            return self._damaged("no drafts mapping")
        drafts: dict[SiteId, Draft] = {}
        for key, value in raw.items():
            draft = Draft.from_json(value)
            if isinstance(key, str) and draft is not None:
                drafts[SiteId(key)] = draft
        return drafts

    def _damaged(self, why: str) -> dict[SiteId, Draft]:
        aside = self.path.with_name(self.path.name + ".damaged")
        with contextlib.suppress(OSError):
            os.replace(self.path, aside)
        self.warning = f"drafts file was damaged ({why}); moved to {aside}"
        return {}

    def save(self, drafts: Mapping[SiteId, Draft]) -> None:
        """Write every draft atomically (temporary file, then rename)."""
        data = {
            "version": DRAFTS_VERSION,
            "drafts": {k: drafts[k].to_json() for k in sorted(drafts)},
        }
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")


# -- guarded ledger writes -------------------------------------------------------------------------


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
    """Writes sign-offs to a :class:`Ledger`, refusing to overwrite another process's work."""

    def __init__(self, ledger: Ledger, root: Path) -> None:
        self.ledger = ledger
        self.root = root
        self._seen: dict[str, str | None] = {}
        directory = ledger.directory
        if directory.is_dir():
            for path in directory.glob("*.yaml"):
                self._seen[path.stem] = _fingerprint(path)

    def seen(self, site_id: str) -> str | None:
        return self._seen.get(site_id)

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

    def display(self, path: Path) -> str:
        """``path`` relative to the repository, for messages."""
        with contextlib.suppress(ValueError):
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        return str(path)


def draft_for_site(drafts: Mapping[SiteId, Draft], site_id: SiteId) -> Draft | None:
    """The saved draft of ``site_id``, if any (for tests and tools)."""
    return drafts.get(site_id)
