"""Find every site in one Rust file.

Strategy, chosen for completeness: every ``unsafe`` keyword the grammar sees is classified by its
parent node, so no `unsafe` can slip between query patterns. Macro arguments and ``macro_rules!``
bodies, which tree-sitter keeps as flat token trees, are re-parsed inside small wrappers (see
:mod:`~unsafe_audit.extract.macros`) and extracted the same way. Finally every ``unsafe`` token in
the file's bytes that no site accounts for (and that is not in a comment or string) is classified
by a token scan (:mod:`~unsafe_audit.extract.token_scan`), so a parse error can make a site less
precise but never makes it disappear. :mod:`~unsafe_audit.extract.sites` turns what was found
into sites.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from unsafe_audit.extract import candidates, context, token_scan
from unsafe_audit.extract.ancestry import Ancestry
from unsafe_audit.extract.edition2024 import plain_attributes
from unsafe_audit.extract.file_tokens import FileTokens
from unsafe_audit.extract.imports import PgSysImports, add_use_declaration
from unsafe_audit.extract.macros import WRAPPER_FNS, parse_token_tree
from unsafe_audit.extract.masking import in_non_code
from unsafe_audit.extract.nodes import attributed_item
from unsafe_audit.extract.parser import first_error, parse_file
from unsafe_audit.extract.pg_sys_uses import PgSysFinder, PgSysNames
from unsafe_audit.extract.sites import LazyLines, RawSite, build_sites
from unsafe_audit.model import FileResult, ScanWarning, SiteKind

__all__ = ["FileExtractor", "PgSysNames", "extract_source"]

MAX_MACRO_DEPTH = 6


@dataclass(slots=True)
class _Buffer:
    """A parsed piece of source: the file, or a macro token tree re-parsed in a wrapper."""

    tree: Tree
    anc: Ancestry
    """Parents and enclosing items of the tree's nodes, found in one walk."""
    data: bytes
    shift: int
    """Add to a byte offset in ``data`` to get the offset in the file."""
    in_macro: bool
    outer_item: list[str]
    outer_attrs: tuple[str, ...]
    depth: int
    main: bool

    def orig(self, b: int) -> int:
        return b + self.shift


