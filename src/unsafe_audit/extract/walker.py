"""Find every site in one Rust file.

Strategy, chosen for completeness: every ``unsafe`` keyword the grammar sees is classified by its
parent node, so no `unsafe` can slip between query patterns. Macro arguments and ``macro_rules!``
bodies, which tree-sitter keeps as flat token trees, are re-parsed inside small wrappers (as call
arguments, as a block, as items) and extracted the same way. Finally every ``unsafe`` token in the
file's bytes that no site accounts for (and that is not in a comment or string) is classified by
a token scan, so a parse error can make a site less precise but never makes it disappear.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from unsafe_audit.extract import candidates, context
from unsafe_audit.extract.imports import PgSysImports, add_use_declaration
from unsafe_audit.extract.parser import error_count, first_error, parse
from unsafe_audit.model import FileResult, ScanWarning, Site, SiteId, SiteKind, Span
from unsafe_audit.rust_tokens import (
    Token,
    code_digests,
    matching_close,
    token_digest,
    tokenize,
)

MAX_MACRO_DEPTH = 6
_WRAPPER_FNS = frozenset({"__ua_m"})
_ARGS_WRAPPERS: tuple[tuple[bytes, bytes], ...] = (
    (b"fn __ua_m(){__ua_f(", b");}"),
    (b"fn __ua_m(){", b"\n}"),
    (b"", b"\n"),
)
_RULES_WRAPPERS: tuple[tuple[bytes, bytes], ...] = (
    (b"", b"\n"),
    (b"fn __ua_m(){", b"\n}"),
    (b"fn __ua_m(){__ua_f(", b");}"),
)
_NOT_CODE = frozenset(
    {
        "line_comment",
        "block_comment",
        "doc_comment",
        "string_content",
        "string_literal",
        "raw_string_literal",
        "char_literal",
        "escape_sequence",
    }
)
_CONTAINERS = frozenset(
    {
        SiteKind.UNSAFE_BLOCK,
        SiteKind.UNSAFE_FN,
        SiteKind.UNSAFE_IMPL,
        SiteKind.UNSAFE_TRAIT,
        SiteKind.UNSAFE_EXTERN_BLOCK,
        SiteKind.EXTERN_BLOCK,
    }
)
_COMPAT_KIND = {SiteKind.UNSAFE_EXTERN_BLOCK: SiteKind.EXTERN_BLOCK}
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
    }
)


@dataclass(slots=True)
class _Buffer:
    """A parsed piece of source: the file, or a macro token tree re-parsed in a wrapper."""

    tree: Tree
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
class _Raw:
    kind: SiteKind
    anchor: int
    start: int
    end: int
    name: str | None
    in_macro: bool
    item: list[str]
    attributes: tuple[str, ...]
    stmt_row: int | None = None


@dataclass(frozen=True, slots=True)
class PgSysNames:
    """The pg_sys names the extractor needs: functions and mutable statics."""

    functions: frozenset[str] = frozenset()
    statics: frozenset[str] = frozenset()


@dataclass(slots=True)
class FileExtractor:
    """Extracts the sites of one file; use :func:`extract_source`."""

    path: str
    source: bytes
    names: PgSysNames
    crate_root: str = ""
    module: list[str] = field(default_factory=list)
    imports: PgSysImports = field(default_factory=PgSysImports)
    fn_names: set[str] = field(default_factory=set)
    raws: list[_Raw] = field(default_factory=list)
    accounted: set[int] = field(default_factory=set)
    warnings: list[ScanWarning] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)
    unsafe_positions: list[int] = field(default_factory=list)
    main_tree: Tree | None = None

    # ---------------------------------------------------------------- entry point
    def run(self) -> FileResult:
        try:
            text = self.source.decode("utf-8")
        except UnicodeDecodeError as e:
            line = self.source.count(b"\n", 0, e.start) + 1
            msg = f"not valid UTF-8 (byte {e.start}); file skipped"
            warning = ScanWarning(self.path, line, msg)
            return FileResult(self.path, (), (warning,), unreadable=True)
        self.crate_root, self.module = context.module_path(self.path)
        raw_lines = self.source.split(b"\n")
        lengths = list(itertools.accumulate(map(len, raw_lines), initial=0))
        # Line i starts after i newlines and the bytes of lines 0..i-1.
        self.line_starts = list(map(operator.add, lengths[:-1], range(len(raw_lines))))
        tree = parse(_mask_safe_qualifier(self.source))
        self.main_tree = tree
        err = first_error(tree)
        if err is not None:
            row = err.start_point.row + 1
            what = "missing " + err.type if err.is_missing else "syntax error"
            self.warnings.append(
                ScanWarning(self.path, row, f"{what}; sites near here found by token scan")
            )
        main = _Buffer(tree, self.source, 0, False, list(self.module), (), 0, True)
        self._extract(main)
        self._account_leftover_unsafe(tree)
        del text
        sites = self._finalize(_LazyLines(raw_lines))
        return FileResult(self.path, tuple(sites), tuple(self.warnings))

    # ---------------------------------------------------------------- per buffer
    def _extract(self, buf: _Buffer) -> None:
        root = buf.tree.root_node
        found = candidates.locate(root, buf.data)
        if buf.main:
            self.unsafe_positions = found.unsafe_positions
            for use in found.uses:
                scope = use.parent
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
        for node in found.pg_sys_paths:
            self._on_scoped(buf, node)
        if self.imports.aliases:
            aliases = {a.alias for a in self.imports.aliases}
            for node in candidates.alias_paths(root, buf.data, aliases):
                self._on_scoped(buf, node)
        if self.imports.any_bare:
            named = frozenset(n.local for n in self.imports.named)
            callable_names = named | (self.names.functions if self.imports.globs else frozenset())
            for node in candidates.callable_identifiers(root, buf.data, callable_names):
                self._on_bare_call(buf, node)
            self._bare_statics(buf, named)
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
        item = buf.outer_item + context.item_segments(item_node or node, _WRAPPER_FNS)
        fn = context.enclosing_fn(item_node or node)
        attrs: list[str] = []
        if kind in (SiteKind.EXTERN_BLOCK, SiteKind.UNSAFE_EXTERN_BLOCK):
            attrs = context.preceding_attributes(node)
            abi = context.abi_of(node)
        elif fn is not None:
            attrs = context.preceding_attributes(fn)
            abi = context.abi_of(fn) or context.foreign_block_abi(fn)
        else:
            attrs = list(buf.outer_attrs)
            abi = None
        if abi and abi not in attrs:
            attrs.append(abi)
        raw = _Raw(
            kind=kind,
            anchor=buf.orig(anchor.start_byte),
            start=buf.orig(node.start_byte),
            end=buf.orig(end if end is not None else node.end_byte),
            name=name,
            in_macro=buf.in_macro,
            item=item,
            attributes=tuple(attrs),
            stmt_row=context.statement_start_row(node) if buf.main else None,
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
        elif role in ("fn_pointer_type", "matcher_token"):
            self.accounted.add(buf.orig(kw.start_byte))  # not a site
        elif role == "token_tree":
            outer = owner
            while outer.parent is not None and outer.parent.type == "token_tree":
                outer = outer.parent
            host = outer.parent
            if host is not None and host.type == "attribute":
                self._attribute_site(buf, kw, host)
            elif host is not None and host.type == "token_tree_pattern":
                self.accounted.add(buf.orig(kw.start_byte))
        else:
            # queries/unsafe.scm and this dispatch disagree: a bug, never a silent miss.
            raise AssertionError(f"unsafe.scm capture @{role} has no handler")

    def _attribute_site(self, buf: _Buffer, kw: Node, attr: Node) -> None:
        """``#[unsafe(x)]``, or ``unsafe(x)`` inside ``cfg_attr``: the site is ``unsafe(..)``."""
        args = kw.next_sibling
        if args is None or args.type != "token_tree":
            args = attr.child_by_field_name("arguments")
        inner = args.named_children[0] if args is not None and args.named_children else None
        item_node = _attributed_item(attr)
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

    # ---------------------------------------------------------------- pg_sys
    def _on_scoped(self, buf: _Buffer, node: Node) -> None:
        path = node.child_by_field_name("path")
        name = node.child_by_field_name("name")
        if path is None or name is None:
            return
        last = path.child_by_field_name("name") if path.type == "scoped_identifier" else path
        if context.text(last) not in self.imports.module_names_at(buf.orig(node.start_byte)):
            return
        if _inside_use(node):
            return
        symbol = context.text(name)
        call = _call_of(node)
        if call is not None:
            self._add(buf, SiteKind.PG_SYS_CALL, call, name, symbol)
        elif symbol in self.names.statics:
            self._add(buf, SiteKind.PG_SYS_STATIC, node, name, symbol)

    def _on_bare_call(self, buf: _Buffer, ident: Node) -> None:
        call = _call_of(ident)
        if call is None:
            return
        local = context.text(ident)
        pos = buf.orig(ident.start_byte)
        real = self.imports.named_at(pos).get(local)
        if real is None and (
            local in self.names.functions
            and local not in self.fn_names
            and self.imports.glob_at(pos)
        ):
            real = local
        if real is not None and real not in self.names.statics:
            self._add(buf, SiteKind.PG_SYS_CALL, call, ident, real)

    def _bare_statics(self, buf: _Buffer, named_locals: frozenset[str]) -> None:
        wanted = named_locals | (self.names.statics if self.imports.globs else frozenset())
        if not wanted:
            return
        present = {w for w in wanted if w.encode() in buf.data}
        for ident in candidates.identifiers_named(buf.tree.root_node, buf.data, present):
            parent = ident.parent
            # Identifiers in a token tree are found again, with in_macro set, by the re-parse.
            if parent is None or parent.type in _IDENT_SKIP_PARENTS or parent.type == "token_tree":
                continue
            if _call_of(ident) is not None:
                continue
            local = context.text(ident)
            pos = buf.orig(ident.start_byte)
            real = self.imports.named_at(pos).get(local)
            if real is None and self.imports.glob_at(pos):
                real = local
            if real is not None and real in self.names.statics:
                self._add(buf, SiteKind.PG_SYS_STATIC, ident, ident, real)

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
        if rules:
            content = neutralise_metavariables(content)
        best: tuple[int, Tree, bytes, int] | None = None
        for prefix, suffix in _RULES_WRAPPERS if rules else _ARGS_WRAPPERS:
            data = prefix + content + suffix
            tree = parse(data)
            errors = error_count(tree)
            if best is None or errors < best[0]:
                best = (errors, tree, data, len(prefix))
            if errors == 0:
                break
        assert best is not None
        errors, tree, data, prefix_len = best
        fn = context.enclosing_fn(tt)
        outer_attrs = buf.outer_attrs
        if fn is not None:
            attrs = context.preceding_attributes(fn)
            abi = context.abi_of(fn)
            outer_attrs = tuple(attrs + ([abi] if abi else []))
        child = _Buffer(
            tree=tree,
            data=data,
            shift=buf.shift + start - prefix_len,
            in_macro=True,
            outer_item=buf.outer_item + context.item_segments(tt, _WRAPPER_FNS),
            outer_attrs=outer_attrs,
            depth=buf.depth + 1,
            main=False,
        )
        self._extract(child)
        if errors:
            self._token_scan_pg_sys(child, buf.orig(start), buf.orig(end))

    def _token_scan_pg_sys(self, buf: _Buffer, start: int, end: int) -> None:
        """pg_sys uses in a token tree that would not parse (a macro_rules! template, say)."""
        have = {(r.kind, r.anchor) for r in self.raws}
        _, toks, base = self._tokens_between(start, end)
        texts = [t.text for t in toks]
        modules = self.imports.module_names_at(start)
        named = self.imports.named_at(start)
        for i, tok in enumerate(toks):
            symbol: str | None = None
            if (
                i >= 2
                and tok.kind == "ident"
                and toks[i - 1].text == "::"
                and toks[i - 2].text in modules
            ):
                symbol = tok.text
            elif tok.kind == "ident" and tok.text in named and (i == 0 or toks[i - 1].text != "::"):
                symbol = named[tok.text]
            if symbol is None:
                continue
            is_call = i + 1 < len(toks) and toks[i + 1].text == "("
            kind = SiteKind.PG_SYS_CALL if is_call else SiteKind.PG_SYS_STATIC
            if kind is SiteKind.PG_SYS_STATIC and symbol not in self.names.statics:
                continue
            anchor = base(tok.start)
            if (kind, anchor) in have:
                continue
            first = i - 2 if toks[i - 1].text == "::" else i
            while first >= 2 and toks[first - 1].text == "::":
                first -= 2
            last = matching_close(texts, i + 1) if is_call else i
            self._add_token_site(
                kind, base(toks[first].start), anchor, base(toks[last].end), symbol
            )

    # ---------------------------------------------------------------- leftovers
    def _account_leftover_unsafe(self, tree: Tree) -> None:
        """Classify every real ``unsafe`` token that no tree-based site accounted for."""
        root = tree.root_node
        for pos in self.unsafe_positions:
            if pos in self.accounted:
                continue
            if pos >= 2 and self.source[pos - 2 : pos] == b"r#":
                continue
            node = root.descendant_for_byte_range(pos, pos + 6)
            if node is None or _in_non_code(node):
                continue
            self._token_scan_unsafe(pos)

    def _tokens_between(self, start: int, end: int) -> tuple[str, list[Token], _ByteMap]:
        chunk = self.source[start:end].decode("utf-8", "replace")
        toks = list(tokenize(chunk))
        return chunk, toks, _ByteMap(chunk, start)

    def _token_scan_unsafe(self, pos: int) -> None:
        # Most sites close within a few KB; widen the window only when the braces do not.
        for window in (4_096, 65_536, 1_048_576):
            end_limit = min(len(self.source), pos + window)
            _, toks, base = self._tokens_between(pos, end_limit)
            if end_limit == len(self.source) or _braces_close(toks):
                break
        if not toks:
            return
        texts = [t.text for t in toks]
        nxt = texts[1:6]
        kind = SiteKind.UNSAFE_BLOCK
        name: str | None = None
        last = 0
        j = 1
        if nxt[:1] == ["extern"]:
            j = 2
            if j < len(toks) and toks[j].kind == "str":
                j += 1
        follow = toks[j].text if j < len(toks) else ""
        if follow == "{" and j > 1:
            kind, last = SiteKind.UNSAFE_EXTERN_BLOCK, matching_close(texts, j)
        elif follow == "fn":
            if j + 1 < len(toks) and toks[j + 1].text == "(":
                self.accounted.add(pos)  # fn-pointer type
                return
            kind = SiteKind.UNSAFE_FN
            name = toks[j + 1].text if j + 1 < len(toks) else None
            last = _item_end(texts, j)
        elif follow == "impl":
            kind, last = SiteKind.UNSAFE_IMPL, _item_end(texts, j)
        elif follow in ("trait", "auto"):
            kind, last = SiteKind.UNSAFE_TRAIT, _item_end(texts, j)
            name = toks[j + 1].text if j + 1 < len(toks) else None
        elif follow == "(" and self._preceded_by_attribute(pos):
            kind, last = SiteKind.UNSAFE_ATTRIBUTE, matching_close(texts, 1)
            name = toks[2].text if len(toks) > 2 else None
        elif follow == "{":
            kind, last = SiteKind.UNSAFE_BLOCK, matching_close(texts, 1)
        else:
            self.warnings.append(
                ScanWarning(
                    self.path, self._row(pos) + 1, "could not classify `unsafe`; listed as a block"
                )
            )
            last = min(len(toks) - 1, 1)
        self._add_token_site(kind, pos, pos, base(toks[last].end), name)

    def _preceded_by_attribute(self, pos: int) -> bool:
        before = self.source[max(0, pos - 400) : pos]
        return before.rfind(b"#[") > max(before.rfind(b"]"), before.rfind(b";"), before.rfind(b"}"))

    def _add_token_site(
        self, kind: SiteKind, start: int, anchor: int, end: int, name: str | None
    ) -> None:
        assert self.main_tree is not None
        node = self.main_tree.root_node.descendant_for_byte_range(anchor, anchor + 1)
        item = list(self.module)
        in_macro = False
        attrs: list[str] = []
        if node is not None:
            item += context.item_segments(node, _WRAPPER_FNS)
            cur: Node | None = node
            while cur is not None:
                if cur.type in ("token_tree", "macro_rule", "macro_invocation"):
                    in_macro = True
                    break
                cur = cur.parent
            fn = context.enclosing_fn(node)
            if fn is not None:
                attrs = context.preceding_attributes(fn)
                abi = context.abi_of(fn)
                if abi:
                    attrs.append(abi)
        self.raws.append(_Raw(kind, anchor, start, end, name, in_macro, item, tuple(attrs)))
        if kind.has_unsafe_keyword:
            self.accounted.add(anchor)

    # ---------------------------------------------------------------- results
    def _row(self, byte: int) -> int:
        return bisect.bisect_right(self.line_starts, byte) - 1

    def _finalize(self, lines: Sequence[str]) -> list[Site]:
        seen: set[tuple[SiteKind, int]] = set()
        raws: list[_Raw] = []
        for raw in sorted(self.raws, key=lambda r: (r.start, -r.end, r.anchor)):
            key = (raw.kind, raw.anchor)
            if key not in seen:
                seen.add(key)
                raws.append(raw)
        ids: list[SiteId] = []
        token_hashes: list[str] = []
        compat_hashes: list[str] = []
        occurrences: dict[tuple[str, str, str], int] = {}
        for raw in raws:
            code = self.source[raw.start : raw.end].decode("utf-8", "replace")
            compat_kind = _COMPAT_KIND.get(raw.kind, raw.kind).value
            th, compat = code_digests(raw.kind.value, compat_kind, code)
            compat_hashes.append(compat)
            item = "::".join(raw.item)
            occ_key = (raw.kind.value, item, th)
            occ = occurrences.get(occ_key, 0)
            occurrences[occ_key] = occ + 1
            ids.append(SiteId(token_digest([raw.kind.value, self.crate_root, item, th, str(occ)])))
            token_hashes.append(th)
        parents: list[int | None] = [None] * len(raws)
        stack: list[int] = []
        for i, raw in enumerate(raws):
            while stack and raws[stack[-1]].end <= raw.start:
                stack.pop()
            if stack:
                parents[i] = stack[-1]
            if raw.kind in _CONTAINERS:
                stack.append(i)
        inside: dict[int, list[str]] = {}
        for i, raw in enumerate(raws):
            if raw.kind.is_pg_sys and raw.name:
                p = parents[i]
                while p is not None:
                    inside.setdefault(p, []).append(raw.name)
                    p = parents[p]
        sites: list[Site] = []
        for i, raw in enumerate(raws):
            row = self._row(raw.anchor)
            end_row = self._row(max(raw.start, raw.end - 1))
            stmt_row = raw.stmt_row if raw.stmt_row is not None else row
            p = parents[i]
            sites.append(
                Site(
                    id=ids[i],
                    kind=raw.kind,
                    path=self.path,
                    span=Span(
                        line=row + 1,
                        column=raw.anchor - self.line_starts[row] + 1,
                        end_line=end_row + 1,
                        start_byte=raw.start,
                        end_byte=raw.end,
                    ),
                    item="::".join(raw.item),
                    token_hash=token_hashes[i],
                    compat_hash=compat_hashes[i],
                    in_macro=raw.in_macro,
                    parent=ids[p] if p is not None else None,
                    name=raw.name,
                    safety_comment=context.safety_comment(lines, stmt_row, row),
                    attributes=raw.attributes,
                    pg_sys_calls=tuple(inside.get(i, ())),
                )
            )
        sites.sort(key=lambda s: (s.span.line, s.span.column, s.kind.value))
        return sites


