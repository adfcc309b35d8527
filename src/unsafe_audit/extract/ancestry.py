"""Parents, siblings and enclosing facts of the nodes around chosen byte offsets, found in one
walk instead of one walk per site.

A tree-sitter node keeps no parent pointer: ``Node.parent`` searches down from the root, and the
sibling accessors go through the parent and then along its children, so each call costs time in
proportion to the node's depth (and to the siblings before it). Asking them for every site, as
each site walked to the root for its item path, made extraction quadratic in the nesting depth of
a file, and cubic when every level held a site (3,000 nested blocks took minutes).

An :class:`Ancestry` walks one tree with one cursor, in byte order, down to each offset of a
batch (:meth:`~Ancestry.locate`), and records the parent of every node it passes; a batch costs
time in proportion to the nodes on the paths to its offsets, which the offsets share. What the
walker asks of a node (its item path, enclosing fn, whether it is in a macro...) is then worked
out once per node from its parent's answer (:meth:`~Ancestry.enclosing`), and siblings come from
the parent's list of children, made once per parent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tree_sitter import Node

from unsafe_audit.extract.context import item_name

_FNS = frozenset({"function_item", "function_signature_item"})
_MACRO_NODES = frozenset({"token_tree", "macro_rule", "macro_invocation"})
_STATEMENT_HOLDERS = frozenset({"block", "declaration_list", "source_file", "token_tree"})
_SIBLING_STEPS = 8
"""Siblings stepped over one by one before asking tree-sitter to search the parent's children
(sparse offsets among the thousands of items of a bindings file)."""
_MATCHER_PARTS = frozenset({"token_tree_pattern", "token_repetition_pattern"})


@dataclass(frozen=True, slots=True)
class Enclosing:
    """What surrounds one node (the node itself included), worked out from its parent's."""

    depth: int
    """How many ancestors the node has (0 for the root)."""
    item: tuple[str, ...]
    """Names of the items enclosing or being the node, outermost first (see
    :func:`~unsafe_audit.extract.context.item_name`; skipped names left out)."""
    fn: Node | None
    """The nearest fn item (with a body or not) containing or being the node."""
    in_macro: bool
    """True inside (or on) a token tree, a ``macro_rules!`` rule or a macro invocation."""
    statement: Node
    """The node's outermost ancestor (or itself) below a block, a declaration list, a token tree
    or the file: the statement or item holding it."""
    use: Node | None
    """The nearest ``use`` declaration containing or being the node."""
    outer_tree: Node | None
    """For a token tree: the outermost of the token trees it is nested in (itself if its parent
    is not one); for a part of a ``macro_rules!`` matcher (a token tree pattern or a repetition
    in one): the outermost such part; None for any other node."""


