"""Frozen value types shared by every part of unsafe-audit: site kinds, spans and sites."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, NewType

if TYPE_CHECKING:
    from unsafe_audit.hints.interface import Hint

SiteId = NewType("SiteId", str)
"""A site's fingerprint: 16 hex digits, stable across whitespace, comments and line moves."""


class SiteKind(StrEnum):
    """What kind of code a site is. The values are part of the JSON and YAML contracts."""

    UNSAFE_BLOCK = "unsafe_block"
    UNSAFE_FN = "unsafe_fn"
    UNSAFE_IMPL = "unsafe_impl"
    UNSAFE_TRAIT = "unsafe_trait"
    UNSAFE_EXTERN_BLOCK = "unsafe_extern_block"
    EXTERN_BLOCK = "extern_block"
    EXTERN_FN = "extern_fn"
    """A fn defined with a foreign ABI (``extern "C"``, ``extern "C-unwind"``) and no
    ``unsafe``: an entry point PostgreSQL calls, where a panic or an ERROR crosses the FFI
    boundary. An ``unsafe extern "C" fn`` is an ``unsafe_fn`` site instead, never both."""
    UNSAFE_ATTRIBUTE = "unsafe_attribute"
    PG_SYS_CALL = "pg_sys_call"
    PG_SYS_STATIC = "pg_sys_static"

    @property
    def is_pg_sys(self) -> bool:
        """True for the kinds that are uses of pg_sys rather than `unsafe` keywords."""
        return self in (SiteKind.PG_SYS_CALL, SiteKind.PG_SYS_STATIC)

    @property
    def has_unsafe_keyword(self) -> bool:
        """True for the kinds anchored on an `unsafe` token (one site per such token)."""
        return self not in _WITHOUT_UNSAFE


_WITHOUT_UNSAFE = frozenset(
    {SiteKind.PG_SYS_CALL, SiteKind.PG_SYS_STATIC, SiteKind.EXTERN_BLOCK, SiteKind.EXTERN_FN}
)


@dataclass(frozen=True, slots=True)
class Span:
    """Where a site is in its file. Lines and columns are 1-based; bytes are 0-based offsets."""

    line: int
    """Line of the site's anchor token (`unsafe`, `extern`, or the pg_sys symbol)."""
    column: int
    """Column (1-based, in bytes) of the anchor token."""
    end_line: int
    """Last line of the site's code."""
    start_byte: int
    """Byte offset where the site's code starts (for slicing the file)."""
    end_byte: int
    """Byte offset just past the site's code."""


@dataclass(frozen=True, slots=True)
class Site:
    """One place in the code that a reviewer must justify."""

    id: SiteId
    """Fingerprint: kind, crate, item path, normalised tokens and occurrence index."""
    kind: SiteKind
    """What the site is."""
    path: str
    """File path relative to the scanned root, with forward slashes."""
    span: Span
    """Where the site is in the file."""
    item: str
    """Enclosing item path such as ``cache::Cache::get`` (for humans, and part of the id)."""
    token_hash: str
    """Hash of kind plus normalised tokens only: equal for the same code in another place."""
    compat_hash: str = ""
    """Like ``token_hash`` but blind to edition-2024 migrations (``unsafe extern``,
    ``#[unsafe(..)]``, a fn body wrapped in ``unsafe {}``), with extern block kinds merged."""
    in_macro: bool = False
    """True when found inside a macro invocation's arguments or a ``macro_rules!`` body."""
    parent: SiteId | None = None
    """Id of the innermost enclosing unsafe site or extern fn (an unsafe fn around a block,
    say)."""
    name: str | None = None
    """The pg_sys symbol for pg_sys kinds; the fn, trait or attribute name for the others."""
    safety_comment: str | None = None
    """The nearest ``// SAFETY:`` comment (or ``# Safety`` doc section), without markers."""
    attributes: tuple[str, ...] = ()
    """Attributes that matter for review on the site or its enclosing fn: ``pg_guard``,
    ``pg_extern``, ``no_mangle``, ``extern "C"``, ``extern "C-unwind"``..."""
    pg_sys_calls: tuple[str, ...] = field(default=())
    """Names of the pg_sys functions and statics used inside the site, in order."""
    wrapped_attribute: str | None = None
    """For an ``unsafe_attribute``: the attribute inside ``unsafe(..)``, whitespace removed
    (``no_mangle``, ``export_name="f"``), to match the plain ``#[attr]`` it may migrate."""
    whole_fn_body: bool = False
    """For an ``unsafe_block``: True when it is all the body of its parent ``unsafe fn`` (a body
    wrapped for edition 2024's ``unsafe_op_in_unsafe_fn``)."""

    @property
    def line(self) -> int:
        """Shortcut for ``span.line``."""
        return self.span.line

    @property
    def label(self) -> str:
        """How people are told which site: ``unsafe_block at src/lib.rs:12``."""
        return f"{self.kind.value} at {self.path}:{self.span.line}"


