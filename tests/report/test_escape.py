"""The one sanitiser, function by function, with the exact text each gives.

Markdown is also read back with markdown-it (CommonMark with GFM tables, what GitHub renders) to
show that the escaped text renders as typed and opens no block or inline construct.
"""

from __future__ import annotations

import json
import unicodedata
from urllib.parse import unquote_to_bytes

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from unsafe_audit.report.escape import (
    code_span,
    encodable_json,
    fence,
    markdown_inline,
    markdown_mixed,
    sarif_uri,
    terminal_line,
    terminal_text,
    utf8_problem,
)

OSC52 = "\x1b]52;c;aGVsbG8=\x07"
"""Writes "hello" to the clipboard of a terminal that allows it."""
TITLE = "\x1b]0;pwned\x1b\\"
"""Sets the window title (ST-terminated)."""
CSI = "\x1b[2J\x1b[31m"
"""Clears the screen, turns red."""

# -- terminal ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("src/lib.rs", "src/lib.rs"),
        ("ArgAbi<'fcx> for &'fcx T", "ArgAbi<'fcx> for &'fcx T"),
        ("naïve ✅ 名前", "naïve ✅ 名前"),
        (OSC52, "\\x1b]52;c;aGVsbG8=\\x07"),
        (TITLE, "\\x1b]0;pwned\\x1b\\"),
        (CSI, "\\x1b[2J\\x1b[31m"),
        ("\x9b31m", "\\x9b31m"),  # the one-byte C1 CSI
        ("\x00\x7f", "\\x00\\x7f"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("abc\u202edcba.rs", "abc\\u202edcba.rs"),  # right-to-left override
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),  # isolates
        ("\u200b\u200c\u200d\u200e\u200f", "\\u200b\\u200c\\u200d\\u200e\\u200f"),
        ("\ufeffx\u00ad", "\\ufeffx\\xad"),  # BOM, soft hyphen
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),  # line and paragraph separators
        ("\U000e0041\U000e007f", "\\U000e0041\\U000e007f"),  # tag characters
        ("\u3164", "\\u3164"),  # a Hangul filler draws nothing
        ("bad\udc85.rs", "bad\\udc85.rs"),  # a byte that was not UTF-8
    ],
)
def test_terminal_line_shows_every_control_and_format_character(text: str, shown: str) -> None:
    assert terminal_line(text) == shown


def test_terminal_text_keeps_newlines_and_tabs_only() -> None:
    code = 'fn f() {\n\tlet s = "\x1b[31m";\r\n}\u202e\n'
    assert terminal_text(code) == 'fn f() {\n\tlet s = "\\x1b[31m";\\r\n}\\u202e\n'


def test_terminal_text_indents_continuation_lines() -> None:
    text = "bad entry\n::error::forged"
    assert terminal_text(text, indent="  ") == "bad entry\n  ::error::forged"


def test_unchanged_text_is_the_same_object() -> None:
    plain = "pgrx/src/callconv.rs"
    assert terminal_line(plain) is plain
    multi = "a\n\tb ✅"
    assert terminal_text(multi) is multi


def test_the_escaped_set_is_every_control_format_and_separator_character() -> None:
    """The hard-coded class must cover the Unicode database this Python has."""
    missed = [
        f"U+{cp:04X}"
        for cp in range(0x110000)
        if unicodedata.category(chr(cp)) in {"Cc", "Cf", "Cs", "Zl", "Zp"}
        and terminal_line(chr(cp)) == chr(cp)
    ]
    assert missed == []


# -- Markdown ---------------------------------------------------------------------------------

_MD = MarkdownIt("commonmark").enable("table")


def _tokens(markdown: str) -> list[Token]:
    out: list[Token] = []
    for token in _MD.parse(markdown):
        out.append(token)
        out.extend(token.children or ())
    return out


def _kinds(markdown: str) -> list[str]:
    return [t.type for t in _tokens(markdown)]


def _shown(markdown: str) -> str:
    """The text a reader sees: text and code content, in order."""
    return "".join(t.content for t in _tokens(markdown) if t.type in ("text", "code_inline"))


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("v0.12.5", "v0.12.5"),
        ("never signed off", "never signed off"),
        ("v0.2.1 is the highest release tag (pre-releases skipped)", None),
        ("has no #[pg_guard], so a panic", None),
        ("ptr_valid, ctx_owner", None),
        ("a\n## All sites are signed off ✅", "a\\\\n## All sites are signed off ✅"),
        ("<!-- hide the rest", "\\<!-- hide the rest"),
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)>"),
        ("a|b", "a\\|b"),
        ("[click](https://evil.example)", "[click\\](https://evil.example)"),
        ("![x](https://evil.example/t.png)", "![x\\](https://evil.example/t.png)"),
        ("*bold* _it_ ~~gone~~", "\\*bold\\* \\_it\\_ \\~\\~gone\\~\\~"),
        ("`code", "\\`code"),
        ("&#x202e;&lt;", "\\&#x202e;\\&lt;"),
        ("$\\color{green}ok$", "\\$\\\\color{green}ok\\$"),
        ("# heading", "\\# heading"),
        ("> quote", "\\> quote"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("===", "\\==="),
        ("1. item", "1\\. item"),
        ("12) item", "12\\) item"),
        ("   # indented heading", "&#32;  # indented heading"),
        ("trailing\\", "trailing\\\\"),
        ("OSC \x1b]52;c;aGk=\x07", "OSC \\\\x1b]52;c;aGk=\\\\x07"),
    ],
)
def test_markdown_inline_escapes_exactly_what_can_act(text: str, escaped: str | None) -> None:
    assert markdown_inline(text) == (text if escaped is None else escaped)


