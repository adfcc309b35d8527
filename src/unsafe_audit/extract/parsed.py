"""One file's bytes and its parse, made once and shared by whoever reads the file.

A :class:`ParsedSource` parses on first use (:func:`~unsafe_audit.extract.parser.parse_file`)
and hands the same tree to the site walker and to the hints' :class:`RustSyntax`, so a file read
by both is parsed once and both see the same tree. :func:`parsed` keeps the last few per path.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.source import SourceFile

if TYPE_CHECKING:
    from tree_sitter import Tree

# Trees of large bindings files take tens of MB: keep only what a run reads close together.
_KEEP = 64
_PARSED: OrderedDict[str, ParsedSource] = OrderedDict()


class ParsedSource:
    """A file's path and bytes, with its tree and syntax view made on first use."""

    __slots__ = ("_syntax", "_tree", "data", "path")

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        """File path relative to the scanned root, with forward slashes."""
        self.data = data
        """The file's bytes."""
        self._tree: Tree | None = None
        self._syntax: RustSyntax | None = None

    @property
    def tree(self) -> Tree:
        """The file's syntax tree, parsed once."""
        if self._tree is None:
            from unsafe_audit.extract.parser import parse_file

            self._tree = parse_file(self.data)
        return self._tree

    @property
    def syntax(self) -> RustSyntax:
        """The hints' view of the file, built on the same tree."""
        if self._syntax is None:
            self._syntax = RustSyntax(self.data, self.tree)
        return self._syntax


def parsed(path: str, data: bytes) -> ParsedSource:
    """The :class:`ParsedSource` of ``path`` with these bytes: the one made before when the
    bytes are the same, else a new one (which replaces it)."""
    found = _PARSED.get(path)
    if found is not None and (found.data is data or found.data == data):
        _PARSED.move_to_end(path)
        return found
    made = ParsedSource(path, data)
    _PARSED[path] = made
    _PARSED.move_to_end(path)
    if len(_PARSED) > _KEEP:
        _PARSED.popitem(last=False)
    return made


_KEY = "parsed-source"


def syntax_of(file: SourceFile) -> RustSyntax:
    """The syntax view of a snapshot file, from its one parse: kept on the file for every
    later reader (hints, code views), and shared with the walker when it parsed these bytes."""
    found = file.derived.get(_KEY)
    if not isinstance(found, ParsedSource):
        found = file.derived[_KEY] = parsed(file.path, file.data)
    return found.syntax
