"""The one sanitiser for text that leaves the tool, one function per destination.

Everything a repository supplies — file names, item paths, names, ``// SAFETY:`` comments,
ledger fields, checklist text, tag names — is hostile: a pull request's author chooses it. Before
such text reaches a terminal, a Markdown comment, a SARIF log or a YAML entry it goes through
one of these functions:

- :func:`terminal_line` / :func:`terminal_text`: control characters (C0, DEL, C1, so every ESC,
  CSI and OSC sequence), bidi and invisible format characters, line and paragraph separators and
  lone surrogates are shown as visible escapes (``\\x1b``, ``\\u202e``); a line keeps nothing
  that moves the cursor, text keeps its newlines and tabs;
- :func:`markdown_inline`, :func:`markdown_mixed`, :func:`code_span`, :func:`fence`: Markdown
  that cannot open a heading, list, quote, table cell, HTML block or comment, link, image,
  emphasis or math, and code the content cannot close;
- :func:`sarif_uri`: an RFC 3986 relative reference for ``artifactLocation.uri``;
- :func:`utf8_problem`: why text cannot be written as UTF-8 (a YAML entry), or None.

Text without anything to escape comes back unchanged (the same object), so normal outputs stay
byte for byte what they were. Pure: no imports beyond the standard library.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Unicode 14 categories Cc, Cf, Cs, Zl and Zp (a test checks this list against unicodedata), and
# the Hangul fillers, letters that draw nothing. C0 comes apart so that text can keep tab and
# newline.
_BEYOND_C0 = (
    "\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    "\u115f\u1160\u3164\uffa0"
)
_UNSAFE_LINE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_UNSAFE_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f{_BEYOND_C0}]")

_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate: what ``surrogateescape`` leaves for a byte that was not UTF-8."""

