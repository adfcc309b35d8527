"""Which nodes of a parsed buffer use pg_sys: calls of its functions and reads of its statics,
through a ``pg_sys::`` path, an alias of the module, or a name imported from it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from unsafe_audit.extract import candidates, context
from unsafe_audit.extract.ancestry import Ancestry
from unsafe_audit.extract.imports import PgSysImports
from unsafe_audit.extract.nodes import call_of, inside_use
from unsafe_audit.model import SiteKind

_IDENT_SKIP_PARENTS = frozenset(
    {
        "use_declaration",
        "use_as_clause",
        "use_list",
        "scoped_use_list",
        "scoped_identifier",
        "static_item",
        "const_item",
        "function_item",
        "function_signature_item",
        "parameter",
        "mod_item",
        "macro_definition",
        "macro_invocation",
        "let_declaration",
        "token_tree",  # found again, with in_macro set, by the macro re-parse
    }
)


@dataclass(frozen=True, slots=True)
class PgSysNames:
    """The pg_sys names the extractor needs: functions and mutable statics."""

    functions: frozenset[str] = frozenset()
    statics: frozenset[str] = frozenset()


PgSysUse = tuple[SiteKind, Node, Node, str]
"""(kind, the site's node, its anchor node, the pg_sys symbol)."""


@dataclass(frozen=True, slots=True)
class PgSysFinder:
    """Finds pg_sys uses in the buffers of one file (the file or a re-parsed token tree)."""

    names: PgSysNames
    imports: PgSysImports
    fn_names: frozenset[str] | set[str]
    """Fns the file defines: they shadow glob-imported pg_sys names."""

    def uses(
        self, found: candidates.Candidates, anc: Ancestry, data: bytes, shift: int
    ) -> Iterator[PgSysUse]:
        """Every use in a buffer (``anc`` walks its tree); ``shift`` maps its byte offsets to
        the file's."""
        imports = self.imports
        for node in found.pg_sys_paths:
            yield from self._scoped(anc, node, shift)
        if imports.aliases:
            aliases = {a.alias for a in imports.aliases}
            for node in candidates.alias_paths(anc, data, aliases):
                yield from self._scoped(anc, node, shift)
        if imports.any_bare:
            named = frozenset(n.local for n in imports.named)
            globbed = self.names.functions if imports.globs else frozenset()
            for node in candidates.callable_identifiers(anc, data, named | globbed):
                yield from self._bare_call(anc, node, shift)
            yield from self._bare_statics(anc, data, named, shift)

    def _scoped(self, anc: Ancestry, node: Node, shift: int) -> Iterator[PgSysUse]:
        path = node.child_by_field_name("path")
        name = node.child_by_field_name("name")
        if path is None or name is None:
            return
        last = path.child_by_field_name("name") if path.type == "scoped_identifier" else path
        if context.text(last) not in self.imports.module_names_at(node.start_byte + shift):
            return
        if inside_use(anc, node):
            return
        symbol = context.text(name)
        call = call_of(anc, node)
        if call is not None:
            yield SiteKind.PG_SYS_CALL, call, name, symbol
        elif symbol in self.names.statics:
            yield SiteKind.PG_SYS_STATIC, node, name, symbol

    def _bare_call(self, anc: Ancestry, ident: Node, shift: int) -> Iterator[PgSysUse]:
        call = call_of(anc, ident)
        if call is None:
            return
        local = context.text(ident)
        pos = ident.start_byte + shift
        real = self.imports.named_at(pos).get(local)
        if real is None and (
            local in self.names.functions
            and local not in self.fn_names
            and self.imports.glob_at(pos)
        ):
            real = local
        if real is not None and real not in self.names.statics:
            yield SiteKind.PG_SYS_CALL, call, ident, real

    def _bare_statics(
        self, anc: Ancestry, data: bytes, named_locals: frozenset[str], shift: int
    ) -> Iterator[PgSysUse]:
        wanted = named_locals | (self.names.statics if self.imports.globs else frozenset())
        if not wanted:
            return
        present = {w for w in wanted if w.encode() in data}
        for ident in candidates.identifiers_named(anc, data, present):
            parent = anc.parent(ident)
            if parent is None or parent.type in _IDENT_SKIP_PARENTS:
                continue
            if call_of(anc, ident) is not None:
                continue
            local = context.text(ident)
            pos = ident.start_byte + shift
            real = self.imports.named_at(pos).get(local)
            if real is None and self.imports.glob_at(pos):
                real = local
            if real is not None and real in self.names.statics:
                yield SiteKind.PG_SYS_STATIC, ident, ident, real
