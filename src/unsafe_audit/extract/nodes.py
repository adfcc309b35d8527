"""Small questions about syntax nodes that the walker asks of many sites, answered through an
:class:`~unsafe_audit.extract.ancestry.Ancestry` (never ``Node.parent``, which searches from the
root each time)."""

from __future__ import annotations

from tree_sitter import Node

from unsafe_audit.extract.ancestry import Ancestry


def _same(a: Node | None, b: Node) -> bool:
    return a is not None and a.start_byte == b.start_byte and a.end_byte == b.end_byte


def call_of(anc: Ancestry, node: Node) -> Node | None:
    """The call expression whose callee is ``node`` (possibly with turbofish), if any."""
    callee = node
    parent = anc.parent(node)
    if parent is not None and parent.type == "generic_function":
        callee, parent = parent, anc.parent(parent)
    if (
        parent is not None
        and parent.type == "call_expression"
        and _same(parent.child_by_field_name("function"), callee)
    ):
        return parent
    return None


def inside_use(anc: Ancestry, node: Node) -> bool:
    """True when ``node`` is part of a ``use`` declaration."""
    cur = anc.parent(node)
    for _ in range(12):
        if cur is None or cur.type in ("block", "source_file", "declaration_list"):
            return False
        if cur.type == "use_declaration":
            return True
        cur = anc.parent(cur)
    return False


def attributed_item(anc: Ancestry, attr: Node) -> Node:
    """The item an attribute is written on (or the attribute itself if there is none)."""
    attr_item = anc.parent(attr)
    if attr_item is None or attr_item.type != "attribute_item":
        return attr
    for sib in anc.next_named_siblings(attr_item):
        if sib.type not in ("attribute_item", "line_comment", "block_comment"):
            return sib
    return attr
