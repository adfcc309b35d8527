"""YAML from a repository, read as data a pull request's author wrote: bounded and plain.

Ledger entries and checklists come from the repository under review, so their YAML is hostile
until proven otherwise. :func:`compose` builds the node tree with PyYAML's safe loader (libyaml
when installed) and then refuses, each with the line it is on:

- anchors and aliases (``&a`` / ``*a``): they let a 1 KB file stand for gigabytes of data (the
  "billion laughs"); nothing we read needs them, so the first node used twice is an error;
- tags other than plain text, numbers, booleans, null, timestamps, lists and mappings
  (``!!binary``, ``!!set``, ``!!python/...``, ``!custom``, the ``<<`` merge key);
- numbers of more than :data:`MAX_NUMBER_CHARS` characters (``int()`` of a huge sexagesimal
  ``1:2:3:…`` is quadratic, and a huge integer cannot even be printed);
- a mapping key given twice (YAML would silently keep the last one, which a reviewer reading
  the first would never see), and keys that are lists or mappings;
- nesting deeper than :data:`MAX_DEPTH`, and text that is not valid Unicode.

:func:`construct` then turns a checked node into Python values; a scalar that cannot be
converted (``!!int abc``, ``!!timestamp 2026-02-30``) is a :class:`YamlProblem` with its line,
never a traceback. The loader is a local subclass: nothing global in PyYAML is changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import ConstructorError

if TYPE_CHECKING:
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 32
"""Deepest nesting accepted (a ledger entry needs 4 levels, a checklist 5)."""
MAX_NUMBER_CHARS = 32
"""Longest number (int or float scalar) accepted, in characters."""

_CORE = "tag:yaml.org,2002:"
_ALLOWED = frozenset(
    _CORE + name for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
_NUMBERS = frozenset((_CORE + "int", _CORE + "float"))
_WHAT = {"int": "integer", "float": "number", "bool": "boolean", "timestamp": "date and time"}


class YamlProblem(Exception):
    """Why a YAML text was refused, and on which line (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


class _ConversionFailed(Exception):
    def __init__(self, node: yaml.Node, reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


class RepositoryLoader(_BaseLoader):
    """The safe loader (libyaml's when installed), with scalar conversion failures tied to the
    node that failed. Local to this module: registering nothing on PyYAML's own classes."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except _ConversionFailed:
            raise
        except (ValueError, OverflowError, ConstructorError) as e:
            reason = e.problem if isinstance(e, ConstructorError) and e.problem else str(e)
            raise _ConversionFailed(node, preview(reason, 80)) from e
        except (TypeError, AttributeError) as e:  # PyYAML's constructors on malformed text
            raise _ConversionFailed(node, "not written in a form YAML accepts") from e


def line_of(node: yaml.Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def short_tag(tag: str) -> str:
    """``!!int`` for ``tag:yaml.org,2002:int``; other tags as written."""
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def preview(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters for a message (``…`` marks the cut)."""
    return text if len(text) <= limit else text[:limit] + "…"


def compose(text: str, what: str) -> yaml.Node | None:
    """The checked node tree of ``text`` (None for an empty document); see the module doc.

    ``what`` names the document in messages (``a ledger entry``). Raises :class:`YamlProblem`.
    """
    loader = RepositoryLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlProblem(line, f"invalid YAML: {e.problem or e.context or 'malformed'}") from e
    except yaml.YAMLError as e:
        raise YamlProblem(1, f"invalid YAML: {e}") from e
    finally:
        loader.dispose()
    if node is not None:
        _check(node, what)
    return node


def construct(node: yaml.Node) -> Any:
    """The Python value of a node :func:`compose` returned. Raises :class:`YamlProblem`."""
    loader = RepositoryLoader("")
    try:
        return loader.construct_document(node)
    except _ConversionFailed as e:
        failed = e.node
        name = failed.tag[len(_CORE) :]
        kind = _WHAT.get(name, f"{short_tag(failed.tag)} value")
        value = failed.value if isinstance(failed, yaml.ScalarNode) else ""
        # Python's own words add nothing for a number ("invalid literal for int()...").
        why = "" if name in ("int", "float") else f" ({e.reason})"
        raise YamlProblem(line_of(failed), f"{preview(value)!r} is not a valid {kind}{why}") from e
    finally:
        loader.dispose()


def _check(root: yaml.Node, what: str) -> None:
    """Walk the tree once (iteratively: its size is bounded by the text, its depth is not)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        line = line_of(node)
        if id(node) in seen:
            raise YamlProblem(
                line,
                f"YAML anchors and aliases (&name, *name) are not allowed in {what}; "
                "write each value out",
            )
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise YamlProblem(
                line, f"nested more than {MAX_DEPTH} levels deep, too deep for {what}"
            )
        if node.tag not in _ALLOWED:
            raise YamlProblem(
                line,
                f"the YAML tag {preview(short_tag(node.tag))} is not allowed in {what} "
                "(only text, numbers, true/false, dates, lists and mappings)",
            )
        if isinstance(node, yaml.ScalarNode):
            _check_scalar(node, line)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, _value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    raise YamlProblem(line_of(key), "a mapping key must be a plain value")
                if key.value in first:
                    raise YamlProblem(
                        line_of(key),
                        f"key {preview(key.value)!r} is given twice in one mapping (first on "
                        f"line {first[key.value]}); YAML would keep only the last one",
                    )
                first.setdefault(key.value, line_of(key))
            for key, value in reversed(node.value):
                stack.append((value, depth + 1))
                stack.append((key, depth + 1))


def _check_scalar(node: yaml.ScalarNode, line: int) -> None:
    value: str = node.value
    if node.tag in _NUMBERS and len(value) > MAX_NUMBER_CHARS:
        raise YamlProblem(
            line, f"the number {preview(value, 20)!r} is too long (over {MAX_NUMBER_CHARS} chars)"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise YamlProblem(
            line, f"text with a lone surrogate escape (\\u{ord(value[e.start]):04x}) is not valid"
        ) from e
