"""Locate the syntax nodes that may be sites, without walking the whole tree.

A tree-sitter query visits every node of a file on each run (about 0.1 s for one 2 MB bindings
file, whatever the pattern), while sites sit on a few keywords: ``unsafe``, ``extern``,
``pg_sys``, a macro's ``!``. So a byte regex finds those words and
``descendant_for_byte_range`` fetches the leaf under each, which costs time in proportion to the
number of candidates. Leaves in comments or strings are of other node types and fall away when
the walker classifies them by their parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

_MACRO_BANG_RE = re.compile(rb"!\s*[(\[{]")
_FN_NAME_RE = re.compile(rb"\bfn\s+([A-Za-z_]\w*)")
_CALLISH_RE = re.compile(rb"\b([A-Za-z_]\w*)\s*(?:\(|::\s*<)")


@dataclass(slots=True)
class Candidates:
    """Nodes that may be sites in one parsed buffer, by role."""

    unsafe_positions: list[int] = field(default_factory=list)
    """Byte offsets of every whole-word ``unsafe`` in the buffer (comments and strings too)."""
    unsafe_keywords: list[Node] = field(default_factory=list)
    """``unsafe`` keyword leaves (items, blocks, fn-pointer types, token trees)."""
    unsafe_attributes: list[Node] = field(default_factory=list)
    """The identifier ``unsafe`` that is the path of an attribute: ``#[unsafe(no_mangle)]``."""
    extern_blocks: list[Node] = field(default_factory=list)
    """``extern "ABI" { .. }`` blocks, with or without ``unsafe``."""
    pg_sys_paths: list[Node] = field(default_factory=list)
    """``scoped_identifier`` nodes whose path ends in ``pg_sys`` (``pg_sys::f``)."""
    uses: list[Node] = field(default_factory=list)
    """``use`` declarations that mention pg_sys."""
    macro_args: list[Node] = field(default_factory=list)
    """Token trees of macro invocations."""
    macro_bodies: list[Node] = field(default_factory=list)
    """Right-hand token trees of ``macro_rules!`` rules."""


def _leaves(root: Node, data: bytes, pattern: re.Pattern[bytes]) -> Iterator[Node]:
    for m in pattern.finditer(data):
        node = root.descendant_for_byte_range(m.start(), m.start() + 1)
        if node is not None:
            yield node


def _is_word_byte(b: int) -> bool:
    return b == 95 or 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b >= 128


def word_positions(data: bytes, word: bytes) -> list[int]:
    """Offsets of each whole-word occurrence of ``word`` (``bytes.find`` is far faster than a
    ``\\b`` regex over megabytes)."""
    n = len(word)
    found = []
    pos = data.find(word)
    while pos >= 0:
        end = pos + n
        if (pos == 0 or not _is_word_byte(data[pos - 1])) and (
            end >= len(data) or not _is_word_byte(data[end])
        ):
            found.append(pos)
        pos = data.find(word, end)
    return found


def _leaves_at(root: Node, positions: Iterable[int]) -> Iterator[Node]:
    for pos in positions:
        node = root.descendant_for_byte_range(pos, pos + 1)
        if node is not None:
            yield node


def _word_leaves(root: Node, data: bytes, word: bytes) -> Iterator[Node]:
    return _leaves_at(root, word_positions(data, word))


def _dedupe(nodes: Iterable[Node]) -> list[Node]:
    seen: set[tuple[int, int, str]] = set()
    out: list[Node] = []
    for n in nodes:
        key = (n.start_byte, n.end_byte, n.type)
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out


def scoped_path_at(ident: Node) -> Node | None:
    """For an identifier that is a module segment (``pg_sys`` or an alias) of a path, the
    ``scoped_identifier`` whose *name* is the item reached through that module."""
    parent = ident.parent
    if parent is None or parent.type != "scoped_identifier":
        return None
    path = parent.child_by_field_name("path")
    if path is not None and path.start_byte == ident.start_byte and path.end_byte == ident.end_byte:
        return parent  # `pg_sys::f`
    name = parent.child_by_field_name("name")
    if name is not None and name.start_byte == ident.start_byte:
        outer = parent.parent  # `pgrx::pg_sys` is the path of `pgrx::pg_sys::f`
        if outer is not None and outer.type == "scoped_identifier":
            outer_path = outer.child_by_field_name("path")
            if outer_path is not None and outer_path.start_byte == parent.start_byte:
                return outer
    return None