@dataclass(frozen=True, slots=True, order=True)
class MemberUse:
    """A pg_sys use that a review unit's sign-off covers, as the reviewer saw it: what a ledger
    entry's ``members`` list records (see :mod:`unsafe_audit.units`). No place in it (file,
    line, item), so a unit that moves keeps its sign-off; a use added, removed or changed makes
    the sign-off stale."""

    kind: SiteKind
    """``pg_sys_call`` or ``pg_sys_static``."""
    name: str
    """The pg_sys symbol (``palloc``, ``CurrentMemoryContext``); empty when unknown."""
    token_hash: str
    """The use's token hash (see :attr:`unsafe_audit.model.Site.token_hash`)."""

    @property
    def label(self) -> str:
        """``palloc (call)``, ``TopMemoryContext (static)``: for people."""
        short = "call" if self.kind is SiteKind.PG_SYS_CALL else "static"
        return f"{self.name or '?'} ({short})"


@dataclass(frozen=True, slots=True)
class ScanWarning:
    """A problem found while scanning that did not stop the scan."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


@dataclass(frozen=True, slots=True)
class PlainAttribute:
    """An ``#[attr]`` that edition 2024 wants written ``#[unsafe(attr)]``, as a file had it."""

    attribute: str
    """Its contents, whitespace removed: ``no_mangle``, ``export_name="f"``."""
    header: str
    """The start of the item it is written on, up to its body, ``=`` or ``;`` (at most 400
    characters): ``pub extern "C" fn f() -> u32 ``."""

    def is_on(self, item_name: str) -> bool:
        """True when the item it is written on is called ``item_name`` (a whole word of the
        header), or when no name is known."""
        return not item_name or re.search(rf"\b{re.escape(item_name)}\b", self.header) is not None


class Skip(StrEnum):
    """Why a file was not searched for sites. The values are part of the JSON contracts."""

    GENERATED = "generated"
    """Generated code (an earned header and shape, or listed as such in the configuration)."""
    NOT_UTF8 = "not_utf8"
    """Not UTF-8, so not Rust source the parser can read."""
    TOO_LARGE = "too_large"
    """Too large to parse, and a token pass found words a site needs in it."""
    UNREADABLE = "unreadable"
    """Could not be read: not a regular file, no permission, a symlink out of the tree..."""
    SUBMODULE = "submodule"
    """A git submodule: another repository, never scanned with this one."""


@dataclass(frozen=True, slots=True)
class FileResult:
    """What scanning one file produced."""

    path: str
    sites: tuple[Site, ...]
    warnings: tuple[ScanWarning, ...] = ()
    generated: bool = False
    """True when the file was recognised as generated code (and skipped unless asked for)."""
    unreadable: bool = False
    """True when the file could not be searched at all (not UTF-8, say); see ``warnings``."""
    plain_attributes: tuple[PlainAttribute, ...] = ()
    """The file's ``#[no_mangle]``-like attributes, in order: what an ``#[unsafe(..)]`` in a
    later revision may be the migration of."""
    skip: Skip | None = None
    """Why the file was not searched, where the scan said (see :attr:`skipped`)."""
    hints: tuple[Hint, ...] | None = None
    """What the hint rules saw in the file, over all its sites, when the scan ran them
    (``ScanOptions.hints``; cached with the sites); None when it did not."""

    @property
    def skipped(self) -> Skip | None:
        """Why the file was not searched for sites; None when it was."""
        if self.skip is not None:
            return self.skip
        if self.generated:
            return Skip.GENERATED
        return Skip.UNREADABLE if self.unreadable else None


EARNED_GENERATED = (
    "generated code: a generated-code header and a bindgen shape, or with no header a bindgen "
    "shape held to more (repr on every type, an extern block) in over 256 KiB"
)
"""What a file skipped as generated by its own bytes is reported with (see
:mod:`unsafe_audit.scan.generated`); terse listings show only its reason."""


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file a scan did not search for sites, and why: what ``check`` blocks on unless the
    repository's configuration allows it, and every report lists."""

    path: str
    reason: Skip
    message: str
    """Why, for people: what the scan found wrong, or what made the file generated."""
    line: int = 0
    """The line the message is about (the first bad byte, the first word), 0 for none."""


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison: a revision, the work tree, or nothing (a first release)."""

    ref: str | None
    """The name the revision was given or chosen by (``v0.2.0``, ``HEAD``); None for the work
    tree and for the empty base of a first release."""
    commit: str | None
    """Full sha of the commit compared; None for the work tree and for a first release."""
    working_tree: bool = False
    """True when this side is the files on disk, uncommitted edits included."""
    based_on: str | None = None
    """For the work tree: the sha of the commit checked out (HEAD), if there is one."""

    @property
    def label(self) -> str:
        """A short name for people: ``v0.2.0``, ``working tree``, ``nothing (first release)``."""
        if self.working_tree:
            return "working tree"
        if self.ref is not None:
            return self.ref
        if self.commit is not None:
            return self.commit[:12]
        return "nothing (first release)"


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan found."""

    root: str
    """The directory scanned (the repository root for git scans)."""
    rev: str | None
    """The commit scanned, or None for files on disk."""
    files_scanned: int
    """Rust files read and searched (including ones with no site)."""
    files_skipped: int
    """Rust files not searched: generated, unreadable, not UTF-8 or too large."""
    generated_skipped: int
    """How many of the skipped files were generated code."""
    sites: tuple[Site, ...]
    warnings: tuple[ScanWarning, ...]
    files: tuple[FileResult, ...] = ()
    """Each listed file's result (read or not, with or without sites), in path order: what
    :func:`unsafe_audit.diff.classify` compares."""
    skipped: tuple[SkippedFile, ...] = ()
    """The files not searched for sites (generated ones included), in path order."""
