"""A ledger entry as a value: one reviewer's sign-off of one site.

Pure: no YAML, no files, no git. :mod:`unsafe_audit.ledger.yaml_io` turns entries into text
and back, :mod:`unsafe_audit.ledger.store` keeps them in the repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from unsafe_audit.model import MemberUse, SiteId, SiteKind

__all__ = [
    "DEFAULT_LEDGER_DIR",
    "SCHEMA_VERSION",
    "Answer",
    "Entry",
    "MemberUse",
    "Verdict",
    "is_site_id",
]

SCHEMA_VERSION = 3
"""The schema version this tool writes; older versions are upgraded on load. Version 2 added
``members``: the pg_sys uses a review unit's sign-off covers (see :mod:`unsafe_audit.units`);
version 3 ``contracts``: the digest of its callees' contracts per PostgreSQL major."""
DEFAULT_LEDGER_DIR = ".unsafe-audit/ledger"
"""Where the ledger lives, relative to the repository root (``--ledger`` changes it)."""

_SITE_ID = re.compile(r"[0-9a-f]{16}\Z")


def is_site_id(value: object) -> bool:
    """True for a string that is a site id: exactly 16 lowercase hex digits."""
    return isinstance(value, str) and _SITE_ID.match(value) is not None


class Verdict(StrEnum):
    """A reviewer's answer to one checklist item. The values are part of the YAML contract."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to one checklist item."""

    verdict: Verdict
    """pass, fail or n/a."""
    note: str | None = None
    """Why, when the reviewer wanted to say (a fail or an n/a usually deserves one)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One sign-off: who reviewed which site's code, for which release, with what answers."""

    site: SiteId
    """The site's fingerprint; also the file name."""
    kind: SiteKind
    """The site's kind when reviewed."""
    path: str
    """File of the site when reviewed (for people; not part of identity)."""
    item: str
    """Enclosing item of the site when reviewed (for people; not part of identity)."""
    token_hash: str
    """Hash of the code the reviewer saw: a different hash in head means the review is stale."""
    release: str
    """The revision reviewed: a tag, branch or short sha, or ``working tree of <rev>``."""
    checklist: str
    """``id@version`` of the checklist answered (``pgrx-ffi@1``; team parts joined by ``+``)."""
    tool: str
    """``unsafe-audit <version>`` that wrote the entry."""
    reviewer: str
    """``Name <email>``, from git config unless overridden."""
    reviewed_at: str
    """UTC time of the sign-off, ``YYYY-MM-DDTHH:MM:SSZ``."""
    lifetime_pattern: str
    """The lifetime pattern the reviewer named: ``borrow``, ``own``, ``pin`` or ``n/a``."""
    answers: tuple[tuple[str, Answer], ...]
    """Checklist item id and answer, in checklist order."""
    justification: str
    """Why the site is sound (or, with a fail answer, why it ships anyway)."""
    signature: str | None = None
    """Armored ``ssh-keygen -Y sign`` signature of
    :func:`~unsafe_audit.ledger.yaml_io.canonical_text`, if signed."""
    members: tuple[MemberUse, ...] | None = ()
    """The pg_sys uses inside the unit that the sign-off covers, in source order; None for an
    entry written before review units (schema 1), which did not record them."""
    contracts: tuple[tuple[int, str], ...] = ()
    """(PostgreSQL major, digest of the contracts of the pg_sys functions the unit calls in it)
    for each major the extension built for, ascending (see
    :mod:`unsafe_audit.contracts.digest`); empty when nothing was recorded: a unit that calls
    no pg_sys function, a crate naming no major, or an entry older than schema 3."""
    schema_version: int = SCHEMA_VERSION
    """The schema the entry's text is written in: an entry read from an older file keeps its
    version, so its canonical text (what a signature covers) is the text that was signed."""
    origin: str = field(default="", compare=False)
    """The file the entry was read from (empty for a new entry), for messages."""

    @property
    def failed_items(self) -> tuple[str, ...]:
        """Ids of the items answered ``fail``."""
        return tuple(item for item, answer in self.answers if answer.verdict is Verdict.FAIL)

    @property
    def reviewer_email(self) -> str | None:
        """The address inside ``<...>`` of :attr:`reviewer`, if there is one."""
        match = re.search(r"<([^<>\s]+)>\s*\Z", self.reviewer)
        return match.group(1) if match else None
