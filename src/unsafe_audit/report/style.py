"""Colour for the tables people read at a terminal, as ANSI SGR codes, or none at all.

Whether to colour is the command's decision (a terminal, no ``NO_COLOR``: see
:mod:`unsafe_audit.commands.colour`); a renderer only asks its :class:`Palette` to paint text
that is already sanitised and padded, so the codes never count towards a column's width and
never wrap text from the repository. Pure.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Tone(enum.Enum):
    """What a piece of text is, which decides its colour."""

    HEADING = "1"
    """A column or group heading: bold."""
    MUTED = "2"
    """Secondary detail (ids, groups that need nothing): dim."""
    ATTENTION = "1;33"
    """Needs a reviewer (new, changed): bold yellow."""
    GONE = "31"
    """Removed: red."""
    GOOD = "32"
    """Nothing to do: green."""
    NOTE = "36"
    """Moved or migrated, kept its sign-off: cyan."""


@dataclass(frozen=True, slots=True)
class Palette:
    """Paints text in a :class:`Tone` when enabled; returns it unchanged otherwise."""

    enabled: bool = False

    def paint(self, text: str, tone: Tone) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{tone.value}m{text}\x1b[0m"


PLAIN = Palette(enabled=False)
"""No colour: files, pipes, ``NO_COLOR``, and every test that does not ask for it."""
COLOUR = Palette(enabled=True)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 site``, ``2 sites``, ``1 orphaned entry``, ``3 orphaned entries``."""
    if count == 1:
        return f"{count} {singular}"
    if plural_form is None:
        consonant_y = singular.endswith("y") and singular[-2:-1] not in "aeiou"
        plural_form = singular[:-1] + "ies" if consonant_y else singular + "s"
    return f"{count} {plural_form}"
