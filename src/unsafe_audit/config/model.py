"""What a repository's ``.unsafe-audit/config.yaml`` says, as pure values.

Three lists of path patterns (and ``exemptions``, the path of the adoption exemptions file,
see :mod:`unsafe_audit.exemptions`), each matched against a file's path from the repository root
(``crates/a/src/lib.rs``, forward slashes):

- ``generated``: files to treat as generated code even without an earned header and shape;
- ``not_generated``: files always searched, whatever their header says (it wins over
  ``generated``: when in doubt, search);
- ``allow_unread``: files that may go unsearched (not UTF-8, too large, unreadable) without
  failing ``check``. They are still listed in every report.

A pattern is a path in which ``*`` stands for any characters but ``/``, ``?`` for one such
character, and a whole ``**`` segment for any number of directories (none included):
``vendor/**``, ``**/bindings.rs``, ``src/gen_*.rs``. Everything else is literal. Pure: no YAML
(see :mod:`unsafe_audit.config.load`).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_PATH = ".unsafe-audit/config.yaml"
"""Where the configuration lives, from the repository root."""


def has_config(root: Path) -> bool:
    """True when the work tree at ``root`` has a configuration file (of whatever kind): only
    then is the YAML loader imported, which a scan would otherwise pay for on every run."""
    return os.path.lexists(root / CONFIG_PATH)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    segments = pattern.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]*/)*")
            continue
        text = "".join(
            "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in segment
        )
        parts.append(text if last else text + "/")
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    """True when ``path`` (from the repository root) matches ``pattern`` (see the module doc)."""
    return _compiled(pattern).fullmatch(path) is not None


@dataclass(frozen=True, slots=True)
class PathPatterns:
    """One list of path patterns, in the order the file gives them."""

    patterns: tuple[str, ...] = ()

    def first_match(self, path: str) -> str | None:
        """The first pattern ``path`` matches, or None."""
        return next((p for p in self.patterns if matches(p, path)), None)

    def __bool__(self) -> bool:
        return bool(self.patterns)


@dataclass(frozen=True, slots=True)
class RepoConfig:
    """A repository's configuration; the default one says nothing."""

    generated: PathPatterns = field(default_factory=PathPatterns)
    """Files treated as generated code (skipped, listed, never blocking)."""
    not_generated: PathPatterns = field(default_factory=PathPatterns)
    """Files always searched, even with a generated header (wins over ``generated``)."""
    allow_unread: PathPatterns = field(default_factory=PathPatterns)
    """Files that may go unsearched without failing ``check`` (still listed)."""
    exemptions: str | None = None
    """The adoption exemptions file, relative to the repository root (None: the default,
    ``.unsafe-audit/exemptions.yaml``); ``--exemptions`` overrides it."""

    def generated_override(self, path: str) -> bool | None:
        """False when ``path`` must be searched whatever its header, True when it is generated
        by configuration, None when its own bytes decide."""
        if self.not_generated.first_match(path) is not None:
            return False
        if self.generated.first_match(path) is not None:
            return True
        return None
