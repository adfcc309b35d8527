"""The one walk of a file's syntax tree that the syntax view's lists come from.

A tree-sitter query (``queries/syntax.scm``) picks the nodes the lists are made of, and the
fns, closures, loops and unsafe blocks that decide their context; the walk visits those, in
document order, once each. The same query finds the comments and literals, which are blanked in
a copy of the source (:mod:`~unsafe_audit.extract.masking`); calls inside macro token trees are
then found by a regex over that blanked code.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node, QueryCursor, Tree

from unsafe_audit.extract import context
from unsafe_audit.extract.ancestry import Ancestry
from unsafe_audit.extract.candidates import query
from unsafe_audit.extract.expressions import base_of, is_unsafe_fn, use_of_value
from unsafe_audit.extract.facts import (
    Assignment,
    Call,
    Deref,
    Exit,
    FnInfo,
    LetBinding,
    StaticDecl,
    TypeDecl,
    last_segment,
)
from unsafe_audit.extract.masking import blank

_ASKS_PARENT = frozenset({"call_expression", "macro_invocation", "function_item"})
_START = operator.attrgetter("start_byte")
_END = operator.attrgetter("end_byte")
_LOOPS = frozenset({"loop_expression", "while_expression", "for_expression"})
_OWNERS = frozenset({"function_item", "closure_expression"})
_ATTRIBUTE_RUN = frozenset({"attribute_item", "line_comment", "block_comment"})
_CELL_STATIC_RE = re.compile(
    rb"\bstatic\s+(?:ref\s+)?(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<type>[^=;]+?)\s*=\s*(?P<init>[^;]*);"
)


def _ancestors(anc: Ancestry, node: Node) -> Iterator[Node]:
    """A node's ancestors, innermost first, as far as the caller reads (a few)."""
    up = anc.parent(node)
    while up is not None:
        yield up
        up = anc.parent(up)


@dataclass(slots=True)
class _Scope:
    """What surrounds the nodes up to ``end``: the owning fn or closure, the innermost loop in
    it, and whether the code is unsafe."""

    end: int
    owner: int
    loop: int | None
    in_unsafe: bool