_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def terminal_line(text: str) -> str:
    """``text`` for one line of a terminal (a file name, an item path, a ledger field): every
    control, format and separator character, newline and tab included, as a visible escape."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE_LINE.sub(_escape_char, text)


def terminal_text(text: str, *, indent: str = "") -> str:
    """``text`` for a terminal over several lines (code, a justification): as
    :func:`terminal_line` but newlines and tabs are kept. With ``indent``, every line after the
    first starts with it, so no line of the text can pass for a line of the tool's own (an
    ``error:``, or a ``::`` workflow command in a CI log)."""
    text = _UNSAFE_TEXT.sub(_escape_char, text)
    return text.replace("\n", "\n" + indent) if indent else text


# -- Markdown ---------------------------------------------------------------------------------

# Characters that start an inline construct anywhere in a line: escapes and code (\ `),
# emphasis and strikethrough (* ~), HTML, comments and autolinks (<), entities (&), table cells
# (|) and GitHub math ($). ``_`` and ``]`` are escaped only where they can act (below).
_INLINE = re.compile(r"[\\`*~<&|$]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|\](?=\(|$)")
# What opens a block when it starts a line: a heading, quote, list item, thematic break or
# setext underline (# > + - = * _), an ordered list item (1. or 1) then a space), or leading
# spaces before any of them (or four, an indented code block).
_BLOCK_START = re.compile(r"[#>+=-]|[0-9]{1,9}(?=[.)](?:[ ]|$))| ")
_BACKTICKS = re.compile(r"`+")


def _inline(text: str) -> str:
    return _INLINE.sub(lambda m: "\\" + m.group(), text)


def _block_start(text: str) -> str:
    """``text`` unable to open a block even at the start of a line (``*`` and ``_`` are
    escaped everywhere already)."""
    match = _BLOCK_START.match(text)
    if match is None:
        return text
    if match.group() == " ":
        return "&#32;" + text[1:]  # a character reference is not indentation
    end = match.end()
    if text[0].isdigit():
        return f"{text[:end]}\\{text[end:]}"  # 1\. is not a list item
    return "\\" + text


def markdown_inline(text: str) -> str:
    """Plain ``text`` inside a line of Markdown (a table cell, a sentence): it shows as typed,
    on one line, and opens nothing — no heading, list, table cell, HTML, comment, link, image,
    emphasis, entity or math; controls and newlines appear as visible escapes."""
    return _block_start(_inline(terminal_line(text)))


def markdown_mixed(text: str, *, table: bool = False) -> str:
    """Our own Markdown sentence holding code spans with quoted source (a hint's message): the
    spans stay spans, made safe as by :func:`code_span`, the rest as by
    :func:`markdown_inline`. A backtick run that closes nothing is escaped, as CommonMark
    reads it: a run of n backticks closes at the next run of exactly n."""
    text = terminal_line(text)
    runs = list(_BACKTICKS.finditer(text))
    closer: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        size = len(runs[i].group())
        closer[i] = last.get(size)
        last[size] = i
    parts: list[str] = []
    done = 0
    i = 0
    while i < len(runs):
        j = closer[i]
        if j is None:
            i += 1
            continue
        parts.append(_inline(text[done : runs[i].start()]))
        span = text[runs[i].start() : runs[j].end()]
        parts.append(span.replace("|", "\\|") if table else span)
        done = runs[j].end()
        i = j + 1
    parts.append(_inline(text[done:]))
    return _block_start("".join(parts))


def _longest_backtick_run(text: str) -> int:
    return max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)


def code_span(text: str, *, table: bool = False) -> str:
    """An inline code span of ``text`` on one line that backticks inside cannot end early;
    in a ``table`` cell a ``|`` is escaped too (GitHub then shows it as ``|``)."""
    text = terminal_line(text)
    if table:
        text = text.replace("|", "\\|")
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(code: str, lang: str = "rust") -> str:
    """A fenced block the code cannot close early: longer than any backtick run in it; control
    and format characters in the code appear as visible escapes."""
    code = terminal_text(code)
    ticks = "`" * max(3, _longest_backtick_run(code) + 1)
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}\n"


# -- SARIF ------------------------------------------------------------------------------------

# RFC 3986 pchar less ":" (a colon in the first segment would read as a scheme): unreserved,
# sub-delims and "@"; "/" separates segments.
_URI_SAFE = "/!$&'()*+,;=@"


def sarif_uri(path: str) -> str:
    """A repository-relative path as an RFC 3986 relative reference: spaces, controls, ``%``,
    ``#``, ``?``, ``:``, ``\\`` and non-ASCII percent-encoded as UTF-8; a name that was not
    UTF-8 (decoded with ``surrogateescape``) gets its original bytes back."""
    try:
        return quote(path, safe=_URI_SAFE, errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate no byte decodes to: keep it visible, as \udXXX
        return quote(path, safe=_URI_SAFE, errors="backslashreplace")


def encodable_json(text: str) -> str:
    """JSON written with ``ensure_ascii=False`` (SARIF keeps non-ASCII readable) made
    encodable as UTF-8: a lone surrogate, left in a string by an undecodable file name, becomes
    its ``\\uXXXX`` escape, which a JSON reader turns back into the same string."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# -- YAML -------------------------------------------------------------------------------------


def utf8_problem(text: str, what: str) -> str | None:
    """Why ``text`` cannot be written as UTF-8 — it holds undecodable bytes (lone surrogates,
    as ``surrogateescape`` leaves them) — worded for ``what`` (``--reviewer``), or None."""
    match = _SURROGATE.search(text)
    if match is None:
        return None
    code = ord(match.group())
    byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"
    return (
        f"{what} is not valid UTF-8 ({byte} at character {match.start() + 1}); "
        "give the text in UTF-8"
    )


# -- URLs -------------------------------------------------------------------------------------


def url_path(path: str) -> str:
    """A repository-relative path as the path part of a URL in a Markdown link: everything but
    letters, digits, ``/`` and ``-._~`` percent-encoded (so no ``(``, ``)``, ``<``, space or
    ``&`` can end or alter the link); a name that was not UTF-8 gets its original bytes back."""
    try:
        return quote(path, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate no byte decodes to
        return quote(path, safe="/", errors="backslashreplace")
