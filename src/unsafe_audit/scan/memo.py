"""Results already decoded or extracted in this process, by cache key (which includes the
path): the two sides of a diff share most files, and each is decoded or parsed once, cache or
not."""

from __future__ import annotations

from collections import OrderedDict

from unsafe_audit.model import FileResult
from unsafe_audit.scan.cache import decode

DECODED: OrderedDict[str, FileResult] = OrderedDict()
DECODED_MAX = 20_000
"""How many results are kept at most."""


def remember(key: str, result: FileResult) -> None:
    """Keep ``result`` for ``key``, forgetting the least recently kept beyond the bound."""
    DECODED[key] = result
    DECODED.move_to_end(key)
    if len(DECODED) > DECODED_MAX:
        DECODED.popitem(last=False)


def decode_or_none(path: str, data: str) -> FileResult | None:
    """A cached result, or None when the entry is damaged (then the file is parsed again)."""
    try:
        return decode(path, data)
    except (ValueError, KeyError, TypeError, IndexError):  # JSONDecodeError is a ValueError
        return None


def cached_result(key: str | None, path: str, hits: dict[str, str]) -> FileResult | None:
    """The result for ``key`` from this process's memory or from the cache rows fetched."""
    if key is None:
        return None
    found = DECODED.get(key)
    if found is None and key in hits:
        found = decode_or_none(path, hits[key])
        if found is not None:
            remember(key, found)
    return found