class SyntaxWalk:
    """The flat lists of one file's syntax, filled by :meth:`walk`."""

    def __init__(self, source: bytes, tree: Tree, line_starts: list[int]) -> None:
        self.source = source
        self._tree = tree
        self._line_starts = line_starts
        self.fns: list[FnInfo] = []
        self.statics: list[StaticDecl] = []
        self.types: list[TypeDecl] = []
        self.calls: list[Call] = []
        self.derefs: list[Deref] = []
        self.exits: list[Exit] = []
        self.assignments: list[Assignment] = []
        self.lets: list[LetBinding] = []
        self.indexes: list[tuple[int, int]] = []
        self.code = bytearray(source)
        """The source with comments and string/char literals blanked (offsets unchanged)."""
        self._macro_trees: list[tuple[int, int, int]] = []
        self._anc = Ancestry(tree.root_node)

    def line_of(self, byte: int) -> int:
        """1-based line of a byte offset."""
        return bisect.bisect_right(self._line_starts, byte)

    def walk(self) -> None:
        """Fill the lists (once)."""
        # tree-sitter's query finds the nodes that matter in C; a Python step for each of the
        # tree's nodes cost as much as the extraction itself. What surrounds a node (its fn,
        # loop, unsafe block) comes from a stack of the scopes open at its start: the nodes are
        # taken in document order, outer before inner.
        captures = QueryCursor(query("syntax")).captures(self._tree.root_node)
        code = self.code
        for node in captures.get("not_code", ()):
            blank(code, node.start_byte, node.end_byte)
        # Document order: by start, and of two starting together the outer (longer) first;
        # two sorts by attribute run in C, where one by a tuple key ran a Python call a node.
        nodes = captures.get("node", [])
        nodes.sort(key=_END, reverse=True)
        nodes.sort(key=_START)
        # Parents and siblings from one walk down to every node that asks for them:
        # ``Node.parent`` searches from the root, which made a deeply nested file quadratic.
        self._anc.locate(n.start_byte for n in nodes if n.type in _ASKS_PARENT)
        scopes = [_Scope(len(self.source) + 1, 0, None, False)]
        for node in nodes:
            start = node.start_byte
            while start >= scopes[-1].end:
                scopes.pop()
            scope = scopes[-1]
            kind = node.type
            if kind in _OWNERS:
                fn = kind == "function_item"
                in_unsafe = is_unsafe_fn(node) if fn else scope.in_unsafe
                scopes.append(_Scope(node.end_byte, start, None, in_unsafe))
                if fn:
                    self._on_fn(node, in_unsafe)
            elif kind in _LOOPS:
                scopes.append(_Scope(node.end_byte, scope.owner, start, scope.in_unsafe))
            elif kind == "unsafe_block":
                scopes.append(_Scope(node.end_byte, scope.owner, scope.loop, True))
            else:
                self._on_node(node, kind, scope.owner, scope.loop, scope.in_unsafe)
                if kind == "macro_invocation":
                    for child in node.children:
                        if child.type == "token_tree":
                            self._macro_trees.append(
                                (child.start_byte, child.end_byte, scope.owner)
                            )
        self.calls.sort(key=lambda c: c.start_byte)
        self.derefs.sort(key=lambda d: d.start_byte)
        self.exits.sort(key=lambda e: e.start_byte)
        self.assignments.sort(key=lambda a: a.start_byte)
        self.statics.sort(key=lambda s: s.start_byte)
        # Calls inside macro token trees, found on the blanked code now that it is complete.
        for tt_start, tt_end, owner in self._macro_trees:
            self._scan_macro_calls(tt_start, tt_end, owner)
        self.calls.sort(key=lambda c: c.start_byte)

    def _on_node(
        self, node: Node, kind: str, owner: int, loop: int | None, in_unsafe: bool
    ) -> None:
        if kind == "call_expression":
            self._on_call(node, owner, in_unsafe)
        elif kind == "macro_invocation":
            self._on_macro(node, owner)
        elif kind == "unary_expression":
            op = node.children[0] if node.children else None
            if op is not None and op.type == "*" and len(node.children) > 1:
                operand = node.children[1]
                self.derefs.append(
                    Deref(
                        "*",
                        context.text(operand),
                        base_of(operand),
                        in_unsafe,
                        node.start_byte,
                        node.start_point.row + 1,
                    )
                )
        elif kind in ("return_expression", "try_expression"):
            at = node.start_byte if kind == "return_expression" else node.end_byte - 1
            name = "return" if kind == "return_expression" else "?"
            self.exits.append(Exit(name, at, self.line_of(at), owner, None))
        elif kind in ("break_expression", "continue_expression"):
            name = kind.split("_")[0]
            self.exits.append(Exit(name, node.start_byte, node.start_point.row + 1, owner, loop))
        elif kind == "assignment_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            self.assignments.append(
                Assignment(
                    context.text(left),
                    context.text(right),
                    node.start_byte,
                    node.start_point.row + 1,
                    owner,
                )
            )
        elif kind == "let_declaration":
            pattern = node.child_by_field_name("pattern")
            if pattern is not None and pattern.type == "identifier":
                self.lets.append(
                    LetBinding(
                        context.text(pattern),
                        context.text(node.child_by_field_name("type")),
                        context.text(node.child_by_field_name("value")),
                        node.start_byte,
                        node.start_point.row + 1,
                    )
                )
        elif kind == "index_expression":
            self.indexes.append((node.start_byte, node.start_point.row + 1))
        elif kind == "static_item":
            mutable = any(c.type == "mutable_specifier" for c in node.children)
            self.statics.append(
                StaticDecl(
                    context.text(node.child_by_field_name("name")),
                    "static mut" if mutable else "static",
                    context.text(node.child_by_field_name("type")),
                    node.start_point.row + 1,
                    node.start_byte,
                    node.end_byte,
                )
            )
        elif kind in ("struct_item", "enum_item", "union_item", "type_item"):
            self.types.append(
                TypeDecl(
                    context.text(node.child_by_field_name("name")),
                    context.text(node),
                    node.start_point.row + 1,
                )
            )

    def _on_fn(self, node: Node, is_unsafe: bool) -> None:
        body = node.child_by_field_name("body")
        if body is None:
            return
        earlier = self._anc.prev_named_siblings(node)
        run = list(itertools.takewhile(lambda s: s.type in _ATTRIBUTE_RUN, earlier))
        outer = run[-1] if run else node
        parent = self._anc.parent(node)
        impl = self._anc.parent(parent) if parent is not None else None
        in_trait_impl = (
            impl is not None
            and impl.type == "impl_item"
            and impl.child_by_field_name("trait") is not None
        )
        params: list[tuple[str, str]] = []
        plist = node.child_by_field_name("parameters")
        for p in plist.named_children if plist is not None else ():
            if p.type == "parameter":
                params.append(
                    (
                        context.text(p.child_by_field_name("pattern")),
                        context.text(p.child_by_field_name("type")),
                    )
                )
        self.fns.append(
            FnInfo(
                name=context.text(node.child_by_field_name("name")),
                line=node.start_point.row + 1,
                start_byte=node.start_byte,
                end_byte=node.end_byte,
                outer_start_byte=outer.start_byte,
                body_start_byte=body.start_byte,
                attributes=tuple(context.preceding_attributes(run)),
                abi=context.abi_of(node),
                is_unsafe=is_unsafe,
                in_trait_impl=in_trait_impl,
                doc=self._doc_above(run),
                params=tuple(params),
            )
        )

    def _doc_above(self, run: list[Node]) -> str:
        """The doc comments among the attributes and comments written on a fn (``run``,
        nearest first)."""
        lines: list[str] = []
        for sib in run:
            raw = context.text(sib)
            if sib.type != "attribute_item" and (raw.startswith(("///", "/**"))):
                body = re.sub(r"^(?:///|/\*\*)\s?|\*/$", "", raw.strip())
                lines.extend(reversed([ln.strip(" *") for ln in body.split("\n")]))
        lines.reverse()
        return "\n".join(lines)

    def _on_call(self, node: Node, owner: int, in_unsafe: bool) -> None:
        func = node.child_by_field_name("function")
        if func is None:
            return
        if func.type == "generic_function":
            func = func.child_by_field_name("function") or func
        if func.type == "field_expression":
            name = context.text(func.child_by_field_name("field"))
            callee = name
        else:
            callee = context.text(func)
            name = last_segment(callee)
        args_node = node.child_by_field_name("arguments")
        args = tuple(context.text(a) for a in args_node.named_children) if args_node else ()
        bound, discarded = use_of_value(node, _ancestors(self._anc, node))
        self.calls.append(
            Call(
                name,
                callee,
                args,
                bound,
                discarded,
                node.start_byte,
                node.end_byte,
                node.start_point.row + 1,
                owner,
            )
        )
        if name in ("as_ref", "as_mut") and func.type == "field_expression" and not args:
            value = func.child_by_field_name("value")
            self.derefs.append(
                Deref(
                    name,
                    context.text(value),
                    base_of(value) if value is not None else None,
                    in_unsafe,
                    node.start_byte,
                    node.start_point.row + 1,
                )
            )

    def _on_macro(self, node: Node, owner: int) -> None:
        mac = node.child_by_field_name("macro")
        callee = context.text(mac)
        name = last_segment(callee)
        bound, discarded = use_of_value(node, _ancestors(self._anc, node))
        self.calls.append(
            Call(
                name + "!",
                callee + "!",
                (),
                bound,
                discarded,
                node.start_byte,
                node.end_byte,
                node.start_point.row + 1,
                owner,
            )
        )
        if name in ("thread_local", "lazy_static"):
            self._cell_statics(node, name)

    def _cell_statics(self, node: Node, macro: str) -> None:
        tt = next((c for c in node.children if c.type == "token_tree"), None)
        if tt is None:
            return
        chunk = self.source[tt.start_byte : tt.end_byte]
        for m in _CELL_STATIC_RE.finditer(chunk):
            at = tt.start_byte + m.start()
            self.statics.append(
                StaticDecl(
                    m.group("name").decode(),
                    macro,
                    " ".join(m.group("type").decode("utf-8", "replace").split()),
                    self.line_of(at),
                    at,
                    tt.start_byte + m.end(),
                )
            )

    def _scan_macro_calls(self, start: int, end: int, owner: int) -> None:
        chunk = bytes(self.code[start:end])
        for m in re.finditer(rb"(?<![\w!])([A-Za-z_]\w*)\s*(!?)\s*(?:::\s*<[^()]*>\s*)?\(", chunk):
            word = m.group(1).decode()
            if word in ("fn", "if", "while", "match", "for", "return", "in", "as"):
                continue
            at = start + m.start()
            name = word + m.group(2).decode()
            self.calls.append(
                Call(
                    name,
                    name,
                    (),
                    None,
                    False,
                    at,
                    at + len(m.group(0)),
                    self.line_of(at),
                    owner,
                    True,
                )
            )