class _LazyLines(Sequence[str]):
    """A file's lines, decoded only when a SAFETY-comment search looks at them."""

    __slots__ = ("raw",)

    def __init__(self, raw: list[bytes]) -> None:
        self.raw = raw

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return self.raw[index].decode("utf-8", "replace")


class _ByteMap:
    """Maps character offsets in a decoded chunk back to byte offsets in the file."""

    __slots__ = ("ascii", "base", "chunk")

    def __init__(self, chunk: str, base: int) -> None:
        self.chunk = chunk
        self.base = base
        self.ascii = chunk.isascii()

    def __call__(self, char_offset: int) -> int:
        if self.ascii:
            return self.base + char_offset
        return self.base + len(self.chunk[:char_offset].encode("utf-8"))


_SAFE_QUALIFIER_RE = re.compile(rb"safe(?=\s+(?:fn|static)\b)")


def _mask_safe_qualifier(source: bytes) -> bytes:
    """Blank edition 2024's ``safe fn`` / ``safe static`` qualifier in extern blocks, which
    tree-sitter-rust 0.24 does not know, so the block still parses. Offsets do not move, and
    fingerprints hash the original text."""
    # Cheap test first: every `unsafe fn` also contains `safe fn`.
    if source.count(b"safe fn") == source.count(b"unsafe fn") and source.count(
        b"safe static"
    ) == source.count(b"unsafe static"):
        return source
    out: bytearray | None = None
    for m in _SAFE_QUALIFIER_RE.finditer(source):
        start = m.start()
        if start > 0 and (chr(source[start - 1]).isalnum() or source[start - 1] in b"_$"):
            continue  # `unsafe fn`, `my_safe fn`...
        if out is None:
            out = bytearray(source)
        out[start : start + 4] = b"    "
    return bytes(out) if out is not None else source


