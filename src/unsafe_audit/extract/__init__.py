"""Site extraction with tree-sitter-rust: the only package that imports tree_sitter."""

from __future__ import annotations

import functools

from unsafe_audit import pg_sys_names
from unsafe_audit.extract.walker import PgSysNames, extract_source
from unsafe_audit.model import FileResult

__all__ = ["PgSysNames", "default_names", "extract_file", "extract_source"]


@functools.cache
def default_names() -> PgSysNames:
    """pg_sys's function and static names for PostgreSQL 13 and later (package data)."""
    return PgSysNames(functions=pg_sys_names.functions(), statics=pg_sys_names.statics())


def extract_file(path: str, source: bytes) -> FileResult:
    """Every site in one file, resolving pg_sys names with the bundled table."""
    return extract_source(path, source, default_names())
