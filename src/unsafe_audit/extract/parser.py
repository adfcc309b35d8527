"""Tree-sitter setup: the Rust language, a parser per process, and the one way a file is parsed."""

from __future__ import annotations

import functools

import tree_sitter_rust
from tree_sitter import Language, Node, Parser, Tree

from unsafe_audit.extract.masking import mask_safe_qualifier

RUST = Language(tree_sitter_rust.language())


@functools.cache
def _parser() -> Parser:
    return Parser(RUST)


def parse(source: bytes) -> Tree:
    """Parse Rust source bytes as they are (macro token trees in their wrappers, say)."""
    return _parser().parse(source)


def parse_file(data: bytes) -> Tree:
    """Parse a whole file's bytes, as the site walker and :class:`RustSyntax` both read it:
    edition 2024's ``safe`` qualifier blanked (offsets unchanged) so extern blocks parse."""
    return _parser().parse(mask_safe_qualifier(data))


def error_count(tree: Tree) -> int:
    """How many ERROR or MISSING nodes the tree has (0 for a clean parse)."""
    if not tree.root_node.has_error:
        return 0
    count = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.is_error or node.is_missing:
            count += 1
            continue
        stack.extend(node.children)
    return count


def first_error(tree: Tree) -> Node | None:
    """The first ERROR or MISSING node in source order, if any."""
    node = tree.root_node
    if not node.has_error:
        return None
    while True:
        for child in node.children:
            if child.has_error or child.is_error or child.is_missing:
                if child.is_error or child.is_missing:
                    return child
                node = child
                break
        else:
            return node
