"""Review checklists as frozen values: sections, lifetime patterns, items, and merging.

Pure: no YAML and no files. :mod:`unsafe_audit.checklist.load` builds these values from
``checklists/*.yaml``, checking every field with its line; the values keep that line
(:class:`Origin`) so later errors, such as an id defined twice across merged files, can point
at the file too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NewType, TypeVar

from unsafe_audit.errors import ChecklistError
from unsafe_audit.model import SiteKind

ItemId = NewType("ItemId", str)
"""A checklist item's stable slug (``ctx-owner``); answers in the ledger refer to it."""

LIFETIME_SECTION = "A"
"""The memory-context section: a site of a kind it applies to names a lifetime pattern."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a checklist entry was defined, for error messages that point at the file."""

    path: str
    """The checklist file as the user named it (or the package resource path)."""
    line: int
    """1-based line of the entry's first token."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


_NOWHERE = Origin("<memory>", 0)


@dataclass(frozen=True, slots=True)
class Section:
    """A heading that groups items (``A``: memory contexts and lifetimes)."""

    id: str
    """Short id the items refer to, such as ``A``."""
    title: str
    """Heading shown to reviewers."""
    origin: Origin = field(default=_NOWHERE, compare=False, repr=False)
    """Where the section was defined."""


@dataclass(frozen=True, slots=True)
class LifetimePattern:
    """One of the ways a site can keep context memory valid; a reviewer names one per site."""

    id: str
    """Short id recorded with a review: ``borrow``, ``own``, ``pin`` or ``n/a``."""
    title: str
    """One-line name shown in pickers."""
    description: str
    """What following this pattern means in the code."""
    origin: Origin = field(default=_NOWHERE, compare=False, repr=False)
    """Where the pattern was defined."""


@dataclass(frozen=True, slots=True)
class Item:
    """One yes/no question a reviewer answers for each site it applies to."""

    id: ItemId
    """Stable slug; never renumbered when items are inserted."""
    section: str
    """Id of the section the item belongs to."""
    question: str
    """The question, one sentence, answered yes (pass) or no (fail)."""
    guidance: str
    """What a pass looks like, usually with a short Rust example; shown on request."""
    applies_to: tuple[SiteKind, ...]
    """Site kinds the item is asked for, in the order the file lists them."""
    origin: Origin = field(default=_NOWHERE, compare=False, repr=False)
    """Where the item was defined."""


@dataclass(frozen=True, slots=True)
class Checklist:
    """A validated checklist: sections and lifetime patterns in file order, items by section."""

    id: str
    """The checklist's name (``pgrx-ffi``), recorded with every review."""
    version: int
    """Positive integer, bumped whenever an item changes meaning."""
    title: str
    """One-line title."""
    description: str
    """What the checklist is for; may be empty."""
    sections: tuple[Section, ...]
    """Sections in display order."""
    lifetime_patterns: tuple[LifetimePattern, ...]
    """The lifetime patterns a reviewer picks from."""
    items: tuple[Item, ...]
    """All items, grouped by section in section order."""
    parts: tuple[str, ...] = ()
    """``id@version`` of each file merged into this checklist, base first; a checklist loaded
    from one file has a single part."""

    @property
    def label(self) -> str:
        """How entries and listings name it: ``pgrx-ffi@1``, or ``pgrx-ffi@1 + team@2``."""
        return " + ".join(self.parts) or f"{self.id}@{self.version}"

    def items_for(self, kind: SiteKind) -> tuple[Item, ...]:
        """The items to ask for a site of ``kind``, in checklist order."""
        return tuple(item for item in self.items if kind in item.applies_to)

    def pattern_applies(self, kind: SiteKind) -> bool:
        """True when a site of ``kind`` must name its lifetime pattern: some item of the
        memory-context section applies to it (sign-off and the review UI both ask this)."""
        return any(item.section == LIFETIME_SECTION for item in self.items_for(kind))

    def items_in(self, section_id: str) -> tuple[Item, ...]:
        """The items of one section, in checklist order."""
        return tuple(item for item in self.items if item.section == section_id)

    def item(self, item_id: str) -> Item:
        """The item with id ``item_id``; raises ``KeyError`` if there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"checklist {self.id!r} has no item {item_id!r}")


def merge_checklists(base: Checklist, extra: Checklist) -> Checklist:
    """``base`` with the sections, lifetime patterns and items of ``extra`` added.

    ``extra`` may only add: an id already used in ``base`` is an error naming both files. The
    result keeps ``base``'s id, version and title; ``parts`` records both files' versions.
    """
    sections = _merge_unique("section", base.sections, extra.sections)
    patterns = _merge_unique("lifetime pattern", base.lifetime_patterns, extra.lifetime_patterns)
    items = _merge_unique("item", base.items, extra.items)
    order = {section.id: index for index, section in enumerate(sections)}
    for item in extra.items:
        if item.section not in order:
            raise ChecklistError(
                f"{item.origin}: item {item.id!r}: unknown section {item.section!r} "
                f"(known: {known_ids(order)})"
            )
    return Checklist(
        id=base.id,
        version=base.version,
        title=base.title,
        description=base.description,
        sections=sections,
        lifetime_patterns=patterns,
        # Stable sort: team items land after the base items of the same section.
        items=tuple(sorted(items, key=lambda item: order[item.section])),
        parts=base.parts + extra.parts,
    )


_Entry = TypeVar("_Entry", Section, LifetimePattern, Item)


def _merge_unique(what: str, base: Sequence[_Entry], extra: Sequence[_Entry]) -> tuple[_Entry, ...]:
    seen = {entry.id: entry for entry in base}
    for entry in extra:
        if entry.id in seen:
            raise ChecklistError(
                f"{entry.origin}: {what} {entry.id!r} is already defined at "
                f"{seen[entry.id].origin}; a checklist added on top may only add new ids"
            )
        seen[entry.id] = entry
    return tuple(base) + tuple(extra)


def known_ids(ids: Iterable[str]) -> str:
    """``ids`` joined for an error message (``A, B, C``), or ``none``."""
    return ", ".join(ids) or "none"
