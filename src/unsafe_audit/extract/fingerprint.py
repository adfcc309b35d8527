"""The identity recipe: a site's token hash, its edition-neutral hash and its id, in one place.

Pure (no tree-sitter). A site's id hashes its kind, crate, item path, token hash and how many
sites with those four came before it in the file, so whitespace, comments and line moves never
change an id, while any change to a token does (see :mod:`unsafe_audit.extract.tokens`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from unsafe_audit.extract.edition2024 import edition_neutral_joined, only_unwraps
from unsafe_audit.extract.file_tokens import FileTokens
from unsafe_audit.extract.tokens import token_texts
from unsafe_audit.model import SiteId, SiteKind

SEP = "\x1f"
"""Joins token texts before hashing (no token contains it)."""

_COMPAT_KIND = {SiteKind.UNSAFE_EXTERN_BLOCK: SiteKind.EXTERN_BLOCK}

SharedSpan = tuple[FileTokens, int, int]
"""A file's tokens and the slice ``[first, stop)`` of them that is one site's code."""


def token_digest(texts: Sequence[str]) -> str:
    """A short stable digest of a token sequence (16 hex digits)."""
    h = hashlib.blake2b(digest_size=8)
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def code_digests(kind: str, compat_kind: str, code: str) -> tuple[str, str]:
    """(token hash, edition-neutral hash) of a site's code.

    The token hash ignores whitespace, comments and rustfmt's trailing commas. The neutral hash
    also ignores edition 2024's extra markers (see
    :func:`unsafe_audit.extract.edition2024.edition_neutral_joined`).
    """
    return token_digests(kind, compat_kind, token_texts(code))


def token_digests(
    kind: str, compat_kind: str, texts: Sequence[str], shared: SharedSpan | None = None
) -> tuple[str, str]:
    """:func:`code_digests` of code whose tokens are ``texts``; ``shared``, when given, says
    where they are among the file's tokens (for the edition-neutral form of nested sites)."""
    joined = SEP.join(texts)
    if "," in joined:
        # rustfmt adds and removes trailing commas; a `)`/`]`/`}` token is always one character.
        joined = joined.replace("\x1f,\x1f)", "\x1f)").replace("\x1f,\x1f]", "\x1f]")
        joined = joined.replace("\x1f,\x1f}", "\x1f}").removesuffix("\x1f,")
    token_hash = _digest(kind + SEP + joined)
    neutral = None
    if shared is not None and "{\x1funsafe\x1f{" in joined and only_unwraps(joined):
        neutral = shared[0].neutral_joined(shared[1], shared[2])
    if neutral is None:
        neutral = edition_neutral_joined(joined)
    return token_hash, _digest(compat_kind + SEP + neutral)


class Fingerprints:
    """Gives the sites of one file, in source order, their hashes and ids."""

    __slots__ = ("_crate_root", "_occurrences")

    def __init__(self, crate_root: str) -> None:
        self._crate_root = crate_root
        self._occurrences: dict[tuple[str, str, str], int] = {}

    def identify(self, kind: SiteKind, item: str, code: str) -> tuple[SiteId, str, str]:
        """(id, token hash, edition-neutral hash) of the next site. ``item`` is its item path
        (``cache::Cache::get``), ``code`` its source text."""
        return self.identify_tokens(kind, item, token_texts(code))

    def identify_tokens(
        self, kind: SiteKind, item: str, texts: Sequence[str], shared: SharedSpan | None = None
    ) -> tuple[SiteId, str, str]:
        """:meth:`identify` of a site whose code's tokens are ``texts`` (see
        :func:`token_digests` for ``shared``)."""
        # Extern blocks with and without `unsafe` share a neutral hash: one block, two editions.
        compat_kind = _COMPAT_KIND.get(kind, kind).value
        token_hash, compat_hash = token_digests(kind.value, compat_kind, texts, shared)
        key = (kind.value, item, token_hash)
        occurrence = self._occurrences.get(key, 0)
        self._occurrences[key] = occurrence + 1
        site_id = token_digest([kind.value, self._crate_root, item, token_hash, str(occurrence)])
        return SiteId(site_id), token_hash, compat_hash