class Ancestry:
    """The parents of the nodes around chosen offsets of one tree, and what encloses them."""

    __slots__ = ("_children", "_enclosing", "_leaf", "_parent", "_root", "_skip", "_use")

    def __init__(self, root: Node, skip: frozenset[str] = frozenset()) -> None:
        """``skip``: item names left out of :attr:`Enclosing.item` (synthetic wrapper fns)."""
        self._root = root
        self._skip = skip
        self._parent: dict[int, Node | None] = {root.id: None}
        self._leaf: dict[int, Node] = {}
        self._enclosing: dict[int, Enclosing] = {}
        self._children: dict[int, tuple[list[Node], dict[int, int]]] = {}
        self._use: dict[int, Node | None] = {}

    # ------------------------------------------------------------------ the walk
    def locate(self, positions: Iterable[int]) -> None:
        """Walk down to each byte offset in ``positions`` (one walk, in offset order), so that
        :meth:`leaf_at` answers for it and the nodes on its path know their parents."""
        todo = sorted({p for p in positions if p not in self._leaf})
        if not todo:
            return
        root = self._root
        parent = self._parent
        leaf = self._leaf
        # A cursor, not Node.first_child_for_byte: on some trees with errors that returns a
        # node that crashes the process when a query runs from it (tree-sitter 0.25).
        cursor = root.walk()
        path = [root]
        for pos in todo:
            # Up (or right along a few siblings) until the path's last node ends after `pos`.
            # Offsets only grow, so every node on the path starts at or before `pos`, apart
            # from a last node that a gap before it left to the right of an earlier offset.
            steps = 0
            while len(path) > 1 and path[-1].end_byte <= pos:
                if steps < _SIBLING_STEPS and cursor.goto_next_sibling():
                    steps += 1
                    node = cursor.node
                    assert node is not None
                    parent[node.id] = path[-2]
                    path[-1] = node
                    continue
                # Far to the right: tree-sitter searches the parent's children for it.
                cursor.goto_parent()
                path.pop()
                if cursor.goto_first_child_for_byte(pos) is not None:
                    node = cursor.node
                    assert node is not None
                    parent[node.id] = path[-1]
                    path.append(node)
                    break
            # Down to the deepest node containing `pos`.
            top = path[-1]
            if top.start_byte > pos:  # in a gap between children: the parent holds it
                leaf[pos] = path[-2] if len(path) > 1 else top
                continue
            if top.end_byte > pos:
                # Each child found ends after `pos` (that is the search), so it holds `pos`
                # unless it starts after it: a gap, where `top` is the deepest holder.
                while cursor.goto_first_child_for_byte(pos) is not None:
                    node = cursor.node
                    assert node is not None
                    parent[node.id] = top
                    path.append(node)
                    if node.start_byte > pos:
                        break
                    top = node
            leaf[pos] = top

    def leaf_at(self, pos: int) -> Node:
        """The deepest node containing byte ``pos`` (located first if it was not); the root
        when none does. For one byte this is ``root.descendant_for_byte_range(pos, pos + 1)``."""
        found = self._leaf.get(pos)
        if found is None:
            self.locate((pos,))
            found = self._leaf[pos]
        return found

    def spanning(self, start: int, end: int) -> Node:
        """The smallest node containing bytes ``start`` to ``end`` (as
        ``root.descendant_for_byte_range(start, end)``, with ``end > start``)."""
        node = self.leaf_at(start)
        while node.end_byte < end:
            up = self.parent(node)
            if up is None:
                break
            node = up
        return node

    def attach(self, node: Node, ancestor: Node) -> None:
        """Record the parents of ``node`` and of the nodes between it and ``ancestor``, a node
        known to contain it (from a query pattern) whose own parent is known."""
        if node.id in self._parent or node.end_byte <= node.start_byte:
            return
        cursor = ancestor.walk()
        up = ancestor
        while up.id != node.id and cursor.goto_first_child_for_byte(node.start_byte) is not None:
            child = cursor.node
            assert child is not None
            if child.start_byte > node.start_byte:
                return  # not below `ancestor` after all: `parent` will search for it
            self._parent.setdefault(child.id, up)
            up = child

    def parent(self, node: Node) -> Node | None:
        """The node's parent, from the walk when it passed the node (a search from the root,
        once, when it did not)."""
        key = node.id
        if key in self._parent:
            return self._parent[key]
        found = node.parent
        self._parent[key] = found
        return found

    # ------------------------------------------------------------------ siblings
    def _siblings(self, node: Node) -> tuple[list[Node], int] | None:
        up = self.parent(node)
        if up is None:
            return None
        known = self._children.get(up.id)
        if known is None:
            children = up.children
            index = {c.id: i for i, c in enumerate(children)}
            for c in children:
                self._parent.setdefault(c.id, up)
            known = self._children[up.id] = (children, index)
        children, index = known
        i = index.get(node.id)
        return None if i is None else (children, i)

    def next_sibling(self, node: Node) -> Node | None:
        """``node.next_sibling``."""
        found = self._siblings(node)
        if found is None:
            return None
        children, i = found
        return children[i + 1] if i + 1 < len(children) else None

    def prev_named_siblings(self, node: Node) -> Iterable[Node]:
        """The named siblings before ``node``, nearest first (``prev_named_sibling`` again and
        again)."""
        found = self._siblings(node)
        if found is None:
            return ()
        children, i = found
        return (children[k] for k in range(i - 1, -1, -1) if children[k].is_named)

    def next_named_siblings(self, node: Node) -> Iterable[Node]:
        """The named siblings after ``node``, nearest first."""
        found = self._siblings(node)
        if found is None:
            return ()
        children, i = found
        return (children[k] for k in range(i + 1, len(children)) if children[k].is_named)

    # ------------------------------------------------------------------ enclosing facts
    def enclosing(self, node: Node) -> Enclosing:
        """What surrounds ``node``, worked out once per node from its parent's answer."""
        memo = self._enclosing
        found = memo.get(node.id)
        if found is not None:
            return found
        # The ancestors not worked out yet, innermost first; then down from the known one.
        chain = [node]
        up = self.parent(node)
        while up is not None and up.id not in memo:
            chain.append(up)
            up = self.parent(up)
        outer = memo[up.id] if up is not None else None
        for cur in reversed(chain):
            outer = memo[cur.id] = self._step(cur, up, outer)
            up = cur
        assert outer is not None
        return outer

    def _step(self, node: Node, parent: Node | None, outer: Enclosing | None) -> Enclosing:
        kind = node.type
        name = item_name(node, self._skip)
        if outer is None or parent is None:  # the root
            return Enclosing(
                depth=0,
                item=() if name is None else (name,),
                fn=node if kind in _FNS else None,
                in_macro=kind in _MACRO_NODES,
                statement=node,
                use=node if kind == "use_declaration" else None,
                outer_tree=node if kind == "token_tree" or kind in _MATCHER_PARTS else None,
            )
        tree = None
        if kind == "token_tree":
            tree = outer.outer_tree if parent.type == "token_tree" else node
        elif kind in _MATCHER_PARTS:
            tree = outer.outer_tree if parent.type in _MATCHER_PARTS else node
        return Enclosing(
            depth=outer.depth + 1,
            item=outer.item if name is None else (*outer.item, name),
            fn=node if kind in _FNS else outer.fn,
            in_macro=outer.in_macro or kind in _MACRO_NODES,
            statement=node if parent.type in _STATEMENT_HOLDERS else outer.statement,
            use=node if kind == "use_declaration" else outer.use,
            outer_tree=tree,
        )

    def match_roots(self, pos: int, *, with_use: bool) -> tuple[Node, Node | None]:
        """Where to run a query whose patterns are rooted at the parent or grandparent of
        their keyword, the node at byte ``pos``: that grandparent (or the highest of the two
        when the tree is shallower); and (``with_use``) the ``use`` declaration around it."""
        leaf = node = self.leaf_at(pos)
        for _ in range(2):
            up = self.parent(node)
            if up is None:
                break
            node = up
        return node, (self.use_around(leaf) if with_use else None)

    def use_around(self, node: Node) -> Node | None:
        """The nearest ``use`` declaration containing or being ``node`` (once per node, like
        :meth:`enclosing`, but without the rest of its facts)."""
        memo = self._use
        chain = []
        cur: Node | None = node
        while cur is not None and cur.id not in memo:
            chain.append(cur)
            cur = self.parent(cur)
        found = memo[cur.id] if cur is not None else None
        for n in reversed(chain):
            if n.type == "use_declaration":
                found = n
            memo[n.id] = found
        return found
