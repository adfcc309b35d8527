"""The report interface: the :class:`CheckReport` value every format renders, and the
:class:`Formatter` base class the formats implement (text, JSON, Markdown, SARIF)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from unsafe_audit.hints.interface import Hint
from unsafe_audit.model import Side, SiteId
from unsafe_audit.review_state import ReviewState

JSON_SCHEMA_VERSION = 1
"""Version of ``check --format json``; bumped when a field changes meaning or goes away."""


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
    """What the static hints saw at the sites that need a sign-off (evidence, not verdicts)."""

    @property
    def ok(self) -> bool:
        """True when no site blocks: ``check`` exits 0."""
        return self.state.ok


class Formatter(ABC):
    """Renders a :class:`CheckReport` in one output format."""

    @abstractmethod
    def format(self, report: CheckReport) -> str:
        """The whole output, ending with a newline."""
