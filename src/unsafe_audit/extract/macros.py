"""Macro token trees as code: tree-sitter keeps macro arguments and ``macro_rules!`` bodies as
flat token trees, so the walker re-parses each one inside small wrappers (as call arguments, as a
block, as items) and keeps the parse with the fewest errors. Offsets stay those of the file plus
a known shift.
"""

from __future__ import annotations

import re

from tree_sitter import Tree

from unsafe_audit.extract.parser import error_count, parse

WRAPPER_FNS = frozenset({"__ua_m"})
"""Names of the synthetic fns the wrappers add (left out of item paths)."""

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


def parse_token_tree(content: bytes, *, rules: bool) -> tuple[int, Tree, bytes, int]:
    """(error count, tree, wrapped bytes, wrapper prefix length) of the best wrapped parse of a
    token tree's content; ``rules`` for a ``macro_rules!`` body (metavariables neutralised)."""
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
    return best


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
