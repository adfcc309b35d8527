"""Small questions about syntax nodes that the walker asks of many sites."""

from __future__ import annotations

from tree_sitter import Node


def _same(a: Node | None, b: Node) -> bool:
    return a is not None and a.start_byte == b.start_byte and a.end_byte == b.end_byte


def call_of(node: Node) -> Node | None:
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


def inside_use(node: Node) -> bool:
    """True when ``node`` is part of a ``use`` declaration."""
    cur = node.parent
    for _ in range(12):
        if cur is None or cur.type in ("block", "source_file", "declaration_list"):
            return False
        if cur.type == "use_declaration":
            return True
        cur = cur.parent
    return False


def attributed_item(attr: Node) -> Node:
    """The item an attribute is written on (or the attribute itself if there is none)."""
    attr_item = attr.parent
    if attr_item is None or attr_item.type != "attribute_item":
        return attr
    sib = attr_item.next_named_sibling
    while sib is not None and sib.type in ("attribute_item", "line_comment", "block_comment"):
        sib = sib.next_named_sibling
    return sib if sib is not None else attr


def in_macro(node: Node) -> bool:
    """True inside a macro invocation or a ``macro_rules!`` rule."""
    cur: Node | None = node
    while cur is not None:
        if cur.type in ("token_tree", "macro_rule", "macro_invocation"):
            return True
        cur = cur.parent
    return False
