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

Every scalar that is not plain text is converted once during that walk, so one that cannot be
(``!!int abc``, ``!!timestamp 2026-02-30``) is a :class:`YamlProblem` with its line, never a
traceback; :func:`load` (or :func:`construct`) then builds the Python values. The loader is a
local subclass: nothing global in PyYAML is changed.
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
_TEXT = _CORE + "str"
_WHAT = {"int": "integer", "float": "number", "bool": "boolean", "timestamp": "date and time"}


class YamlProblem(Exception):
    """Why a YAML text was refused, and on which line (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


class RepositoryLoader(_BaseLoader):
    """The safe loader (libyaml's when installed). A local subclass, so that nothing is ever
    registered on PyYAML's own classes."""


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
    return load(text, what, construct_values=False)[0]


def load(text: str, what: str, *, construct_values: bool = True) -> tuple[yaml.Node | None, Any]:
    """The checked node tree of ``text`` and its Python value (None, None for an empty
    document). Raises :class:`YamlProblem`."""
    loader = RepositoryLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark is not None else 1
            problem = e.problem or e.context or "malformed"
            raise YamlProblem(line, f"invalid YAML: {problem}") from e
        except yaml.YAMLError as e:
            raise YamlProblem(1, f"invalid YAML: {e}") from e
        if node is None:
            return None, None
        _check(node, what, loader)
        return node, _construct(loader, node) if construct_values else None
    finally:
        loader.dispose()


def construct(node: yaml.Node) -> Any:
    """The Python value of a node :func:`compose` returned. Raises :class:`YamlProblem`."""
    loader = RepositoryLoader("")
    try:
        return _construct(loader, node)
    finally:
        loader.dispose()


def _construct(loader: RepositoryLoader, node: yaml.Node) -> Any:
    try:
        return loader.construct_document(node)
    except _CONVERSION_ERRORS as e:  # pragma: no cover - _check converted every scalar already
        raise YamlProblem(line_of(node), f"cannot be read: {preview(str(e), 80)}") from e


_CONVERSION_ERRORS = (ValueError, OverflowError, TypeError, AttributeError, ConstructorError)


def _convert(loader: RepositoryLoader, node: yaml.ScalarNode) -> None:
    """Convert one scalar that is not plain text, as construction will, to fail with its line."""
    try:
        loader.yaml_constructors[node.tag](loader, node)
    except _CONVERSION_ERRORS as e:
        name = node.tag[len(_CORE) :]
        kind = _WHAT.get(name, f"{short_tag(node.tag)} value")
        if name in ("int", "float"):  # Python's own words ("invalid literal...") add nothing
            why = ""
        elif isinstance(e, (TypeError, AttributeError)):  # PyYAML's constructors on odd text
            why = " (not written in a form YAML accepts)"
        else:
            reason = e.problem if isinstance(e, ConstructorError) and e.problem else str(e)
            why = f" ({preview(reason, 80)})"
        raise YamlProblem(
            line_of(node), f"{preview(node.value)!r} is not a valid {kind}{why}"
        ) from e


def _check(root: yaml.Node, what: str, loader: RepositoryLoader) -> None:
    """Walk the tree once (iteratively: its size is bounded by the text, its depth is not).

    Written for speed, as every entry of a large ledger passes through it: scalars (most nodes)
    are checked where they are met rather than pushed on the stack, lines are worked out only
    for an error, and ASCII text skips the Unicode check.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    scalar, mapping = yaml.ScalarNode, yaml.MappingNode
    while stack:
        node, depth = stack.pop()
        if isinstance(node, scalar):  # only the root can be a scalar here
            _check_scalar(node, what, loader, seen)
            continue
        _check_node(node, what, seen)
        if depth >= MAX_DEPTH:
            raise YamlProblem(
                line_of(node), f"nested more than {MAX_DEPTH} levels deep, too deep for {what}"
            )
        children: list[yaml.Node]
        if isinstance(node, mapping):
            keys: set[str] = set()
            children = []
            for key, value in node.value:
                if not isinstance(key, scalar):
                    raise YamlProblem(line_of(key), "a mapping key must be a plain value")
                if key.value in keys:
                    first = next(k for k, _ in node.value if k.value == key.value)
                    raise YamlProblem(
                        line_of(key),
                        f"key {preview(key.value)!r} is given twice in one mapping (first on "
                        f"line {line_of(first)}); YAML would keep only the last one",
                    )
                keys.add(key.value)
                children += (key, value)
        else:
            children = node.value
        for child in children:
            if (
                type(child) is scalar
                and child.tag == _TEXT
                and id(child) not in seen
                and child.value.isascii()
            ):
                seen.add(id(child))  # the common case, plain ASCII text, checked in line
            elif isinstance(child, scalar):
                _check_scalar(child, what, loader, seen)
            else:
                stack.append((child, depth + 1))


def _check_node(node: yaml.Node, what: str, seen: set[int]) -> None:
    """Refuse a node met before (an alias) and a tag outside plain data."""
    if id(node) in seen:
        raise YamlProblem(
            line_of(node),
            f"YAML anchors and aliases (&name, *name) are not allowed in {what}; "
            "write each value out",
        )
    seen.add(id(node))
    if node.tag not in _ALLOWED:
        raise YamlProblem(
            line_of(node),
            f"the YAML tag {preview(short_tag(node.tag))} is not allowed in {what} "
            "(only text, numbers, true/false, dates, lists and mappings)",
        )


def _check_scalar(
    node: yaml.ScalarNode, what: str, loader: RepositoryLoader, seen: set[int]
) -> None:
    _check_node(node, what, seen)
    value: str = node.value
    if node.tag in _NUMBERS and len(value) > MAX_NUMBER_CHARS:
        raise YamlProblem(
            line_of(node),
            f"the number {preview(value, 20)!r} is too long (over {MAX_NUMBER_CHARS} chars)",
        )
    if not value.isascii():
        _check_text(node)
    if node.tag != _TEXT:
        _convert(loader, node)


def _check_text(node: yaml.ScalarNode) -> None:
    """Non-ASCII text holds no lone surrogate (the pure-Python loader turns ``"\\udc85"``
    into one, which no UTF-8 file can hold)."""
    value: str = node.value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise YamlProblem(
            line_of(node),
            f"text with a lone surrogate escape (\\u{ord(value[e.start]):04x}) is not valid",
        ) from e


def describe(node: yaml.Node) -> str:
    """What a node is, for a message saying it is the wrong thing: ``a mapping``, ``a list``,
    ``an int ('12')``, ``empty``."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    kind = node.tag.rsplit(":", 1)[-1]
    if kind == "null":
        return "empty"
    article = "an" if kind[:1] in "aeiou" else "a"
    return f"{article} {kind} ({preview(str(node.value))!r})"