@dataclass(slots=True)
class FileExtractor:
    """Extracts the sites of one file; use :func:`extract_source`."""

    path: str
    source: bytes
    names: PgSysNames
    tree: Tree | None = None
    """The file's tree from :func:`~unsafe_audit.extract.parser.parse_file`, when the caller
    already has it (parsed on :meth:`run` otherwise)."""
    crate_root: str = ""
    module: list[str] = field(default_factory=list)
    imports: PgSysImports = field(default_factory=PgSysImports)
    fn_names: set[str] = field(default_factory=set)
    raws: list[RawSite] = field(default_factory=list)
    accounted: set[int] = field(default_factory=set)
    warnings: list[ScanWarning] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)
    unsafe_positions: list[int] = field(default_factory=list)
    file_tokens: FileTokens | None = None
    """The file's tokens, when lexed once for the token scan (site hashes reuse them)."""
    token_sites: list[RawSite] = field(default_factory=list)
    """Sites found by reading tokens, whose item path and attributes are filled in at the end
    (with one walk of the file's tree for all of them)."""

    # ---------------------------------------------------------------- entry point
    def run(self) -> FileResult:
        try:
            self.source.decode("utf-8")
        except UnicodeDecodeError as e:
            line = self.source.count(b"\n", 0, e.start) + 1
            msg = f"not valid UTF-8 (byte {e.start}); file skipped"
            warning = ScanWarning(self.path, line, msg)
            facts = plain_attributes(self.source)
            return FileResult(self.path, (), (warning,), unreadable=True, plain_attributes=facts)
        self.crate_root, self.module = context.module_path(self.path)
        raw_lines = self.source.split(b"\n")
        lengths = list(itertools.accumulate(map(len, raw_lines), initial=0))
        # Line i starts after i newlines and the bytes of lines 0..i-1.
        self.line_starts = list(map(operator.add, lengths[:-1], range(len(raw_lines))))
        if self.tree is None:
            self.tree = parse_file(self.source)
        tree = self.tree
        err = first_error(tree)
        if err is not None:
            row = err.start_point.row + 1
            what = "missing " + err.type if err.is_missing else "syntax error"
            self.warnings.append(
                ScanWarning(self.path, row, f"{what}; sites near here found by token scan")
            )
        anc = Ancestry(tree.root_node, WRAPPER_FNS)
        main = _Buffer(tree, anc, self.source, 0, False, list(self.module), (), 0, True)
        self._extract(main)
        self._account_leftover_unsafe(anc)
        self._place_token_sites(anc)
        sites = build_sites(
            self.path,
            self.source,
            self.crate_root,
            self.raws,
            self.line_starts,
            LazyLines(raw_lines),
            self.file_tokens,
        )
        return FileResult(
            self.path,
            tuple(sites),
            tuple(self.warnings),
            plain_attributes=plain_attributes(self.source),
        )

    # ---------------------------------------------------------------- per buffer
    def _extract(self, buf: _Buffer) -> None:
        anc = buf.anc
        found = candidates.locate(anc, buf.data)
        if buf.main:
            self.unsafe_positions = found.unsafe_positions
            for use in found.uses:
                scope = anc.parent(use)
                if scope is not None:
                    add_use_declaration(self.imports, use, scope.start_byte, scope.end_byte)
            if self.imports.globs:
                self.fn_names = candidates.fn_names(buf.data)
        for owned in found.unsafe_owners:
            self._on_unsafe(buf, owned)
        for node in found.extern_blocks:
            if not any(c.type == "unsafe" for c in node.children):
                ext = node.children[0] if node.children else node
                self._add(buf, SiteKind.EXTERN_BLOCK, node, ext, context.abi_of(node))
        for fn in found.extern_fns:
            name = context.text(fn.child_by_field_name("name"))
            modifiers = next(c for c in fn.children if c.type == "function_modifiers")
            extern = next(c for c in modifiers.children if c.type == "extern_modifier")
            self._add(buf, SiteKind.EXTERN_FN, fn, extern, name)
        finder = PgSysFinder(self.names, self.imports, self.fn_names)
        for kind, node, anchor, symbol in finder.uses(found, anc, buf.data, buf.shift):
            self._add(buf, kind, node, anchor, symbol)
        if buf.depth < MAX_MACRO_DEPTH:
            for tt in found.macro_args:
                self._reparse(buf, tt, rules=False)
            for tt in found.macro_bodies:
                self._reparse(buf, tt, rules=True)

    def _add(
        self,
        buf: _Buffer,
        kind: SiteKind,
        node: Node,
        anchor: Node,
        name: str | None,
        *,
        end: int | None = None,
        item_node: Node | None = None,
    ) -> None:
        anc = buf.anc
        around = anc.enclosing(item_node or node)
        item = buf.outer_item + list(around.item)
        fn = around.fn
        attrs: list[str] = []
        if kind in (SiteKind.EXTERN_BLOCK, SiteKind.UNSAFE_EXTERN_BLOCK):
            attrs = context.preceding_attributes(anc.prev_named_siblings(node))
            abi = context.abi_of(node)
        elif fn is not None:
            attrs = context.preceding_attributes(anc.prev_named_siblings(fn))
            abi = context.abi_of(fn) or context.foreign_block_abi(fn, anc.parent)
        else:
            attrs = list(buf.outer_attrs)
            abi = None
        if abi and abi not in attrs:
            attrs.append(abi)
        raw = RawSite(
            kind=kind,
            anchor=buf.orig(anchor.start_byte),
            start=buf.orig(node.start_byte),
            end=buf.orig(end if end is not None else node.end_byte),
            name=name,
            in_macro=buf.in_macro,
            item=item,
            attributes=tuple(attrs),
            stmt_row=self._statement_row(anc, node) if buf.main else None,
        )
        self.raws.append(raw)
        if kind.has_unsafe_keyword:
            self.accounted.add(raw.anchor)

    # ---------------------------------------------------------------- unsafe keywords
    def _on_unsafe(self, buf: _Buffer, owned: candidates.Owned) -> None:
        """One ``unsafe`` keyword, by the role ``queries/unsafe.scm`` gave it."""
        role, owner, kw = owned.role, owned.owner, owned.keyword
        if role == "unsafe_block":
            self._add(buf, SiteKind.UNSAFE_BLOCK, owner, kw, None)
        elif role == "unsafe_fn":
            name = context.text(owner.child_by_field_name("name"))
            self._add(buf, SiteKind.UNSAFE_FN, owner, kw, name)
        elif role == "unsafe_impl":
            trait = owner.child_by_field_name("trait")
            ty = owner.child_by_field_name("type")
            label = (
                context.text(ty)
                if trait is None
                else f"{context.text(trait)} for {context.text(ty)}"
            )
            self._add(buf, SiteKind.UNSAFE_IMPL, owner, kw, label)
        elif role == "unsafe_trait":
            name = context.text(owner.child_by_field_name("name"))
            self._add(buf, SiteKind.UNSAFE_TRAIT, owner, kw, name)
        elif role == "unsafe_extern_block":
            self._add(buf, SiteKind.UNSAFE_EXTERN_BLOCK, owner, kw, context.abi_of(owner))
        elif role == "unsafe_attribute":
            self._attribute_site(buf, kw, owner)
        elif role == "fn_pointer_type" and not _is_fn_pointer(owner):
            # Error recovery can read a named `unsafe fn f() {` as a type: left to the token
            # scan, which lists it as the unsafe fn it is.
            return
        elif role == "matcher_token" and not self._in_matcher(buf, owner):
            return  # a "matcher" error recovery made up outside any macro_rules!: as above
        elif role in ("fn_pointer_type", "matcher_token"):
            self.accounted.add(buf.orig(kw.start_byte))  # not a site
        elif role == "token_tree":
            outer = buf.anc.enclosing(owner).outer_tree or owner
            host = buf.anc.parent(outer)
            if host is not None and host.type == "attribute":
                self._attribute_site(buf, kw, host)
            elif host is not None and self._in_matcher(buf, host):
                self.accounted.add(buf.orig(kw.start_byte))
        else:
            # queries/unsafe.scm and this dispatch disagree: a bug, never a silent miss.
            raise AssertionError(f"unsafe.scm capture @{role} has no handler")

    @staticmethod
    def _in_matcher(buf: _Buffer, part: Node) -> bool:
        """True for a part of the matcher of a ``macro_rules!`` rule (where a literal ``unsafe``
        is a token the macro expects, not a site)."""
        if part.type not in ("token_tree_pattern", "token_repetition_pattern"):
            return False
        outer = buf.anc.enclosing(part).outer_tree or part
        host = buf.anc.parent(outer)
        return host is not None and host.type == "macro_rule"

    def _attribute_site(self, buf: _Buffer, kw: Node, attr: Node) -> None:
        """``#[unsafe(x)]``, or ``unsafe(x)`` inside ``cfg_attr``: the site is ``unsafe(..)``."""
        args = buf.anc.next_sibling(kw)
        if args is None or args.type != "token_tree":
            args = attr.child_by_field_name("arguments")
        inner = args.named_children[0] if args is not None and args.named_children else None
        item_node = attributed_item(buf.anc, attr)
        end = args.end_byte if args is not None else kw.end_byte
        self._add(
            buf,
            SiteKind.UNSAFE_ATTRIBUTE,
            kw,
            kw,
            context.text(inner) or None,
            end=end,
            item_node=item_node,
        )

    # ---------------------------------------------------------------- macros
    def _worth_reparsing(self, content: bytes) -> bool:
        if b"unsafe" in content or b"pg_sys" in content or b"extern" in content:
            return True
        if self.imports.any_bare and b"(" in content:
            return True
        return any(a.alias.encode() + b"::" in content for a in self.imports.aliases)

    def _reparse(self, buf: _Buffer, tt: Node, *, rules: bool) -> None:
        start, end = tt.start_byte + 1, tt.end_byte - 1
        if end <= start:
            return
        content = buf.data[start:end]
        if not self._worth_reparsing(content):
            return
        errors, tree, data, prefix_len = parse_token_tree(content, rules=rules)
        around = buf.anc.enclosing(tt)
        fn = around.fn
        outer_attrs = buf.outer_attrs
        if fn is not None:
            attrs = context.preceding_attributes(buf.anc.prev_named_siblings(fn))
            abi = context.abi_of(fn)
            outer_attrs = tuple(attrs + ([abi] if abi else []))
        child = _Buffer(
            tree=tree,
            anc=Ancestry(tree.root_node, WRAPPER_FNS),
            data=data,
            shift=buf.shift + start - prefix_len,
            in_macro=True,
            outer_item=buf.outer_item + list(around.item),
            outer_attrs=outer_attrs,
            depth=buf.depth + 1,
            main=False,
        )
        self._extract(child)
        if errors:
            # pg_sys uses in a token tree that would not parse (a macro_rules! template, say).
            start, end = buf.orig(start), buf.orig(end)
            have = {(r.kind, r.anchor) for r in self.raws}
            modules = self.imports.module_names_at(start)
            named = self.imports.named_at(start)
            statics = self.names.statics
            for found in token_scan.pg_sys_uses(self.source, start, end, modules, named, statics):
                if (found.kind, found.anchor) not in have:
                    self._add_token_site(found)

    # ---------------------------------------------------------------- leftovers
    def _account_leftover_unsafe(self, anc: Ancestry) -> None:
        """Classify every real ``unsafe`` token that no tree-based site accounted for."""
        leftover = [
            pos
            for pos in self.unsafe_positions
            if pos not in self.accounted
            and not _raw_identifier(self.source, pos)
            and not in_non_code(anc.spanning(pos, pos + 6), anc.parent)
        ]
        # Each word is read from a window of at least 4 KB after it: with many of them, lex the
        # file once and read every window from its tokens (same answer, no lexing per word).
        if len(leftover) * 4096 >= len(self.source):
            self.file_tokens = self.file_tokens or FileTokens(self.source)
        for pos in leftover:
            found = token_scan.unsafe_site(self.source, pos, self.file_tokens)
            if found is None:
                continue
            if found.unclassified:
                row = self.source.count(b"\n", 0, pos) + 1
                msg = "could not classify `unsafe`; listed as a block"
                self.warnings.append(ScanWarning(self.path, row, msg))
            self._add_token_site(found)

    def _add_token_site(self, found: token_scan.TokenSite) -> None:
        raw = RawSite(found.kind, found.anchor, found.start, found.end, found.name, False, [], ())
        self.raws.append(raw)
        self.token_sites.append(raw)
        if found.kind.has_unsafe_keyword:
            self.accounted.add(found.anchor)

    def _place_token_sites(self, anc: Ancestry) -> None:
        """The item path, macro flag and fn attributes of each site read from tokens, from the
        node at its anchor in the file's tree."""
        anc.locate([raw.anchor for raw in self.token_sites])
        for raw in self.token_sites:
            around = anc.enclosing(anc.leaf_at(raw.anchor))
            raw.item = self.module + list(around.item)
            raw.in_macro = around.in_macro
            fn = around.fn
            if fn is not None:
                attrs = context.preceding_attributes(anc.prev_named_siblings(fn))
                abi = context.abi_of(fn)
                if abi:
                    attrs.append(abi)
                raw.attributes = tuple(attrs)

    @staticmethod
    def _statement_row(anc: Ancestry, node: Node) -> int:
        """Row where the statement or item holding ``node`` starts (for comments above it)."""
        return min(anc.enclosing(node).statement.start_point.row, node.start_point.row)


def _raw_identifier(source: bytes, pos: int) -> bool:
    """True when the word at ``pos`` is written ``r#unsafe``: an identifier, not the keyword
    (``unsafer#unsafe`` is the keyword after a ``#``)."""
    return source[max(0, pos - 2) : pos] == b"r#" and not (
        pos >= 3 and candidates.is_word_byte(source[pos - 3])
    )


def _is_fn_pointer(function_type: Node) -> bool:
    """True when ``fn`` is followed by its parameters, as in every real fn-pointer type."""
    kinds = [c.type for c in function_type.children]
    return "fn" in kinds and kinds[kinds.index("fn") + 1 : kinds.index("fn") + 2] == ["parameters"]


def extract_source(
    path: str, source: bytes, names: PgSysNames, tree: Tree | None = None
) -> FileResult:
    """Every site in one file's source. ``path`` is relative to the scan root, with ``/``;
    ``tree``, when given, is the file's tree from
    :func:`~unsafe_audit.extract.parser.parse_file` (it is parsed otherwise)."""
    return FileExtractor(path, source, names, tree).run()
