"""Markdown reports that fit where they go: a pull-request comment holds 65,536 characters.

A :class:`Budget` collects a report's parts in order of importance (summary, blocking sites,
the rest) and takes each row only while the whole stays under :data:`MAX_MARKDOWN_CHARS`;
once a section is cut, every later section is left out whole, and :meth:`Budget.text` ends
with a note that says what is missing and how to get it. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from unsafe_audit.model import Side

MAX_MARKDOWN_CHARS = 60_000
"""The most characters a Markdown report holds, its truncation note included."""
NOTE_RESERVE = 1_500
"""Room kept for the truncation note (it is at most a few hundred characters)."""


@dataclass
class Budget:
    """The parts of one Markdown report, and what did not fit."""

    limit: int = MAX_MARKDOWN_CHARS - NOTE_RESERVE
    """Characters the parts before the note may take."""
    parts: list[str] = field(default_factory=list)
    size: int = 0
    left_out: list[tuple[str, int]] = field(default_factory=list)
    """What was left out, as (what, how many): ``("sites that need a sign-off", 1650)``."""

    @property
    def cut(self) -> bool:
        """True once something was left out."""
        return bool(self.left_out)

    def add(self, text: str) -> None:
        """Text that is always kept (the summary at the top)."""
        self.parts.append(text)
        self.size += len(text)

    def fits(self, text: str, after: int = 0) -> bool:
        """True when ``text``, and ``after`` more characters, still fit."""
        return self.size + len(text) + after <= self.limit

    def section(self, head: str, rows: Sequence[str], tail: str, what: str) -> None:
        """``head``, as many ``rows`` as fit, then ``tail`` (which closes a table or a
        ``<details>``); ``what`` names the rows in the note (``sites that need a sign-off``).
        Nothing is written when not even the first row fits."""
        if not rows:
            return
        if self.cut or not self.fits(head + rows[0], len(tail)):
            self.left_out.append((what, len(rows)))
            return
        self.add(head)
        kept = 0
        for row in rows:
            if not self.fits(row, len(tail)):
                break
            self.add(row)
            kept += 1
        if kept < len(rows):
            self.left_out.append((what, len(rows) - kept))
        self.add(tail)

    def text(self, how_to_get_the_rest: str) -> str:
        """The report, ending with a note when something was left out; ``how_to_get_the_rest``
        is Markdown saying where the whole list is."""
        if not self.cut:
            return "".join(self.parts)
        missing = "; ".join(f"{count:,} {what}" for what, count in self.left_out)
        note = (
            f"\n### Not shown here\n\nThis report stops at {MAX_MARKDOWN_CHARS:,} characters to "
            f"fit a pull-request comment. Left out: {missing}. {how_to_get_the_rest}\n"
        )
        return "".join(self.parts) + note


LONGEST_REF = 100
"""A revision name longer than this is left out of a command a truncation note suggests (the
commit id stands in for it)."""


def json_command(command: str, base: Side, head: Side, *extra: str) -> list[str]:
    """``unsafe-audit COMMAND --base REF --head SHA ... --format json``: the command that gives
    the whole report a truncated Markdown one stands for."""
    words = ["unsafe-audit", command]
    if base.commit is not None:
        short = base.ref is not None and len(base.ref) <= LONGEST_REF
        words += ["--base", base.ref if short and base.ref is not None else base.commit]
    if head.commit is not None:
        words += ["--head", head.commit]
    return [*words, *extra, "--format", "json"]
