"""Tree-sitter setup: the Rust language, a parser per process, and the compiled queries."""

from __future__ import annotations

import functools
from importlib import resources

import tree_sitter_rust
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

RUST = Language(tree_sitter_rust.language())


@functools.cache
def _parser() -> Parser:
    return Parser(RUST)


@functools.cache
def query(name: str) -> Query:
    """The compiled query ``queries/<name>.scm`` (package data), compiled once per process."""
    text = resources.files("unsafe_audit.extract").joinpath("queries", f"{name}.scm").read_text()
    return Query(RUST, text)


def parse(source: bytes) -> Tree:
    """Parse Rust source bytes."""
    return _parser().parse(source)


def captures(query_name: str, node: Node) -> dict[str, list[Node]]:
    """Run a query over ``node`` and return its captures by name."""
    return QueryCursor(query(query_name)).captures(node)


def error_count(tree: Tree) -> int:
    """How many ERROR or MISSING nodes the tree has (0 for a clean parse)."""
    if not tree.root_node.has_error:
        return 0
    count = 0
    cursor = tree.walk()
    stack = [tree.root_node]
    del cursor
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
