"""The parse of a snapshot file, made once and kept on it for every later reader.

Hints and code views both read :class:`~unsafe_audit.extract.syntax.RustSyntax`; asking for it
through :func:`syntax_of` parses a :class:`~unsafe_audit.source.SourceFile` at most once.
"""

from __future__ import annotations

from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.source import SourceFile

_KEY = "rust-syntax"


def syntax_of(file: SourceFile) -> RustSyntax:
    """``file`` parsed: on first use, then the same object for every caller."""
    syntax = file.derived.get(_KEY)
    if not isinstance(syntax, RustSyntax):
        syntax = file.derived[_KEY] = RustSyntax(file.data)
    return syntax
