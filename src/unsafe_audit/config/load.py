"""Read ``.unsafe-audit/config.yaml`` from a repository's work tree, validating every line.

The file comes from the repository under review, so it is read like a ledger entry: a regular
file (not a symbolic link, a FIFO or a device) of at most :data:`MAX_CONFIG_BYTES`, inside the
work tree, through the bounded loader of :mod:`unsafe_audit.safe_yaml`. Each mistake is a
:class:`~unsafe_audit.errors.ConfigError` naming the file and line (exit 2). A missing file is
the empty configuration. The format::

    generated:          # treat as generated code
      - "pgrx-pg-sys/src/include/*.rs"
    not_generated:      # always search, whatever the header says
      - "src/**"
    allow_unread:       # may go unsearched without failing check (still listed)
      - "vendor/huge_table.rs"
    exemptions: .unsafe-audit/exemptions.yaml   # the adoption baseline (unsafe-audit adopt)
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from unsafe_audit import safe_yaml
from unsafe_audit.config.model import CONFIG_PATH, PathPatterns, RepoConfig
from unsafe_audit.errors import ConfigError
from unsafe_audit.regular_file import KIB, UnreadableFile, read_regular_file

MAX_CONFIG_BYTES = 64 * KIB
"""The largest configuration file read."""
MAX_PATTERNS = 1_000
"""The most patterns one list may hold."""
MAX_PATTERN_CHARS = 400
"""The longest pattern accepted."""

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_KEYS = ("generated", "not_generated", "allow_unread", "exemptions")


def load_config(root: Path) -> RepoConfig:
    """The configuration of the work tree at ``root`` (empty when it has none)."""
    path = root / CONFIG_PATH
    if not os.path.lexists(path):
        return RepoConfig()
    top = os.path.realpath(root)
    where = os.path.realpath(path.parent)
    if os.path.commonpath([top, where]) != top:
        raise ConfigError(
            f"{CONFIG_PATH}: its directory leads out of the repository (a symbolic link); "
            "the configuration must be a file of the work tree"
        )
    try:
        data = read_regular_file(path, MAX_CONFIG_BYTES, follow_symlinks=False)
    except UnreadableFile as e:
        raise ConfigError(f"{CONFIG_PATH}: cannot read the configuration: {e.detail}") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ConfigError(f"{CONFIG_PATH}:{line}: not UTF-8 text (byte {e.start})") from e
    return parse_config(text, CONFIG_PATH)


def parse_config(text: str, name: str = CONFIG_PATH) -> RepoConfig:
    """Validate configuration YAML already read; ``name`` is used in errors."""
    try:
        root = safe_yaml.compose(text, "the configuration")
    except safe_yaml.YamlProblem as e:
        raise ConfigError(f"{name}:{e.line}: {e.message}") from e
    if root is None:
        return RepoConfig()
    if not isinstance(root, yaml.MappingNode):
        raise _fail(
            name, root, f"expected a mapping with {_expected()}, not {safe_yaml.describe(root)}"
        )
    lists: dict[str, PathPatterns] = {}
    exemptions: str | None = None
    for key, value in root.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag != _STR or key.value not in _KEYS:
            shown = safe_yaml.preview(str(key.value)) if isinstance(key, yaml.ScalarNode) else "?"
            raise _fail(name, key, f"unknown key {shown!r} (expected {_expected()})")
        if key.value == "exemptions":
            exemptions = _file_path(name, key.value, value)
            continue
        lists[key.value] = _patterns(name, key.value, value)
    return RepoConfig(**lists, exemptions=exemptions)


def _file_path(name: str, key: str, node: yaml.Node) -> str | None:
    """A file's path from the repository root (``exemptions: .unsafe-audit/exemptions.yaml``)."""
    if node.tag == _NULL:
        return None
    if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
        raise _fail(name, node, f"'{key}' must be a file path, not {safe_yaml.describe(node)}")
    problem = _pattern_problem(node.value)
    if problem is None and any(c in node.value for c in "*?"):
        problem = "holds '*' or '?'; name one file"
    if problem is not None:
        raise _fail(name, node, f"'{key}' {safe_yaml.preview(node.value)!r} {problem}")
    return str(node.value)


def _patterns(name: str, key: str, node: yaml.Node) -> PathPatterns:
    if node.tag == _NULL:
        return PathPatterns()
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(
            name, node, f"'{key}' must be a list of path patterns, not {safe_yaml.describe(node)}"
        )
    if len(node.value) > MAX_PATTERNS:
        raise _fail(name, node, f"'{key}' holds over {MAX_PATTERNS} patterns")
    found: list[str] = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or item.tag != _STR:
            raise _fail(
                name, item, f"a pattern in '{key}' must be a string, not {safe_yaml.describe(item)}"
            )
        problem = _pattern_problem(item.value)
        if problem is not None:
            shown = safe_yaml.preview(item.value)
            raise _fail(name, item, f"pattern {shown!r} in '{key}' {problem}")
        found.append(item.value)
    return PathPatterns(tuple(found))


def _pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` could never match a path from the repository root, or None."""
    if not pattern:
        return "is empty"
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"is longer than {MAX_PATTERN_CHARS} characters"
    if pattern.startswith("/"):
        return "starts with '/'; write paths from the repository root without it"
    if "\\" in pattern or "\0" in pattern:
        return "holds a backslash or NUL; separate directories with '/'"
    if any(segment in ("", ".", "..") for segment in pattern.split("/")):
        return "has an empty, '.' or '..' segment"
    return None


def _fail(name: str, node: yaml.Node, message: str) -> ConfigError:
    return ConfigError(f"{name}:{safe_yaml.line_of(node)}: {message}")


def _expected() -> str:
    return ", ".join(_KEYS)
