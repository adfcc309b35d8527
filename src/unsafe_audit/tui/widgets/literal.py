"""Turn untrusted text (source code, file names, justifications, notes) into something safe to
display.

Everything shown from a repository goes through :func:`literal` (text over several lines) or
:func:`literal_line` (a name, a path, a title) and is rendered as a Rich ``Text``/``Syntax``
object, never parsed as Textual markup: ``[bold]`` or ``[@click=app.quit]`` in a comment shows
as typed. The escaping itself is the tool's one sanitiser,
:func:`unsafe_audit.report.escape.terminal_text`: control characters (so every ESC, CSI and OSC
sequence), bidi and invisible format characters show as visible escapes such as ``\\x1b`` and
``\\u202e``, and cannot reach the terminal.
"""

from __future__ import annotations

from rich.text import Text

from unsafe_audit.report.escape import terminal_line, terminal_text


def literal(text: str) -> str:
    """``text`` with every control or format character except newline and tab shown as a
    visible escape, and tabs expanded."""
    return terminal_text(text).expandtabs(4)


def literal_line(text: str) -> str:
    """``text`` for one line: as :func:`literal`, newlines and tabs escaped too."""
    return terminal_line(text)


def literal_text(text: str, style: str = "") -> Text:
    """A Rich ``Text`` of ``text`` made literal (Text never interprets markup)."""
    return Text(literal(text), style=style)
