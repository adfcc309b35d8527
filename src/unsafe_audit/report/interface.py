"""The report interface: the values the output contracts render and the shape of a renderer.

:class:`CheckReport` is what ``check`` renders, :class:`DiffReport` what ``diff`` renders; a scan
renders its :class:`~unsafe_audit.scan.ScanResult` as is. Each value is plain data read before
rendering (no open repository, no file readers), so a renderer is a pure function of it: a
:data:`Renderer` writes one contract to a stream, one module per contract
(``scan_json``, ``diff_markdown``, ``check_sarif`` ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO, TypeAlias, TypeVar

from unsafe_audit.diff import Delta, SiteDelta
from unsafe_audit.exemptions.model import Exemption, Unneeded
from unsafe_audit.hints.interface import Hint
from unsafe_audit.model import ScanWarning, Side, SiteId, SkippedFile
from unsafe_audit.report.links import SourceLinks
from unsafe_audit.review_state import ReviewState

_Value = TypeVar("_Value")

Renderer: TypeAlias = Callable[[_Value, TextIO], None]
"""Writes one output contract of a value (a :class:`CheckReport`, a :class:`DiffReport`, a
``ScanResult``) to a text stream, the whole output ending with a newline."""


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``check`` found: each head site's review state against the ledger."""

    base: Side
    """The revision head was diffed against (the previous release, or ``--base``)."""
    head: Side
    """The revision audited (the work tree, or ``--head``)."""
    reason: str
    """Why this base was chosen, for people."""
    state: ReviewState
    """Review state per head site, and orphaned entries."""
    ledger: str
    """The ledger directory, relative to the repository root."""
    require_signatures: bool = False
    """True when unsigned entries did not count."""
    hints: Mapping[SiteId, Sequence[Hint]] = field(default_factory=dict)
    """What the static hints saw at the sites that need a sign-off (evidence, not verdicts);
    empty for the other sites, and for formats that do not show hints."""
    exemptions: str | None = None
    """The adoption exemptions file in use (relative to the repository root), None when the
    repository has none; the sites it covers are ``SiteReview.exempt``."""
    unneeded_exemptions: tuple[tuple[Exemption, Unneeded], ...] = ()
    """Exemptions ``prune --apply`` would drop: their site is signed off, changed or gone."""
    links: SourceLinks | None = None
    """Where the repository's files can be linked to (Markdown), when CI says."""
    majors: tuple[int, ...] = ()
    """The PostgreSQL majors head builds for (its Cargo ``pgNN`` features) that the contracts
    table reads, ascending: the majors whose pg_sys contracts the sign-offs were held to; empty
    when it names none."""

    @property
    def ok(self) -> bool:
        """True when no site blocks: ``check`` exits 0."""
        return self.state.ok


@dataclass(frozen=True, slots=True)
class CodePair:
    """The code of one site on each side of a diff."""

    before: str | None
    """The base version's code; None when there is no base site or its file cannot be read."""
    after: str | None
    """The head version's code; None when there is no head site or its file cannot be read."""


@dataclass(frozen=True, slots=True)
class DiffReport:
    """What ``diff`` found: the classified sites of head against base, and the code it shows."""

    base: Side
    """The revision compared with (the previous release, ``--base``, or nothing)."""
    head: Side
    """The revision audited (the work tree, or ``--head``)."""
    reason: str
    """Why this base was chosen, for people."""
    delta: Delta
    """Every site of base and head, classified."""
    warnings: tuple[ScanWarning, ...]
    """Problems scanning head (files not scanned, submodules skipped)."""
    submodules: tuple[str, ...]
    """Submodule paths in head, which are not scanned."""
    changed_code: Mapping[SiteDelta, CodePair] = field(default_factory=dict)
    """The exact code (the site's span) of each changed site, for JSON's ``before``/``after``.
    Read only for the formats that show it; a renderer that needs it fails on a missing site."""
    review_code: Mapping[SiteDelta, CodePair] = field(default_factory=dict)
    """The whole lines of each site needing review (new, changed), for Markdown. Read only for
    the formats that show it."""
    unread: tuple[SkippedFile, ...] = ()
    """The head files the scan could not read (not UTF-8, too large, unreadable): their sites
    are missing from the diff. Generated files are not listed here (``scan`` lists them)."""
    links: SourceLinks | None = None
    """Where the repository's files can be linked to (Markdown), when CI says."""

    @property
    def first_release(self) -> bool:
        """True when there was no base to compare with, so every site is new."""
        return self.base.commit is None
