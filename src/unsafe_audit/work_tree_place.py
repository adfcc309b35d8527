"""Where a file the tool keeps in the repository may be: inside the work tree, never in (or
around) a git directory, where git versions nothing and a pull request cannot show it.

The ledger directory and the adoption exemptions file are both checked here, with the same
words; each caller raises the error of its own kind with the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Place:
    """What is being placed, for the messages."""

    what: str
    """Its name with its kind: ``ledger directory``, ``exemptions file``."""
    given: str
    """The path as the user or the configuration gave it."""
    noun: str
    """``directory`` or ``file``."""
    keeps: str
    """What it holds, which outside the work tree could never be committed: ``sign-offs``."""
    example: str
    """A good place to suggest: the default."""


def misplaced(place: Place, target: Path, base: Path, git_dirs: Iterable[Path]) -> str | None:
    """Why ``target`` (resolved) may not hold ``place`` in the repository whose work tree is
    ``base`` (resolved) and whose git directories are ``git_dirs``; None when it may."""
    if target == base or base not in target.parents:
        return (
            f"{place.what} {place.given!r} resolves to {target}, which is not inside the "
            f"repository {base}; give a {place.noun} inside it, such as {place.example}"
        )
    for git_dir in git_dirs:
        inside = git_dir.resolve()
        if inside == base:
            return (
                f"{base} is a bare repository: it has no work tree to read the {place.what} "
                f"{place.given!r} from; run unsafe-audit in a clone that has one"
            )
        if target == inside or inside in target.parents or target in inside.parents:
            where = "holds" if target in inside.parents else "is in"
            return (
                f"{place.what} {place.given!r} resolves to {target}, which {where} the git "
                f"directory {inside}: git does not version files there, so {place.keeps} could "
                f"never be committed; give a {place.noun} of the work tree, such as "
                f"{place.example}"
            )
    return None
