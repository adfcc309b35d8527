"""The lines to show a reviewer for a site: its own lines and the fn signature that explains them.

The enclosing fn comes from the parsed file (:meth:`RustSyntax.enclosing_fn`), not from a
pattern over lines, so a fn with a multi-line signature, a nested fn or a closure is found as
the parser sees it.
"""

from __future__ import annotations

import re

from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.model import Site
from unsafe_audit.source import CodeView

_ATTRIBUTE = re.compile(r"^\s*#!?\[")
_CONTEXT_LINES = 2
"""Lines shown before and after the site."""
_MAX_GAP = 12
"""How far above the site the fn may start for the lines in between to be shown whole."""


def code_view(syntax: RustSyntax, site: Site) -> CodeView:
    """The site's lines plus the attributes and signature of the fn around it.

    When the fn starts more than a few lines above the site, its attributes and signature
    become the view's ``header`` and only the lines just before the site are shown with it.
    """
    last_line = syntax.line_of(max(len(syntax.source) - 1, 0))
    first, last = site.span.line, min(site.span.end_line, last_line)
    if not syntax.source or first > last_line:
        return CodeView(first, "", (first, last))
    start = max(1, first - _CONTEXT_LINES)
    header_line, header = 0, ""
    fn = syntax.enclosing_fn(site.span.start_byte)
    if fn is not None:
        head = fn.line
        while head > 1 and _ATTRIBUTE.match(syntax.line_text(head - 1)):
            head -= 1
        if first - head <= _MAX_GAP:
            start = head
        elif fn.line < first:
            sig_end = min(syntax.line_of(fn.body_start_byte), first - 1)
            header_line = head
            header = "\n".join(syntax.line_text(n) for n in range(head, sig_end + 1))
            start = max(start, sig_end + 1)
    end = min(last_line, last + _CONTEXT_LINES)
    body = "\n".join(syntax.line_text(n) for n in range(start, end + 1))
    return CodeView(start, body, (first, last), header_line, header)
