"""Release versions read from tag names, and the choice of the release an audit diffs against.

Pure: no git here. ``history.Repository.previous_release`` feeds it the repository's tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Version core plus optional pre-release and build metadata. The `-` before a pre-release is
# required so that `1.2.3` followed by a word is never mistaken for something else.
_VERSION_RE = re.compile(
    r"""
    (?P<v>[vV])?
    (?P<major>0|[1-9]\d*)
    (?:\.(?P<minor>\d+))?
    (?:\.(?P<patch>\d+))?
    (?:-(?P<pre>[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?
    (?:\+(?P<build>[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?
    """,
    re.VERBOSE,
)
# Splits `beta2` into `beta`, `2` so that `beta10` sorts after `beta2`.
_IDENTIFIER_PART_RE = re.compile(r"\d+|[^\d]+")


@dataclass(frozen=True, slots=True)
class Version:
    """A release version read from a tag. Ordered by semver precedence; build metadata ignored."""

    major: int
    """First number."""
    minor: int = 0
    """Second number (0 when the tag has only one)."""
    patch: int = 0
    """Third number (0 when the tag has fewer)."""
    prerelease: tuple[int | str, ...] = ()
    """Pre-release identifiers, numbers as ints: ``-rc.1`` and ``-rc1`` are both ``("rc", 1)``.
    Empty for a release."""
    _key: tuple[object, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Numbers sort before words (semver rule 11.4.3); a release sorts after its pre-releases.
        pre_key = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.prerelease)
        key = (self.major, self.minor, self.patch, not self.prerelease, pre_key)
        object.__setattr__(self, "_key", key)

    @property
    def is_prerelease(self) -> bool:
        """True for versions such as ``1.0.0-rc.1``."""
        return bool(self.prerelease)

    def __lt__(self, other: Version) -> bool:
        return self._key < other._key

    def __le__(self, other: Version) -> bool:
        return self._key <= other._key

    def __gt__(self, other: Version) -> bool:
        return self._key > other._key

    def __ge__(self, other: Version) -> bool:
        return self._key >= other._key

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(str(p) for p in self.prerelease)}" if self.prerelease else core


def _parse_core(text: str) -> Version | None:
    m = _VERSION_RE.fullmatch(text)
    if m is None:
        return None
    if m["v"] is None and m["minor"] is None:
        # A bare number (`42`, `build-42`, `pr/123`) is a build or PR number, not a release.
        return None
    prerelease: list[int | str] = []
    if m["pre"]:
        for identifier in re.split(r"[.-]", m["pre"]):
            for part in _IDENTIFIER_PART_RE.findall(identifier):
                prerelease.append(int(part) if part.isdigit() else part)
    return Version(
        major=int(m["major"]),
        minor=int(m["minor"] or 0),
        patch=int(m["patch"] or 0),
        prerelease=tuple(prerelease),
    )


def parse_version(tag: str) -> Version | None:
    """Read the version in a tag name, or None when the tag is not a release tag.

    Accepts ``1.2.3``, ``v1.2``, ``V1``, ``pg_cache-v1.2.0``, ``release/1.2``, ``v1.0.0-rc.1``,
    ``v2.0.0-beta2``, ``v1.0.0+build.5``. A bare number without ``v`` (``42``) is not a version.
    """
    version = _parse_core(tag)
    if version is not None:
        return version
    # A name before the version: try each `-` or `/` from the left, so that `1.2.3-4` stays a
    # pre-release of 1.2.3 instead of becoming version 4 of a package called `1.2.3`.
    for m in re.finditer(r"[-/]", tag):
        version = _parse_core(tag[m.end() :])
        if version is not None:
            return version
    return None


@dataclass(frozen=True, slots=True)
class Choice:
    """The release an audit compares against, and why it was chosen."""

    tag: str
    """Name of the chosen tag, such as ``v0.2.1``."""
    commit: str
    """Full sha of the commit the tag points at (peeled through annotated tags)."""
    reason: str
    """One sentence for the user saying why this tag was chosen."""


@dataclass(frozen=True, slots=True)
class _Tagged:
    name: str
    commit: str
    version: Version


def _release_tags(tags: Sequence[tuple[str, str]]) -> list[_Tagged]:
    found = []
    for name, commit in tags:
        version = parse_version(name)
        if version is not None:
            found.append(_Tagged(name, commit, version))
    return found


def _latest(candidates: list[_Tagged]) -> _Tagged | None:
    # Equal versions (`v1.0` and `1.0.0`) are broken by name so the choice is deterministic.
    return max(candidates, key=lambda t: (t.version, t.name), default=None)


def previous_release(
    tags: Sequence[tuple[str, str]],
    head_commit: str,
    *,
    is_ancestor: Callable[[str, str], bool] | None = None,
) -> Choice | None:
    """Choose the release tag that the code at ``head_commit`` should be audited against.

    ``tags`` are ``(name, commit sha)`` pairs for every tag; tags that are not versions are
    ignored. Head's version comes from its own release tags (the highest, if several).

    - Head tagged: the highest release tag whose version is strictly below head's.
    - Head not tagged: the highest release tag.

    Tags on head's own commit are never chosen (there would be nothing to diff). Pre-release
    tags are only eligible when head is itself a pre-release. Where a tag sits in the commit
    graph does not matter: a tag on a release branch that was never merged back is eligible.
    When head is not tagged and ``is_ancestor(a, b)`` is given, tags on commits that descend
    from head are skipped: they are later than head, whatever their version.
    Returns None when no tag is eligible.
    """
    releases = _release_tags(tags)
    head_versions = [t for t in releases if t.commit == head_commit]
    head = _latest(head_versions)
    candidates = [t for t in releases if t.commit != head_commit]
    if head is not None:
        include_pre = head.version.is_prerelease
        candidates = [
            t
            for t in candidates
            if t.version < head.version and (include_pre or not t.version.is_prerelease)
        ]
    else:
        include_pre = False
        candidates = [t for t in candidates if not t.version.is_prerelease]
        if is_ancestor is not None:
            candidates = [t for t in candidates if not is_ancestor(head_commit, t.commit)]
    chosen = _latest(candidates)
    if chosen is None:
        return None
    if head is None:
        reason = (
            f"{chosen.name} is the highest release tag (the revision under audit is not tagged; "
            "pre-releases skipped)"
        )
    elif include_pre:
        reason = (
            f"{chosen.name} is the highest tag below {head.name} "
            f"(pre-releases included because {head.name} is a pre-release)"
        )
    else:
        reason = (
            f"{chosen.name} is the highest release tag below {head.name} (pre-releases skipped)"
        )
    return Choice(tag=chosen.name, commit=chosen.commit, reason=reason)
