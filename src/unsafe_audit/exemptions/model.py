"""Adoption exemptions as values, and the rules that apply them. Pure.

An exemption names one site by its id, with the kind, path and release it had when it was
exempted (the last three for people). ``unsafe-audit adopt`` records one for every site of a
revision that has no sign-off that counts, so a code base can take up the gate without signing
off all its existing unsafe code first. The rules (the README repeats them for users):

- an exemption **covers** a head site whose id it names, while that site has no valid sign-off
  (its review is missing or stale) and is not ``new`` or ``changed`` against the base ``check``
  compares with. A covered site does not block; its review state stays what it was, and its
  reason says it is exempt. Only without any base (a first release) does the id alone decide;
- so changed code is never exempt: a change gives the site a new id, which no exemption names,
  and a pull request cannot exempt the code it adds (that code is new against the base);
- a site that moved or migrated has a new id too, so it needs a review, exemption or not;
- exemptions only shrink after adoption: one is **no longer needed** when its site has a valid
  sign-off, or when no head site has its id any more (the code changed or was removed).
  ``unsafe-audit prune --apply`` drops those; signing off never edits the shared file, so two
  branches that sign off different sites never conflict over it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from unsafe_audit.model import SiteId, SiteKind
from unsafe_audit.review_state import ReviewState, SiteReview

DEFAULT_EXEMPTIONS_PATH = ".unsafe-audit/exemptions.yaml"
"""Where the exemptions live, relative to the repository root (``--exemptions`` or the
configuration's ``exemptions`` key change it)."""


@dataclass(frozen=True, slots=True)
class Exemption:
    """One site accepted without review at adoption."""

    site: SiteId
    """The site's id when it was exempted: the only thing matched."""
    kind: SiteKind
    """Its kind then (for people)."""
    path: str
    """Its file then (for people, and to keep ``prune crates/a`` inside that crate)."""
    release: str
    """The revision it was exempted at: a tag, a short sha, or ``working tree of <rev>``."""
    line: int = field(default=0, compare=False)
    """The line of the file it was read from (0 for a new one), for messages."""


@dataclass(frozen=True, slots=True)
class Exemptions:
    """The exemptions file of a repository, as read (empty when there is none)."""

    by_site: Mapping[SiteId, Exemption] = field(default_factory=dict)
    """Every exemption, by site id."""
    display: str = DEFAULT_EXEMPTIONS_PATH
    """How to name the file in messages and reports (relative to the repository root)."""
    exists: bool = False
    """True when the file exists (it may hold no exemption)."""
    explicit: bool = False
    """True when ``--exemptions`` or the configuration named the file."""

    def __len__(self) -> int:
        return len(self.by_site)

    def ordered(self) -> tuple[Exemption, ...]:
        """Every exemption, sorted by site id (the order of the file)."""
        return tuple(self.by_site[s] for s in sorted(self.by_site))

    def with_entries(self, entries: Iterable[Exemption]) -> Exemptions:
        """The same file holding ``entries`` instead."""
        return dataclasses.replace(self, by_site={e.site: e for e in entries})


def covers(exemption: Exemption | None, r: SiteReview, *, first_release: bool) -> bool:
    """True when ``exemption`` keeps head site ``r`` from blocking (see the module doc)."""
    if exemption is None or exemption.site != r.site.id or r.review.valid:
        return False
    return first_release or not r.delta.status.needs_review


def apply_exemptions(
    state: ReviewState, exemptions: Exemptions, *, first_release: bool
) -> ReviewState:
    """``state`` with every covered site made non-blocking and marked exempt."""
    if not exemptions.by_site:
        return state
    sites: list[SiteReview] = []
    for r in state.sites:
        exemption = exemptions.by_site.get(r.site.id)
        if exemption is None or not covers(exemption, r, first_release=first_release):
            sites.append(r)
            continue
        reason = f"{r.reason}; exempt since {exemption.release} (adoption baseline)"
        sites.append(
            dataclasses.replace(r, blocking=False, exempt=exemption.release, reason=reason)
        )
    return dataclasses.replace(state, sites=tuple(sites))


class Unneeded(StrEnum):
    """Why an exemption is no longer needed."""

    SIGNED = "signed off"
    """Its site has a sign-off that counts."""
    GONE = "gone"
    """No head site has its id: the code changed (a new id) or was removed."""


def unneeded(
    state: ReviewState, exemptions: Exemptions, scope: str = ""
) -> tuple[tuple[Exemption, Unneeded], ...]:
    """The exemptions ``prune`` may drop, by site id, each with why.

    ``scope`` is the path prefix the scan covered (``crates/a/``; empty for the whole
    repository): an exemption recorded for a path outside it belongs to a site this scan
    cannot see, and is left alone.
    """
    heads = {r.site.id: r for r in state.sites}
    found: list[tuple[Exemption, Unneeded]] = []
    for exemption in exemptions.ordered():
        r = heads.get(exemption.site)
        if r is not None:
            if r.review.valid:
                found.append((exemption, Unneeded.SIGNED))
        elif exemption.path.startswith(scope):
            found.append((exemption, Unneeded.GONE))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Adoption:
    """What ``adopt`` does to the exemptions file."""

    exemptions: Exemptions
    """The file's new contents: the old exemptions and the added ones."""
    added: tuple[Exemption, ...]
    """The sites exempted now."""
    already: int
    """Sites without a sign-off that were already exempt (their lines are kept as they are)."""
    signed: int
    """Sites with a sign-off that counts, which need no exemption."""


def adopt(state: ReviewState, existing: Exemptions, release: str) -> Adoption:
    """Exempt every head site of ``state`` that has no sign-off that counts, at ``release``.

    Lines already in the file are kept as written (their release included), so adopting again
    adds only what is new and never rewrites history; nothing is removed (``prune`` does that).
    """
    added: dict[SiteId, Exemption] = {}
    already = signed = 0
    for r in state.sites:
        site = r.site
        if r.review.valid:
            signed += 1
        elif site.id in existing.by_site:
            already += 1
        elif site.id not in added:
            added[site.id] = Exemption(site.id, site.kind, site.path, release)
    entries = [*existing.by_site.values(), *added.values()]
    return Adoption(existing.with_entries(entries), tuple(added.values()), already, signed)
