"""Locate the syntax nodes that may be sites, with the tree-sitter queries in ``queries/``.

The queries (``.scm`` package data) say what each keyword belongs to: ``unsafe.scm`` whether an
``unsafe`` opens a block, a fn, an impl, a trait, an extern block or an attribute, or is part of a
fn-pointer type; ``extern.scm``, ``module_paths.scm`` and ``macros.scm`` the FFI blocks and extern
fns, the paths through ``pg_sys`` and the token trees to re-parse. A query run over a whole tree
visits every node (about 0.09 s for one 2 MB bindings file, whatever the pattern), while sites sit
on a few words. So a byte search finds those words first, and each query runs only over the byte
range of one word (``QueryCursor.set_byte_range``), which costs time in proportion to the number of
words. A match counts only when its ``@keyword`` capture is the word found: matches of enclosing
nodes that merely overlap the range fall away, and so do words in comments and strings, which no
pattern matches.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node, Query, QueryCursor

from unsafe_audit.extract.ancestry import Ancestry
from unsafe_audit.extract.parser import RUST
from unsafe_audit.extract.query_files import QUERY_DIR

_MACRO_BANG_RE = re.compile(rb"!\s*[(\[{]")
_FN_NAME_RE = re.compile(rb"\bfn\s+([A-Za-z_]\w*)")
_CALLISH_RE = re.compile(rb"\b([A-Za-z_]\w*)\s*(?:\(|::\s*<)")


@functools.cache
def query(name: str) -> Query:
    """The compiled query ``queries/<name>.scm``."""
    return Query(RUST, (QUERY_DIR / f"{name}.scm").read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Owned:
    """An ``unsafe`` keyword and the node that owns it, as ``unsafe.scm`` names it."""

    role: str
    """The capture name: ``unsafe_block``, ``unsafe_fn``, ``fn_pointer_type``, ``token_tree``..."""
    owner: Node
    keyword: Node


@dataclass(slots=True)
class Candidates:
    """Nodes that may be sites in one parsed buffer, by role."""

    unsafe_positions: list[int] = field(default_factory=list)
    """Byte offsets of every whole-word ``unsafe`` in the buffer (comments and strings too)."""
    unsafe_owners: list[Owned] = field(default_factory=list)
    """Each ``unsafe`` in code, with what owns it (items, blocks, fn-pointer types, token trees,
    and ``#[unsafe(..)]`` attributes)."""
    extern_blocks: list[Node] = field(default_factory=list)
    """``extern "ABI" { .. }`` blocks, with or without ``unsafe``."""
    extern_fns: list[Node] = field(default_factory=list)
    """``extern "ABI" fn`` definitions (a body, no ``unsafe``, an ABI other than Rust's)."""
    pg_sys_paths: list[Node] = field(default_factory=list)
    """``scoped_identifier`` nodes whose path ends in ``pg_sys`` (``pg_sys::f``)."""
    uses: list[Node] = field(default_factory=list)
    """``use`` declarations that mention pg_sys."""
    macro_args: list[Node] = field(default_factory=list)
    """Token trees of macro invocations."""
    macro_bodies: list[Node] = field(default_factory=list)
    """Right-hand token trees of ``macro_rules!`` rules."""


def keyword_matches(
    name: str, anc: Ancestry, positions: Sequence[int], *, use_patterns: bool = False
) -> Iterator[dict[str, list[Node]]]:
    """The matches of query ``name`` whose ``@keyword`` starts at one of ``positions``, plus
    (``use_patterns``: the query has a pattern that is a ``use`` declaration, with no
    ``@keyword``) the single-node captures that contain a position; position by position, in
    the order given."""
    anc.locate(positions)
    wanted = sorted(set(positions))
    found: dict[int, list[dict[str, list[Node]]]] = {}
    # Every pattern is rooted at the parent or the grandparent of its @keyword, the word's own
    # node (or is a `use` declaration around it). So the query runs only from grandparents
    # (patterns rooted there or one level down) and use declarations (rooted there), each once:
    # it steps over neither the items of a bindings file, nor the levels of a deeply nested
    # one, nor (once per word) the thousands of siblings in a flat token tree or error node.
    near, at_use = QueryCursor(query(name)), QueryCursor(query(name))
    near.set_max_start_depth(1)
    at_use.set_max_start_depth(0)
    done: set[tuple[int, bool]] = set()
    seen: set[tuple[tuple[str, int], ...]] = set()  # runs from nested roots overlap
    for pos in positions:
        grandparent, use = anc.match_roots(pos, with_use=use_patterns)
        for cursor, root in ((near, grandparent), (at_use, use)):
            if root is None or (root.id, cursor is near) in done:
                continue
            done.add((root.id, cursor is near))
            for _, captures in cursor.matches(root):
                key = tuple(sorted((k, v[0].id) for k, v in captures.items()))
                if key in seen:
                    continue
                seen.add(key)
                keyword = captures.get("keyword")
                if keyword is not None:
                    if keyword[0].start_byte in found or _has(wanted, keyword[0].start_byte):
                        found.setdefault(keyword[0].start_byte, []).append(captures)
                    continue
                node = next(iter(captures.values()))[0]
                lo = bisect.bisect_left(wanted, node.start_byte)
                for at in wanted[lo : bisect.bisect_left(wanted, node.end_byte, lo)]:
                    found.setdefault(at, []).append(captures)
    for pos in positions:
        yield from found.get(pos, ())


def _has(sorted_values: list[int], value: int) -> bool:
    i = bisect.bisect_left(sorted_values, value)
    return i < len(sorted_values) and sorted_values[i] == value


def _role(captures: dict[str, list[Node]]) -> tuple[str, Node]:
    return next((k, v[0]) for k, v in captures.items() if k != "keyword")


def _leaves(anc: Ancestry, data: bytes, pattern: re.Pattern[bytes]) -> Iterator[Node]:
    positions = [m.start() for m in pattern.finditer(data)]
    anc.locate(positions)
    for pos in positions:
        yield anc.leaf_at(pos)


def is_word_byte(b: int) -> bool:
    """True for a byte that can be part of an identifier (any byte of a non-ASCII one)."""
    return b == 95 or 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b >= 128


def word_positions(data: bytes, word: bytes) -> list[int]:
    """Offsets of each whole-word occurrence of ``word`` (``bytes.find`` is far faster than a
    ``\\b`` regex over megabytes)."""
    n = len(word)
    found = []
    pos = data.find(word)
    while pos >= 0:
        end = pos + n
        if (pos == 0 or not is_word_byte(data[pos - 1])) and (
            end >= len(data) or not is_word_byte(data[end])
        ):
            found.append(pos)
        pos = data.find(word, end)
    return found


def _dedupe(nodes: Iterable[Node]) -> list[Node]:
    seen: set[tuple[int, int, str]] = set()
    out: list[Node] = []
    for n in nodes:
        key = (n.start_byte, n.end_byte, n.type)
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out


def locate(anc: Ancestry, data: bytes) -> Candidates:
    """Every candidate node in a buffer's tree (``data`` is the buffer's bytes)."""
    found = Candidates()
    found.unsafe_positions = word_positions(data, b"unsafe")
    extern_positions = word_positions(data, b"extern") if b"extern" in data else []
    pg_sys_positions = word_positions(data, b"pg_sys") if b"pg_sys" in data else []
    bangs = [m.start() for m in _MACRO_BANG_RE.finditer(data)] if b"!" in data else []
    if b"!" in data and b"macro_rules" in data:
        bangs = sorted(bangs + word_positions(data, b"macro_rules"))
    # One walk down to every word the queries start from.
    anc.locate([*found.unsafe_positions, *extern_positions, *pg_sys_positions, *bangs])
    for captures in keyword_matches("unsafe", anc, found.unsafe_positions):
        role, owner = _role(captures)
        found.unsafe_owners.append(Owned(role, owner, captures["keyword"][0]))
    if extern_positions:
        blocks, fns = [], []
        for captures in keyword_matches("extern", anc, extern_positions):
            if "extern_block" in captures:
                blocks.append(captures["extern_block"][0])
            else:
                fn = anc.parent(captures["extern_fn"][0])
                if fn is not None and _is_extern_fn_definition(fn, captures["extern_fn"][0]):
                    fns.append(fn)
        found.extern_blocks = _dedupe(blocks)
        found.extern_fns = _dedupe(fns)
    if pg_sys_positions:
        paths, uses = [], []
        for captures in keyword_matches("module_paths", anc, pg_sys_positions, use_patterns=True):
            if "path" in captures:
                paths.append(captures["path"][0])
            elif "use" in captures:
                uses.append(captures["use"][0])
        found.pg_sys_paths = _dedupe(paths)
        found.uses = _dedupe(uses)
    if bangs:
        args: list[Node] = []
        bodies: list[Node] = []
        for captures in keyword_matches("macros", anc, bangs):
            role, tree = _role(captures)
            # The token tree is a child of the keyword's parent (a macro invocation), or a
            # grandchild through a rule (a macro definition): record its parents.
            invocation = anc.parent(captures["keyword"][0])
            if invocation is not None:
                anc.attach(tree, invocation)
            (args if role == "macro_args" else bodies).append(tree)
        found.macro_args = _dedupe(args)
        found.macro_bodies = _dedupe(bodies)
    return found


_RUST_ABIS = frozenset({b'"Rust"', b'"rust-call"'})
"""ABIs that keep Rust's calling convention: a fn written with them is no FFI entry point."""


def _is_extern_fn_definition(fn: Node, modifiers: Node) -> bool:
    """True when ``modifiers`` (``extern "C"``) belong to a fn item with a body, not to a
    fn-pointer type or a declaration, with no ``unsafe`` (an unsafe fn is a site of its own)
    and a foreign ABI (``extern fn`` without one is ``extern "C"``)."""
    if fn.type != "function_item" or any(c.type == "unsafe" for c in modifiers.children):
        return False
    for extern in modifiers.children:
        if extern.type == "extern_modifier":
            abi = next((c for c in extern.named_children if c.type == "string_literal"), None)
            return abi is None or abi.text not in _RUST_ABIS
    return False


def fn_names(data: bytes) -> set[str]:
    """Names of the fns defined in ``data`` (they shadow glob-imported pg_sys names)."""
    return {m.group(1).decode() for m in _FN_NAME_RE.finditer(data)}


def identifiers_named(anc: Ancestry, data: bytes, names: Iterable[str]) -> list[Node]:
    """Identifier leaves whose text is one of ``names`` (outside comments and strings)."""
    pattern = _words_re(names)
    if pattern is None:
        return []
    return [n for n in _leaves(anc, data, pattern) if n.type == "identifier"]


def _words_re(names: Iterable[str]) -> re.Pattern[bytes] | None:
    """A regex for any of ``names`` as a whole word (longest first), or None for no names."""
    wanted = sorted(set(names), key=len, reverse=True)
    if not wanted:
        return None
    return re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in wanted) + rb")\b")


def alias_paths(anc: Ancestry, data: bytes, aliases: Iterable[str]) -> list[Node]:
    """``scoped_identifier`` nodes reached through a pg_sys alias: ``sys::f``."""
    pattern = _words_re(aliases)
    if pattern is None:
        return []
    positions = [m.start() for m in pattern.finditer(data)]
    matches = keyword_matches("module_paths", anc, positions, use_patterns=True)
    return _dedupe(c["path"][0] for c in matches if "path" in c)


def callable_identifiers(anc: Ancestry, data: bytes, names: frozenset[str]) -> list[Node]:
    """Identifier leaves followed by ``(`` or ``::<`` whose text is in ``names``."""
    positions = [
        m.start(1)
        for m in _CALLISH_RE.finditer(data)
        if m.group(1).decode("utf-8", "replace") in names
    ]
    anc.locate(positions)
    return [node for node in map(anc.leaf_at, positions) if node.type == "identifier"]
