"""Which argument asks for a NULL result that the contracts table records as ``flag``.

``null = flag`` means the function returns NULL only when its caller asks: a bit of a flags
parameter (``format_type_extended(.., FORMAT_TYPE_INVALID_AS_NULL)``, ``palloc_extended(..,
MCXT_ALLOC_NO_OOM)``) or a bool parameter such as ``missing_ok``.  The first step of the NULL
evidence names it, as ``when flags&FSV_MISSING_OK@foreign.c:136`` or ``when missing_ok@...``;
this module finds that parameter's position in the C signature so that a rule can read the
argument a call passes there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unsafe_audit.contracts.table import MajorFacts

__all__ = ["NullGuard", "null_guard", "parameters"]

_GUARD = re.compile(r"^when (?P<param>\w+)(?:&(?P<flag>\w+))?@")
_FN_POINTER = re.compile(r"\(\s*\*\s*(\w+)\s*\)")
_LAST_NAME = re.compile(r"(\w+)\s*(?:\[[^\]]*\]\s*)*$")


@dataclass(frozen=True)
class NullGuard:
    """The argument a caller sets to ask for a ``flag`` NULL result."""

    param: str
    """The parameter as the C definition names it (``flags``, ``missing_ok``)."""
    index: int
    """Its position among a call's arguments, 0 first."""
    flag: str | None
    """The bit of it that asks (``FSV_MISSING_OK``); None for a bool or pointer parameter,
    which asks whenever it is not false (or NULL)."""


def parameters(signature: str) -> list[str]:
    """The parameter names of a C definition's head, in order (``[]`` for ``(void)``; a
    parameter without a name is ``""``)."""
    open_at, close_at = signature.find("("), signature.rfind(")")
    if open_at < 0 or close_at < open_at:
        return []
    inner = signature[open_at + 1 : close_at]
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(inner):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    names: list[str] = []
    for part in (p.strip() for p in parts):
        pointer = _FN_POINTER.search(part)
        last = _LAST_NAME.search(part)
        names.append(pointer.group(1) if pointer else last.group(1) if last else "")
    return [] if names == ["void"] else names


def null_guard(facts: MajorFacts) -> NullGuard | None:
    """The guard of a ``flag`` NULL result, or None when the facts are not ``flag`` or the
    guard's parameter is not in the signature."""
    if facts.returns_null != "flag" or not facts.null_evidence:
        return None
    hit = _GUARD.match(facts.null_evidence[0])
    if hit is None:
        return None
    names = parameters(facts.signature)
    if hit.group("param") not in names:
        return None
    return NullGuard(hit.group("param"), names.index(hit.group("param")), hit.group("flag"))
