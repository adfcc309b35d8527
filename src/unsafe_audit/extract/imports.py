"""Resolve how pg_sys is reachable at each point of a file, from its ``use`` declarations.

pg_sys is reached as a module (``pg_sys::f``, ``pgrx::pg_sys::f``, or an alias such as
``use pgrx::pg_sys as sys``), by name (``use pgrx::pg_sys::{palloc, pfree as free}``), or by a
glob (``use pgrx::pg_sys::*``). Imports are scoped: one inside a fn body applies to that body only,
so every import records the byte range of the block, module or file it was declared in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

_PATH_LEAVES = frozenset({"identifier", "crate", "self", "super", "metavariable"})


@dataclass(frozen=True, slots=True)
class _Scoped:
    start: int
    end: int

    def covers(self, pos: int) -> bool:
        return self.start <= pos < self.end


@dataclass(frozen=True, slots=True)
class _ModuleAlias(_Scoped):
    alias: str


@dataclass(frozen=True, slots=True)
class _Named(_Scoped):
    local: str
    real: str


@dataclass(slots=True)
class PgSysImports:
    """Every way pg_sys is imported in one file, with the byte range each import applies to."""

    aliases: list[_ModuleAlias] = field(default_factory=list)
    named: list[_Named] = field(default_factory=list)
    globs: list[_Scoped] = field(default_factory=list)

    @property
    def any_bare(self) -> bool:
        """True when some bare name may resolve to pg_sys (named or glob imports exist)."""
        return bool(self.named or self.globs)

    def module_names_at(self, pos: int) -> frozenset[str]:
        """Names that denote the pg_sys module at ``pos``; ``pg_sys`` itself always does,
        since pgrx's prelude re-exports it."""
        extra = {a.alias for a in self.aliases if a.covers(pos)}
        return frozenset({"pg_sys", *extra})

    def named_at(self, pos: int) -> dict[str, str]:
        """Local name -> pg_sys name, for the named imports in scope at ``pos``."""
        return {n.local: n.real for n in self.named if n.covers(pos)}

    def glob_at(self, pos: int) -> bool:
        """True when a ``use ...pg_sys::*`` is in scope at ``pos``."""
        return any(g.covers(pos) for g in self.globs)


def _segments(node: Node | None) -> list[str]:
    """``a::b::c`` -> ``["a", "b", "c"]``; a loop, not recursion: a hostile path may have
    thousands of segments."""
    names: list[str] = []
    cur = node
    while cur is not None and cur.type == "scoped_identifier":
        names.append(_text(cur.child_by_field_name("name")))
        cur = cur.child_by_field_name("path")
    if cur is not None:
        names.append(_text(cur))
    names.reverse()
    return names


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _flatten(node: Node, prefix: list[str]) -> Iterator[tuple[list[str], str | None, bool]]:
    """Yield (path, alias, is_glob) for every name a use tree imports, in source order (with a
    stack, not recursion: use lists may nest thousands deep)."""
    stack = [(node, prefix)]
    while stack:
        node, prefix = stack.pop()
        kind = node.type
        if kind == "use_as_clause":
            path = prefix + _segments(node.child_by_field_name("path"))
            yield path, _text(node.child_by_field_name("alias")), False
        elif kind == "use_wildcard":
            inner = [c for c in node.named_children if c.type != "comment"]
            yield (prefix + _segments(inner[0]) if inner else prefix), None, True
        elif kind == "scoped_use_list":
            base = prefix + _segments(node.child_by_field_name("path"))
            lst = node.child_by_field_name("list")
            if lst is not None:
                stack.append((lst, base))
        elif kind == "use_list":
            stack.extend((child, prefix) for child in reversed(node.named_children))
        elif kind == "scoped_identifier" or kind in _PATH_LEAVES:
            yield prefix + _segments(node), None, False


def add_use_declaration(imports: PgSysImports, use: Node, start: int, end: int) -> None:
    """Record what ``use`` declares about pg_sys, applying to bytes ``start..end``."""
    arg = use.child_by_field_name("argument")
    if arg is None:
        return
    for path, alias, is_glob in _flatten(arg, []):
        if not path:
            continue
        if path[-1] == "self":  # `use pgrx::pg_sys::{self as sys}`
            path = path[:-1]
            if not path:
                continue
        if is_glob:
            if path[-1] == "pg_sys":
                imports.globs.append(_Scoped(start, end))
        elif path[-1] == "pg_sys":
            if alias and alias != "pg_sys":
                imports.aliases.append(_ModuleAlias(start, end, alias))
        elif "pg_sys" in path[:-1] and path[-1] != "*":
            imports.named.append(_Named(start, end, alias or path[-1], path[-1]))
        elif alias == "pg_sys":
            # `use crate as pg_sys;` (pgrx's own bindings) or `use pgrx::pg_sys_alias as pg_sys`.
            continue
