"""Turn untrusted text (source code, justifications, notes) into something safe to display.

Everything shown from a repository goes through :func:`literal` and is rendered as a Rich
``Text``/``Syntax`` object, never parsed as Textual markup: ``[bold]`` or ``[@click=app.quit]``
in a comment shows as typed, and an escape sequence cannot reach the terminal.
"""

from __future__ import annotations

import re

from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures" block: ␀ ␁ ...
    if code == 0x7F:
        return "␡"
    return "�"


def literal(text: str) -> str:
    """``text`` with every control character except newline and tab shown as a visible symbol."""
    return _CONTROL.sub(_picture, text).expandtabs(4)


def literal_text(text: str, style: str = "") -> Text:
    """A Rich ``Text`` of ``text`` made literal (Text never interprets markup)."""
    return Text(literal(text), style=style)
