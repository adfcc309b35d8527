"""Reading checklist files: a validating YAML loader, and the checklist shipped with the tool.

A checklist is data (``checklists/*.yaml``) so maintainers can read changes to it in a PR diff
and teams can add their own items on top of the default ``pgrx-ffi`` checklist. The loader
builds values from the node tree of :func:`unsafe_audit.safe_yaml.compose` rather than from
plain objects, because every node keeps its line: each validation error names the file, the line
and the field that is wrong. A checklist file may come from the repository under review, so it is
read like a ledger entry: a regular file of at most :data:`MAX_CHECKLIST_BYTES`, with no YAML
aliases, exotic tags or duplicate keys.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

from unsafe_audit import safe_yaml
from unsafe_audit.checklist.model import (
    Checklist,
    Item,
    ItemId,
    LifetimePattern,
    Origin,
    Section,
    known_ids,
)
from unsafe_audit.errors import ChecklistError
from unsafe_audit.model import SiteKind
from unsafe_audit.regular_file import KIB, UnreadableFile, read_regular_file

DEFAULT_CHECKLIST_NAME = "pgrx-ffi.yaml"
MAX_CHECKLIST_BYTES = 1024 * KIB
"""The largest checklist file read (the default one is about 15 KiB)."""

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
# Letters first so an id can never be mistaken for (or drift into) a position number.
_ITEM_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")
_KNOWN_KINDS = ", ".join(kind.value for kind in SiteKind)


def load_checklist(path: str | Path, *, base: Checklist | None = None) -> Checklist:
    """Read and validate one checklist file.

    ``base`` is the checklist a team file is meant to extend: its sections are then known, so
    the team's items may be filed under ``A``, ``B`` or ``C`` without redefining them. Combine
    the two with :func:`merge_checklists`.
    """
    name = str(path)
    try:
        data = read_regular_file(Path(path), MAX_CHECKLIST_BYTES)
    except UnreadableFile as e:
        raise ChecklistError(f"{name}: cannot read checklist: {e.detail}") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ChecklistError(f"{name}: checklist is not UTF-8 text: {e.reason}") from e
    return parse_checklist(text, name, base=base)


def parse_checklist(text: str, name: str, *, base: Checklist | None = None) -> Checklist:
    """Validate checklist YAML already read into ``text``; ``name`` is used in errors."""
    try:
        root = safe_yaml.compose(text, "a checklist")
    except safe_yaml.YamlProblem as e:
        raise ChecklistError(f"{name}:{e.line}: {e.message}") from e
    if root is None:
        raise ChecklistError(
            f"{name}:1: checklist file is empty; expected a mapping with id, version, title, "
            "sections and items"
        )
    return _Builder(name).checklist(root, base)


@functools.cache
def default_checklist() -> Checklist:
    """The checklist shipped with unsafe-audit (``pgrx-ffi``), loaded once.

    Installed wheels carry it as package data under ``unsafe_audit/_checklists``; a source
    checkout reads ``checklists/`` at the repository root instead.
    """
    resource = importlib.resources.files("unsafe_audit") / "_checklists" / DEFAULT_CHECKLIST_NAME
    if resource.is_file():
        return parse_checklist(resource.read_text(encoding="utf-8"), str(resource))
    return load_checklist(_source_checkout_checklists() / DEFAULT_CHECKLIST_NAME)


def _source_checkout_checklists() -> Path:
    # src/unsafe_audit/checklist/load.py -> the repository root is four levels up.
    return Path(__file__).resolve().parents[3] / "checklists"


class _Builder:
    """Turns one file's node tree into a Checklist, failing at the first error with its line."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, node: yaml.Node, message: str) -> ChecklistError:
        return ChecklistError(f"{self.name}:{node.start_mark.line + 1}: {message}")

    def origin(self, node: yaml.Node) -> Origin:
        return Origin(self.name, node.start_mark.line + 1)

    # -- the document --------------------------------------------------------------------------

    def checklist(self, root: yaml.Node, base: Checklist | None) -> Checklist:
        fields = self.mapping(
            root,
            "the checklist",
            required=("id", "version", "title", "items"),
            optional=("description", "sections", "lifetime_patterns"),
        )
        checklist_id = self.string(fields["id"], "field 'id'")
        version_node = fields["version"]
        if not isinstance(version_node, yaml.ScalarNode) or version_node.tag != _INT:
            raise self.fail(
                version_node,
                "field 'version' must be a positive integer, not "
                + safe_yaml.describe(version_node),
            )
        try:
            version = safe_yaml.construct(version_node)
        except safe_yaml.YamlProblem as e:
            raise self.fail(version_node, f"field 'version': {e.message}") from e
        if not isinstance(version, int) or version < 1:
            raise self.fail(
                version_node, f"field 'version' must be a positive integer, not {version}"
            )
        title = self.string(fields["title"], "field 'title'")
        description = (
            self.string(fields["description"], "field 'description'", allow_empty=True)
            if "description" in fields
            else ""
        )

        sections = tuple(
            self.section(node) for node in self.sequence(fields.get("sections"), "field 'sections'")
        )
        self.check_unique("section", sections)
        patterns = tuple(
            self.lifetime_pattern(node)
            for node in self.sequence(fields.get("lifetime_patterns"), "field 'lifetime_patterns'")
        )
        self.check_unique("lifetime pattern", patterns)

        known_sections = [section.id for section in sections]
        if base is not None:
            known_sections += [s.id for s in base.sections if s.id not in known_sections]
        items = tuple(
            self.item(node, known_sections)
            for node in self.sequence(fields["items"], "field 'items'")
        )
        self.check_unique("item", items)
        order = {section_id: index for index, section_id in enumerate(known_sections)}
        return Checklist(
            id=checklist_id,
            version=version,
            title=title,
            description=description,
            sections=sections,
            lifetime_patterns=patterns,
            items=tuple(sorted(items, key=lambda item: order[item.section])),
            parts=(f"{checklist_id}@{version}",),
        )

    def section(self, node: yaml.Node) -> Section:
        fields = self.mapping(node, "section", required=("id", "title"))
        section_id = self.identifier(fields["id"], "section")
        return Section(
            id=section_id,
            title=self.string(fields["title"], f"section {section_id!r}: field 'title'"),
            origin=self.origin(node),
        )

    def lifetime_pattern(self, node: yaml.Node) -> LifetimePattern:
        fields = self.mapping(node, "lifetime pattern", required=("id", "title", "description"))
        pattern_id = self.identifier(fields["id"], "lifetime pattern")
        where = f"lifetime pattern {pattern_id!r}"
        return LifetimePattern(
            id=pattern_id,
            title=self.string(fields["title"], f"{where}: field 'title'"),
            description=self.string(fields["description"], f"{where}: field 'description'"),
            origin=self.origin(node),
        )

    def item(self, node: yaml.Node, known_sections: Sequence[str]) -> Item:
        fields = self.mapping(
            node, "item", required=("id", "section", "question", "guidance", "applies_to")
        )
        item_id = self.identifier(fields["id"], "item")
        if not _ITEM_ID.match(item_id):
            raise self.fail(
                fields["id"],
                f"item id {item_id!r} must be a slug such as 'ctx-owner' "
                "(lowercase letters, digits and single hyphens, starting with a letter)",
            )
        where = f"item {item_id!r}"
        section_node = fields["section"]
        section = self.string(section_node, f"{where}: field 'section'")
        if section not in known_sections:
            raise self.fail(
                section_node,
                f"{where}: unknown section {section!r} (known: {known_ids(known_sections)})",
            )
        return Item(
            id=ItemId(item_id),
            section=section,
            question=self.string(fields["question"], f"{where}: field 'question'"),
            guidance=self.string(fields["guidance"], f"{where}: field 'guidance'"),
            applies_to=self.kinds(fields["applies_to"], where),
            origin=self.origin(node),
        )

    def kinds(self, node: yaml.Node, where: str) -> tuple[SiteKind, ...]:
        kinds: list[SiteKind] = []
        entries = self.sequence(node, f"{where}: field 'applies_to'")
        if not entries:
            raise self.fail(node, f"{where}: field 'applies_to' must list at least one site kind")
        for entry in entries:
            value = self.string(entry, f"{where}: entry in applies_to")
            try:
                kind = SiteKind(value)
            except ValueError:
                raise self.fail(
                    entry,
                    f"{where}: unknown site kind {value!r} in applies_to (known: {_KNOWN_KINDS})",
                ) from None
            if kind in kinds:
                raise self.fail(entry, f"{where}: site kind {value!r} listed twice in applies_to")
            kinds.append(kind)
        return tuple(kinds)

    # -- node helpers --------------------------------------------------------------------------

    def mapping(
        self,
        node: yaml.Node,
        what: str,
        *,
        required: Sequence[str],
        optional: Sequence[str] = (),
    ) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping, not {safe_yaml.describe(node)}")
        fields: dict[str, yaml.Node] = {}
        keys: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise self.fail(key_node, f"{what}: keys must be strings")
            if key_node.value in fields:
                raise self.fail(key_node, f"{what}: field {key_node.value!r} given twice")
            fields[key_node.value] = value_node
            keys[key_node.value] = key_node
        # Name the entry by its id when it has a usable one: "item 'x': unknown field ...".
        id_node = fields.get("id")
        if isinstance(id_node, yaml.ScalarNode) and id_node.tag == _STR and id_node.value.strip():
            what = f"{what} {id_node.value.strip()!r}"
        allowed = (*required, *optional)
        for key, key_node in keys.items():
            if key not in allowed:
                raise self.fail(
                    key_node, f"{what}: unknown field {key!r} (expected: {', '.join(allowed)})"
                )
        missing = [key for key in required if key not in fields]
        if missing:
            raise self.fail(node, f"{what}: missing required field {missing[0]!r}")
        return fields

    def sequence(self, node: yaml.Node | None, what: str) -> Sequence[yaml.Node]:
        if node is None or _is_null(node):
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list, not {safe_yaml.describe(node)}")
        entries: list[yaml.Node] = node.value
        return entries

    def string(self, node: yaml.Node, what: str, *, allow_empty: bool = False) -> str:
        if _is_null(node):
            if allow_empty:
                return ""
            raise self.fail(node, f"{what} must not be empty")
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            raise self.fail(node, f"{what} must be a string, not {safe_yaml.describe(node)}")
        value: str = node.value.strip()
        if not value and not allow_empty:
            raise self.fail(node, f"{what} must not be empty")
        return value

    def identifier(self, node: yaml.Node, what: str) -> str:
        value = self.string(node, f"{what}: field 'id'")
        if any(char.isspace() for char in value):
            raise self.fail(node, f"{what} id {value!r} must not contain spaces")
        return value

    def check_unique(self, what: str, entries: Iterable[Section | LifetimePattern | Item]) -> None:
        seen: dict[str, Origin] = {}
        for entry in entries:
            if entry.id in seen:
                raise ChecklistError(
                    f"{entry.origin}: duplicate {what} id {entry.id!r} "
                    f"(first defined on line {seen[entry.id].line})"
                )
            seen[entry.id] = entry.origin


def _is_null(node: yaml.Node) -> bool:
    return node.tag == "tag:yaml.org,2002:null"