@pytest.mark.parametrize(
    "text",
    [
        "a\n## All sites are signed off ✅\n<!--",
        "<!-- x -->",
        "# h",
        "1. x",
        "> q",
        "    code",
        "[l](u) ![i](u) <http://a> *e* _e_ `c` ~~s~~ &amp;",
        "a\\*b",
    ],
)
def test_markdown_inline_renders_as_one_plain_paragraph(text: str) -> None:
    rendered = markdown_inline(text)
    kinds = _kinds(rendered)
    assert kinds[0] == "paragraph_open" and kinds.count("paragraph_open") == 1
    assert set(kinds) == {"paragraph_open", "inline", "text", "paragraph_close"}, kinds
    assert _shown(rendered) == terminal_line(text)


def test_markdown_inline_in_a_table_cell_stays_one_cell() -> None:
    cell = markdown_inline("a|b\n| forged | row |")
    table = f"| A | B |\n|---|---|\n| {cell} | x |\n"
    cells = [t for t in _tokens(table) if t.type == "td_open"]
    assert len(cells) == 2
    assert _kinds(table).count("tr_open") == 2


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("src/lib.rs#L12", "`src/lib.rs#L12`"),
        ("a`b", "``a`b``"),
        ("`x`", "`` `x` ``"),
        ("a\n## h\n<!--", "`a\\n## h\\n<!--`"),
        ("\x1b]0;t\x07", "`\\x1b]0;t\\x07`"),
    ],
)
def test_code_span_is_closed_only_by_its_own_backticks(text: str, span: str) -> None:
    assert code_span(text) == span
    assert _kinds(span) == ["paragraph_open", "inline", "code_inline", "paragraph_close"]
    assert _shown(span) == terminal_line(text)


def test_code_span_in_a_table_escapes_the_pipe() -> None:
    assert code_span("a|b::h", table=True) == "`a\\|b::h`"
    assert code_span("a|b::h") == "`a|b::h`"
    table = f"| A | B |\n|---|---|\n| {code_span('a|b', table=True)} | x |\n"
    assert [t.type for t in _tokens(table)].count("td_open") == 2


def test_fence_cannot_be_closed_by_the_code() -> None:
    code = 'let s = "```";\n```\n## not a heading\n\x1b]52;c;aGk=\x07'
    block = fence(code)
    assert block == (
        '````rust\nlet s = "```";\n```\n## not a heading\n\\x1b]52;c;aGk=\\x07\n````\n'
    )
    tokens = _MD.parse(block)
    assert [t.type for t in tokens] == ["fence"]
    assert tokens[0].content == terminal_text(code) + "\n"


def test_markdown_mixed_keeps_our_code_spans_and_escapes_the_rest() -> None:
    ours = (
        '`call_from_c_to_rust` is declared `extern "C"` but has no #[pg_guard], so a panic '
        "crosses the FFI boundary."
    )
    assert markdown_mixed(ours) == ours
    hostile = "`x` (from `a\n## h`) <!-- `` unpaired ` and *e*"
    assert markdown_mixed(hostile) == (
        "`x` (from `a\\n## h`) \\<!-- \\`\\` unpaired \\` and \\*e\\*"
    )
    assert markdown_mixed("`a|b` c|d", table=True) == "`a\\|b` c\\|d"
    assert set(_kinds(markdown_mixed(hostile))) <= {
        "paragraph_open",
        "inline",
        "text",
        "code_inline",
        "paragraph_close",
    }


# -- SARIF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("pgrx-pg-sys/src/submodules/ffi.rs", "pgrx-pg-sys/src/submodules/ffi.rs"),
        ("src/a b.rs", "src/a%20b.rs"),
        ("src/100%.rs", "src/100%25.rs"),
        ("src/a#b?c.rs", "src/a%23b%3Fc.rs"),
        ("c:/x.rs", "c%3A/x.rs"),
        ("src/a\nb\x1b.rs", "src/a%0Ab%1B.rs"),
        ("src/é\u202e.rs", "src/%C3%A9%E2%80%AE.rs"),
        ("src/bad\udc85.rs", "src/bad%85.rs"),
        ("src/a|b<c>\\d.rs", "src/a%7Cb%3Cc%3E%5Cd.rs"),
        ("src/keep!$&'()*+,;=@.rs", "src/keep!$&'()*+,;=@.rs"),
    ],
)
def test_sarif_uri_is_a_percent_encoded_relative_reference(path: str, uri: str) -> None:
    assert sarif_uri(path) == uri
    assert unquote_to_bytes(uri) == path.encode("utf-8", "surrogateescape")


def test_encodable_json_escapes_only_lone_surrogates() -> None:
    text = json.dumps({"p": "bad\udc85 ✅", "q": "\\\udc85"}, ensure_ascii=False)
    safe = encodable_json(text)
    assert safe == '{"p": "bad\\udc85 ✅", "q": "\\\\\\udc85"}'
    safe.encode("utf-8")
    assert json.loads(safe) == json.loads(text)


# -- YAML -------------------------------------------------------------------------------------


def test_utf8_problem_names_the_byte_and_where() -> None:
    assert utf8_problem("Jane Doe <jane@example.com> ✅", "--reviewer") is None
    assert utf8_problem("Ren\udce9 X", "--reviewer") == (
        "--reviewer is not valid UTF-8 (byte 0xe9 at character 4); give the text in UTF-8"
    )
    assert utf8_problem("a\ud800", "note for ctx-owner") == (
        "note for ctx-owner is not valid UTF-8 (\\ud800 at character 2); give the text in UTF-8"
    )
