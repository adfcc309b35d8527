"""Release versions read from tag names, and the choice of the release an audit diffs against.

A tag is a release tag when its name holds a version (:func:`parse_version`) and, if the
repository's configuration gives a ``tag_pattern``, matches it (:func:`tag_matches`). Pure: no
git here. ``history.Repository.previous_release`` feeds it the repository's tags.
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


MAX_TAG_PATTERN_CHARS = 200
"""The longest tag pattern accepted (the configuration file and ``--tag-pattern``)."""


def tag_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a tag pattern, or None."""
    if not pattern:
        return "is empty"
    if len(pattern) > MAX_TAG_PATTERN_CHARS:
        return f"is longer than {MAX_TAG_PATTERN_CHARS} characters"
    if any(ord(c) < 0x20 or c in "\x7f\\" for c in pattern):
        return "holds a control character or a backslash, which no tag name has"
    return None


def tag_matches(pattern: str, name: str) -> bool:
    """True when the tag ``name`` matches ``pattern``: ``*`` stands for any run of characters
    (``/`` included), ``?`` for one character, everything else for itself.

    Both come from the repository, so the match runs in time proportional to their lengths'
    product, never exponential: on a mismatch only the latest ``*`` takes one more character.
    """
    p = n = 0
    star = -1  # position in `pattern` after the latest `*`
    star_n = 0  # position in `name` that `*` has consumed up to
    while n < len(name):
        if p < len(pattern) and pattern[p] == "*":
            star, star_n = p + 1, n
            p += 1
        elif p < len(pattern) and (pattern[p] == "?" or pattern[p] == name[n]):
            p += 1
            n += 1
        elif star >= 0:
            star_n += 1
            p, n = star, star_n
        else:
            return False
    return all(c == "*" for c in pattern[p:])


def is_release_tag(name: str, pattern: str | None = None) -> bool:
    """True when ``name`` is a release tag: it holds a version and matches ``pattern`` (if any)."""
    if pattern is not None and not tag_matches(pattern, name):
        return False
    return parse_version(name) is not None


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


def _release_tags(tags: Sequence[tuple[str, str]], pattern: str | None) -> list[_Tagged]:
    found = []
    for name, commit in tags:
        if pattern is not None and not tag_matches(pattern, name):
            continue
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
    pattern: str | None = None,
) -> Choice | None:
    """Choose the release tag that the code at ``head_commit`` should be audited against.

    ``tags`` are ``(name, commit sha)`` pairs for every tag; tags that are not versions are
    ignored, and so are tags that do not match ``pattern`` (see :func:`tag_matches`) when one
    is given. Head's version comes from its own release tags (the highest, if several).

    - Head tagged: the highest release tag whose version is strictly below head's.
    - Head not tagged: the highest release tag.

    Tags on head's own commit are never chosen (there would be nothing to diff). Pre-release
    tags are only eligible when head is itself a pre-release. Where a tag sits in the commit
    graph does not matter: a tag on a release branch that was never merged back is eligible.
    When head is not tagged and ``is_ancestor(a, b)`` is given, tags on commits that descend
    from head are skipped: they are later than head, whatever their version. It is asked about
    the candidates from the highest version down, only until one is not such a descendant, so
    a head newer than every release costs one question.
    Returns None when no tag is eligible.
    """
    releases = _release_tags(tags, pattern)
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
    if head is None and is_ancestor is not None:
        newest_first = sorted(candidates, key=lambda t: (t.version, t.name), reverse=True)
        chosen = next((t for t in newest_first if not is_ancestor(head_commit, t.commit)), None)
    else:
        chosen = _latest(candidates)
    if chosen is None:
        return None
    kind = f"release tag matching {pattern!r}" if pattern is not None else "release tag"
    if head is None:
        reason = (
            f"{chosen.name} is the highest {kind} (the revision under audit is not tagged; "
            "pre-releases skipped)"
        )
    elif include_pre:
        reason = (
            f"{chosen.name} is the highest {kind.replace('release tag', 'tag')} below "
            f"{head.name} (pre-releases included because {head.name} is a pre-release)"
        )
    else:
        reason = f"{chosen.name} is the highest {kind} below {head.name} (pre-releases skipped)"
    return Choice(tag=chosen.name, commit=chosen.commit, reason=reason)
