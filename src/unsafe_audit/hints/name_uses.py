"""Where local names occur in a file, grouped by the fn that holds each occurrence, found in one
pass over the file's code (comments and string literals blanked), so a rule that follows many
``let`` bindings stays linear in the file's size.

An occurrence is a whole word not written as a field (``.name``), a path segment (``a::name``,
``name::x``) or a macro name (``name!``); occurrences inside macro arguments count, as the
syntax view sees no names there.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from unsafe_audit.extract.syntax import RustSyntax

_CHUNK = 400
"""Names per alternation: Python's regex compiles a huge alternation slowly."""


@dataclass(slots=True)
class NameUses:
    """Occurrences of each asked name in each fn: ``(fn start byte, name) -> offsets``."""

    code: bytes
    """The file's code, comments and literals blanked (offsets as in the source)."""
    by_fn: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    """Offsets of each name's occurrences in each fn, ascending."""

    def after(self, fn_start: int, name: str, byte: int) -> list[int]:
        """Occurrences of ``name`` in the fn starting at ``fn_start``, at or after ``byte``."""
        offsets = self.by_fn.get((fn_start, name), [])
        return offsets[bisect.bisect_left(offsets, byte) :]

    def between(self, fn_start: int, name: str, start: int, end: int) -> list[int]:
        """Occurrences of ``name`` in the fn in ``[start, end)``."""
        offsets = self.by_fn.get((fn_start, name), [])
        return offsets[bisect.bisect_left(offsets, start) : bisect.bisect_left(offsets, end)]

    def line_before(self, at: int) -> bytes:
        """The code from the start of ``at``'s line up to ``at``."""
        return self.code[self.code.rfind(b"\n", 0, at) + 1 : at]

    def rest_of_line(self, at: int) -> bytes:
        """The code from ``at`` to the end of its line."""
        end = self.code.find(b"\n", at)
        return self.code[at : end if end >= 0 else len(self.code)]


def find_uses(syntax: RustSyntax, names: Collection[str]) -> NameUses:
    """Every occurrence of ``names`` inside a fn of the file."""
    code = syntax.code
    uses = NameUses(code)
    ordered = sorted({n for n in names if n.isidentifier()})
    for k in range(0, len(ordered), _CHUNK):
        words = b"|".join(re.escape(n.encode()) for n in ordered[k : k + _CHUNK])
        pattern = re.compile(rb"(?<![\w.])(?<!::)(?:" + words + rb")\b(?!\s*(?:::|!))")
        for m in pattern.finditer(code):
            fn = syntax.enclosing_fn(m.start())
            if fn is not None:
                key = (fn.start_byte, m.group().decode())
                uses.by_fn.setdefault(key, []).append(m.start())
    for offsets in uses.by_fn.values():
        offsets.sort()
    return uses
