"""Whether a command's table gets colour: only on a terminal, and never under ``NO_COLOR``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from unsafe_audit.report.style import COLOUR, PLAIN, Palette


def palette_for(stream: TextIO, environ: Mapping[str, str] | None = None) -> Palette:
    """Colour when ``stream`` is a terminal, ``NO_COLOR`` is unset or empty (no-color.org) and
    ``TERM`` is not ``dumb``; plain text when piped, redirected or asked not to."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return PLAIN
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return PLAIN
    return COLOUR if tty else PLAIN