def neutralise_metavariables(content: bytes) -> bytes:
    """Make a ``macro_rules!`` template parseable without moving any byte.

    ``$x`` becomes ``_x`` and ``$( ... ),*`` loses its ``$(``, ``)``, separator and repetition
    operator (replaced by spaces), so the body reads as one expansion of the repetition.
    """
    out = bytearray(content)
    for m in re.finditer(rb"\$(?=[A-Za-z_])", content):
        out[m.start()] = ord("_")
    i = 0
    while True:
        j = content.find(b"$(", i)
        if j < 0:
            break
        depth = 0
        k = j + 1
        while k < len(content):
            c = content[k]
            if c == ord("("):
                depth += 1
            elif c == ord(")"):
                depth -= 1
                if depth == 0:
                    break
            k += 1
        out[j] = out[j + 1] = ord(" ")
        if k < len(content):
            out[k] = ord(" ")
            rep = re.match(rb"\s*[^\s*+?()\[\]{}$]{0,2}?\s*[*+?]", content[k + 1 :])
            if rep is not None:
                for x in range(k + 1, k + 1 + rep.end()):
                    out[x] = ord(" ")
        i = j + 2
    return bytes(out)


def _braces_close(toks: list[Token]) -> bool:
    """True when the first bracket group in ``toks`` is closed within them."""
    texts = [t.text for t in toks]
    first = next((i for i, t in enumerate(texts) if t in ("(", "[", "{")), None)
    if first is None:
        return ";" in texts
    closer = {"(": ")", "[": "]", "{": "}"}[texts[first]]
    return texts[matching_close(texts, first)] == closer