def locate(root: Node, data: bytes) -> Candidates:
    """Every candidate node in a buffer's tree (``data`` is the buffer's bytes)."""
    found = Candidates()
    found.unsafe_positions = word_positions(data, b"unsafe")
    for node in _leaves_at(root, found.unsafe_positions):
        if node.type == "unsafe":
            found.unsafe_keywords.append(node)
        elif node.type == "identifier" and node.parent and node.parent.type == "attribute":
            found.unsafe_attributes.append(node)
    if b"extern" in data:
        blocks = []
        for node in _word_leaves(root, data, b"extern"):
            modifier = node.parent
            if modifier is not None and modifier.type == "extern_modifier":
                block = modifier.parent
                if block is not None and block.type == "foreign_mod_item":
                    blocks.append(block)
        found.extern_blocks = _dedupe(blocks)
    if b"pg_sys" in data:
        paths, uses = [], []
        for node in _word_leaves(root, data, b"pg_sys"):
            if node.type != "identifier":
                continue
            path = scoped_path_at(node)
            if path is not None:
                paths.append(path)
            use = _enclosing_use(node)
            if use is not None:
                uses.append(use)
        found.pg_sys_paths = _dedupe(paths)
        found.uses = _dedupe(uses)
    if b"!" in data:
        args: list[Node] = []
        for node in _leaves(root, data, _MACRO_BANG_RE):
            inv = node.parent
            if node.type == "!" and inv is not None and inv.type == "macro_invocation":
                tt = next((c for c in inv.children if c.type == "token_tree"), None)
                if tt is not None:
                    args.append(tt)
        found.macro_args = _dedupe(args)
        bodies: list[Node] = []
        for node in _word_leaves(root, data, b"macro_rules") if b"macro_rules" in data else ():
            definition = node.parent
            if definition is None or definition.type != "macro_definition":
                continue
            for rule in definition.named_children:
                if rule.type == "macro_rule":
                    right = rule.child_by_field_name("right")
                    if right is not None:
                        bodies.append(right)
        found.macro_bodies = _dedupe(bodies)
    return found


def fn_names(data: bytes) -> set[str]:
    """Names of the fns defined in ``data`` (they shadow glob-imported pg_sys names)."""
    return {m.group(1).decode() for m in _FN_NAME_RE.finditer(data)}


def _enclosing_use(node: Node) -> Node | None:
    cur = node.parent
    for _ in range(12):
        if cur is None or cur.type in ("block", "source_file", "declaration_list", "token_tree"):
            return None
        if cur.type == "use_declaration":
            return cur
        cur = cur.parent
    return None


def identifiers_named(root: Node, data: bytes, names: Iterable[str]) -> list[Node]:
    """Identifier leaves whose text is one of ``names`` (outside comments and strings)."""
    wanted = sorted(set(names), key=len, reverse=True)
    if not wanted:
        return []
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in wanted) + rb")\b")
    return [n for n in _leaves(root, data, pattern) if n.type == "identifier"]


def alias_paths(root: Node, data: bytes, aliases: Iterable[str]) -> list[Node]:
    """``scoped_identifier`` nodes reached through a pg_sys alias: ``sys::f``."""
    out = []
    for ident in identifiers_named(root, data, aliases):
        path = scoped_path_at(ident)
        if path is not None:
            out.append(path)
    return _dedupe(out)


def callable_identifiers(root: Node, data: bytes, names: frozenset[str]) -> list[Node]:
    """Identifier leaves followed by ``(`` or ``::<`` whose text is in ``names``."""
    out = []
    for m in _CALLISH_RE.finditer(data):
        if m.group(1).decode("utf-8", "replace") in names:
            node = root.descendant_for_byte_range(m.start(1), m.start(1) + 1)
            if node is not None and node.type == "identifier":
                out.append(node)
    return out
