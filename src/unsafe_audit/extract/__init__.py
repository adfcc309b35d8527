"""Everything that knows Rust text: sites, facts, tokens and syntax. The only package that
imports tree_sitter, and only on first use: importing this package (or its pure modules
``tokens``, ``masking``, ``fingerprint``, ``edition2024``, ``facts``, ``token_scan``) never loads
the parser, so a scan answered from its cache never does.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from unsafe_audit.extract import pg_sys_names
from unsafe_audit.model import FileResult

if TYPE_CHECKING:
    from unsafe_audit.extract.parsed import ParsedSource
    from unsafe_audit.extract.pg_sys_uses import PgSysNames
    from unsafe_audit.extract.walker import extract_source

__all__ = [
    "MARKERS",
    "PgSysNames",
    "default_names",
    "extract_file",
    "extract_parsed",
    "extract_source",
    "needs_parse",
    "parsed_source",
    "unparsed_result",
    "warm_up",
]

MARKERS = (b"unsafe", b"extern", b"pg_sys")
"""A file without any of these words has no site (and needs no parse)."""


def needs_parse(data: bytes) -> bool:
    """True when a file's bytes may hold a site (see :data:`MARKERS`)."""
    return any(marker in data for marker in MARKERS)


def unparsed_result(path: str, data: bytes, *, generated: bool = False) -> FileResult:
    """The result of a file that is not parsed (no marker word, or generated and skipped): no
    site, only the facts read without a parse."""
    from unsafe_audit.extract.edition2024 import plain_attributes

    return FileResult(path, (), generated=generated, plain_attributes=plain_attributes(data))


@functools.cache
def default_names() -> PgSysNames:
    """pg_sys's function and static names for PostgreSQL 13 and later (package data)."""
    from unsafe_audit.extract.pg_sys_uses import PgSysNames

    return PgSysNames(functions=pg_sys_names.functions(), statics=pg_sys_names.statics())


def warm_up() -> None:
    """Load the parser, the walker, its queries and the names table now (a worker process does
    this while the scan is still reading files, so its first file does not wait for it)."""
    from unsafe_audit.extract import candidates, walker
    from unsafe_audit.extract.query_files import query_files

    del walker
    for scm in query_files():
        candidates.query(scm.stem)
    default_names()


def extract_file(path: str, source: bytes) -> FileResult:
    """Every site in one file, resolving pg_sys names with the bundled table."""
    from unsafe_audit.extract.walker import extract_source

    return extract_source(path, source, default_names())


def extract_parsed(parsed: ParsedSource) -> FileResult:
    """Like :func:`extract_file`, reusing the file's tree if it was parsed already."""
    from unsafe_audit.extract.walker import extract_source

    return extract_source(parsed.path, parsed.data, default_names(), parsed.tree)


def parsed_source(path: str, data: bytes) -> ParsedSource:
    """The file at ``path`` with bytes ``data``, parsed at most once per process (see
    :class:`~unsafe_audit.extract.parsed.ParsedSource`; the last few files are kept)."""
    from unsafe_audit.extract.parsed import parsed

    return parsed(path, data)


def __getattr__(name: str) -> object:
    # `from unsafe_audit.extract import PgSysNames, extract_source` as before, without loading
    # the parser when the package is imported.
    if name == "PgSysNames":
        from unsafe_audit.extract.pg_sys_uses import PgSysNames

        return PgSysNames
    if name == "extract_source":
        from unsafe_audit.extract.walker import extract_source

        return extract_source
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