def _item_end(texts: list[str], start: int) -> int:
    """Index of the ``;`` or closing ``}`` that ends the item starting at ``texts[start]``."""
    for i in range(start, len(texts)):
        if texts[i] == ";":
            return i
        if texts[i] == "{":
            return matching_close(texts, i)
    return len(texts) - 1


def _same(a: Node | None, b: Node) -> bool:
    return a is not None and a.start_byte == b.start_byte and a.end_byte == b.end_byte


def _call_of(node: Node) -> Node | None:
    """The call expression whose callee is ``node`` (possibly with turbofish), if any."""
    callee = node
    parent = node.parent
    if parent is not None and parent.type == "generic_function":
        callee, parent = parent, parent.parent
    if (
        parent is not None
        and parent.type == "call_expression"
        and _same(parent.child_by_field_name("function"), callee)
    ):
        return parent
    return None


def _inside_use(node: Node) -> bool:
    cur = node.parent
    for _ in range(12):
        if cur is None or cur.type in ("block", "source_file", "declaration_list"):
            return False
        if cur.type == "use_declaration":
            return True
        cur = cur.parent
    return False


def _in_non_code(node: Node) -> bool:
    cur: Node | None = node
    for _ in range(3):
        if cur is None:
            return False
        if cur.type in _NOT_CODE:
            return True
        cur = cur.parent
    return False


def _attributed_item(attr: Node) -> Node:
    """The item an attribute is written on (or the attribute itself if there is none)."""
    attr_item = attr.parent
    if attr_item is None or attr_item.type != "attribute_item":
        return attr
    sib = attr_item.next_named_sibling
    while sib is not None and sib.type in ("attribute_item", "line_comment", "block_comment"):
        sib = sib.next_named_sibling
    return sib if sib is not None else attr


def extract_source(path: str, source: bytes, names: PgSysNames) -> FileResult:
    """Every site in one file's source. ``path`` is relative to the scan root, with ``/``."""
    return FileExtractor(path, source, names).run()
