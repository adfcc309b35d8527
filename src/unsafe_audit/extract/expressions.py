"""What the syntax walk asks of one expression node: is it an unsafe fn, which pointer it
starts from, and where its value goes."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from unsafe_audit.extract import context

_POINTER_STEPS = frozenset({"add", "offset", "sub", "wrapping_add", "byte_add", "cast", "cast_mut"})


def is_unsafe_fn(node: Node) -> bool:
    for child in node.children:
        if child.type == "function_modifiers":
            return any(m.type == "unsafe" for m in child.children)
    return False


def base_of(node: Node | None) -> str | None:
    """The variable or path a pointer expression starts from: ``p`` for ``p``, ``p.add(1)``,
    ``p.offset(i)``, ``(p)``, ``p as *mut T``, ``s.field``; None when it starts with another
    deref, a call or anything else."""
    cur = node
    while cur is not None:
        kind = cur.type
        if kind in ("identifier", "scoped_identifier", "self"):
            return context.text(cur)
        if kind == "parenthesized_expression":
            cur = cur.named_children[0] if cur.named_children else None
        elif kind == "type_cast_expression" or kind == "field_expression":
            cur = cur.child_by_field_name("value")
        elif kind == "call_expression":
            func = cur.child_by_field_name("function")
            if func is None or func.type != "field_expression":
                return None
            method = context.text(func.child_by_field_name("field"))
            if method not in _POINTER_STEPS:
                return None
            cur = func.child_by_field_name("value")
        else:
            return None
    return None


def use_of_value(node: Node, ancestors: Iterator[Node]) -> tuple[str | None, bool]:
    """Where a call's value goes: the name a ``let``/assignment binds it to, and whether it is
    thrown away as a statement. Looks through ``unsafe { .. }``, casts and parentheses.
    ``ancestors`` are the node's ancestors, innermost first."""
    cur = node
    parent = next(ancestors, None)
    while parent is not None:
        kind = parent.type
        if kind in ("parenthesized_expression", "type_cast_expression", "try_expression"):
            pass
        elif kind == "block":
            holder = next(ancestors, None)
            if holder is None or holder.type != "unsafe_block":
                return None, False
            if parent.named_children and parent.named_children[-1] != cur:
                return None, True  # a statement in the block: thrown away
            parent = holder
        elif kind == "let_declaration":
            pattern = parent.child_by_field_name("pattern")
            name = context.text(pattern) if pattern is not None else ""
            return (name or None), False
        elif kind == "assignment_expression":
            return context.text(parent.child_by_field_name("left")) or None, False
        elif kind == "expression_statement":
            return None, True
        else:
            return None, False
        cur = parent
        parent = next(ancestors, None)
    return None, False
