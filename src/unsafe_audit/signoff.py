"""What a sign-off must say, and the ledger entry it writes: the rules, once. Pure.

Both front ends call this module: the review session (:mod:`unsafe_audit.review`), which words
the problems for the screen, and ``unsafe-audit sign-off``, which words them for a command
line. The rules: every checklist item that applies to the unit's kind, or to the kind of a pg_sys
use inside it (see :mod:`unsafe_audit.units`), is answered; a lifetime
pattern the checklist knows is named where one applies; the justification is not empty, and a
``fail`` answer comes with the reviewer's own words on why the site ships anyway (not the
seeded text); a reviewer is known. The entry records the unit's pg_sys uses and the digest of
its callees' contracts for each PostgreSQL major the extension builds for.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from unsafe_audit.checklist.model import Item
from unsafe_audit.contracts.digest import unit_called, unit_contracts
from unsafe_audit.errors import UsageError
from unsafe_audit.ledger.entry import Answer, Entry, Verdict
from unsafe_audit.model import Site
from unsafe_audit.units import member_uses


class Gap(StrEnum):
    """One reason a sign-off cannot be written yet."""

    NO_ITEMS = "no-items"
    """The checklist has no item for the site's kind."""
    UNANSWERED = "unanswered"
    """Some applicable items have no answer (``Problem.items`` names them)."""
    NO_PATTERN = "no-pattern"
    """A lifetime pattern applies to the kind and none was named."""
    UNKNOWN_PATTERN = "unknown-pattern"
    """The pattern named is not one of the checklist's."""
    NO_JUSTIFICATION = "no-justification"
    """The justification is empty."""
    FAIL_NEEDS_OWN_WORDS = "fail-needs-own-words"
    """A fail answer with only the seeded justification."""
    NO_REVIEWER = "no-reviewer"
    """Nobody to record as the reviewer."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A gap, and the checklist items it is about (for unanswered items)."""

    gap: Gap
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SignOffIdentity:
    """What every entry of a run records besides the answers."""

    reviewer: str
    """``Name <email>``; empty when unknown (sign-off is then refused)."""
    release: str
    """The revision reviewed (``working tree of v0.3.0``)."""
    checklist: str
    """``id@version`` of the checklist (see :attr:`Checklist.label`)."""
    tool: str
    """``unsafe-audit <version>``."""
    clock: Callable[[], str]
    """The time of a sign-off, ``YYYY-MM-DDTHH:MM:SSZ``."""
    majors: tuple[int, ...] = ()
    """The PostgreSQL majors the extension builds for (its ``Cargo.toml`` features): an entry
    records its callees' contracts in each (see :mod:`unsafe_audit.contracts.digest`)."""


@dataclass(frozen=True, slots=True)
class Proposal:
    """Everything said about one site, ready to be checked and written."""

    site: Site
    items: Sequence[Item]
    """The checklist items that apply to the unit (its kind and its members' kinds), in
    checklist order (see :func:`unsafe_audit.units.unit_items`)."""
    pattern_applies: bool
    """True when the kind needs a lifetime pattern."""
    known_patterns: Sequence[str]
    """The checklist's lifetime pattern ids."""
    answers: Mapping[str, Answer]
    """The answers given, by item id (unanswered items are absent)."""
    pattern: str | None
    """The lifetime pattern named, or None."""
    justification: str
    """The justification as it stands (seeded or written)."""
    own_justification: bool
    """True when the reviewer wrote or edited it (not the seeded text as it was)."""
    members: Sequence[Site] = ()
    """The pg_sys uses inside the unit, which the sign-off covers and records."""


def offered_justification(site: Site, stale: str | None, covered: str | None = None) -> str:
    """The text a new sign-off starts from: a stale sign-off's, else the SAFETY comment, else
    ``covered``, the sign-off of a pg_sys use inside the unit from before review units."""
    return (stale or site.safety_comment or covered or "").strip()


def problems(proposal: Proposal, reviewer: str) -> list[Problem]:
    """What still stops ``proposal`` from being signed off by ``reviewer`` (empty when none)."""
    p = proposal
    out: list[Problem] = []
    if not p.items:
        out.append(Problem(Gap.NO_ITEMS))
    unanswered = tuple(i.id for i in p.items if i.id not in p.answers)
    if unanswered:
        out.append(Problem(Gap.UNANSWERED, unanswered))
    if p.pattern is not None and p.pattern not in p.known_patterns and p.pattern != "n/a":
        out.append(Problem(Gap.UNKNOWN_PATTERN))
    elif p.pattern_applies and p.pattern is None:
        out.append(Problem(Gap.NO_PATTERN))
    text = p.justification.strip()
    if not text:
        out.append(Problem(Gap.NO_JUSTIFICATION))
    failed = any(a.verdict is Verdict.FAIL for a in p.answers.values())
    if failed and text and not p.own_justification:
        out.append(Problem(Gap.FAIL_NEEDS_OWN_WORDS))
    if not reviewer:
        out.append(Problem(Gap.NO_REVIEWER))
    return out


def build_entry(proposal: Proposal, identity: SignOffIdentity) -> Entry:
    """The ledger entry for a complete ``proposal`` (see :func:`problems`; not checked here)."""
    p, site = proposal, proposal.site
    return Entry(
        site=site.id,
        kind=site.kind,
        path=site.path,
        item=site.item,
        token_hash=site.token_hash,
        release=identity.release,
        checklist=identity.checklist,
        tool=identity.tool,
        reviewer=identity.reviewer,
        reviewed_at=identity.clock(),
        lifetime_pattern=p.pattern if p.pattern_applies and p.pattern else "n/a",
        answers=tuple((i.id, p.answers[i.id]) for i in p.items),
        justification=p.justification.strip(),
        members=member_uses(p.members),
        contracts=unit_contracts(unit_called(site, p.members), identity.majors),
    )


_REVIEWER = re.compile(r"\S.*<[^<>\s]+@[^<>\s]+>\Z")


def undecodable(text: str) -> str | None:
    """Where ``text`` holds something that cannot be written as UTF-8, in words, or None.

    Python decodes command-line arguments and git's output with ``surrogateescape``: a byte
    that was not UTF-8 becomes a lone surrogate, which no UTF-8 file can hold.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        char = ord(text[e.start])
        bad = f"byte 0x{char - 0xDC00:02x}" if 0xDC80 <= char <= 0xDCFF else f"U+{char:04X}"
        return f"the {bad} at character {e.start + 1} is not valid UTF-8"
    return None


def require_utf8(text: str, what: str, fix: str = "") -> str:
    """``text``, unless it is not valid UTF-8 (see :func:`undecodable`): then a
    :class:`UsageError` naming ``what``, before anything is written."""
    problem = undecodable(text)
    if problem is not None:
        advice = f"; {fix}" if fix else ""
        raise UsageError(
            f"{what}: {problem}; a sign-off is UTF-8 text, so nothing was written{advice}"
        )
    return text


def check_reviewer(value: str) -> str:
    """A reviewer given by hand, checked to be ``Name <email>`` in valid UTF-8."""
    require_utf8(value, "--reviewer")
    stripped = value.strip()
    if not _REVIEWER.match(stripped):
        raise UsageError(f"--reviewer {value!r}: expected 'Name <email>'")
    return stripped


def reviewed_at() -> str:
    """Now in UTC; ``SOURCE_DATE_EPOCH`` pins it, for reproducible entries and tests."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.fromtimestamp(int(epoch), UTC) if epoch and epoch.isdigit() else datetime.now(UTC)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
