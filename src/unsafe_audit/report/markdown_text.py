"""Markdown that survives any code put into it: code spans and fences sized to their content."""

from __future__ import annotations

import re

_BACKTICKS = re.compile(r"`+")


def _longest_backtick_run(text: str) -> int:
    return max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)


def code_span(text: str) -> str:
    """An inline code span that backticks inside ``text`` cannot end early."""
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(code: str, lang: str = "rust") -> str:
    """A fenced block the code cannot close early: longer than any backtick run in it."""
    ticks = "`" * max(3, _longest_backtick_run(code) + 1)
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}\n"
