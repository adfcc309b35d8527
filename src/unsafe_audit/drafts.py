"""Unfinished review answers, kept on disk so that nothing typed is ever lost.

:class:`DraftFile` is ``<git dir>/unsafe-audit/drafts.json``, written atomically after every
change, so quitting, a crash or a closed terminal loses nothing. It sits inside the git
directory: one per clone, never committed. Plain JSON, validated on load; a damaged file is set
aside (``drafts.json.damaged``), never trusted.

The lock that makes one ``review`` per clone the writer of this file is
:class:`unsafe_audit.review_lock.ReviewLock`; sign-offs themselves go to the ledger through
:class:`unsafe_audit.ledger.store.GuardedLedger`.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from unsafe_audit.atomic import write_atomically
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
