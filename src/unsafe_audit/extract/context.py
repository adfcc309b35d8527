"""What surrounds a site: its module and item path, the attributes that matter, SAFETY comments."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from tree_sitter import Node

# Attributes a reviewer needs to see; `doc`, `inline`, `allow` and the like are noise here.
_IGNORED_ATTRIBUTES = frozenset(
    {"doc", "inline", "allow", "warn", "deny", "expect", "must_use", "cfg", "derive", "repr"}
)
_ITEM_NAMED = {
    "function_item": "name",
    "function_signature_item": "name",
    "trait_item": "name",
    "mod_item": "name",
    "struct_item": "name",
    "enum_item": "name",
    "union_item": "name",
    "static_item": "name",
    "const_item": "name",
}
_SAFETY_RE = re.compile(r"\bsafety\s*:", re.IGNORECASE)
_DOC_SAFETY_RE = re.compile(r"^#+\s*safety\s*$", re.IGNORECASE)
_COMMENT_PREFIX_RE = re.compile(r"^\s*(?://[/!]?|/\*+|\*+/?)\s?")


def text(node: Node | None) -> str:
    """A node's source text, decoded."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def module_path(path: str) -> tuple[str, list[str]]:
    """The crate root directory and the module path a file's location gives it.

    ``src/lib.rs`` -> ("", []); ``ext/src/cache/mod.rs`` -> ("ext", ["cache"]);
    ``tests/it.rs`` -> ("tests", ["it"]).
    """
    parts = path.split("/")
    if "src" in parts[:-1]:
        i = len(parts) - 1 - parts[::-1].index("src", 1)
        root, rest = parts[:i], parts[i + 1 :]
        if rest and rest[0] == "bin" and len(rest) > 1:
            rest = rest[1:]
    else:
        root, rest = parts[:-1], parts[-1:]
    if rest and rest[-1].endswith(".rs"):
        rest[-1] = rest[-1][:-3]
    if rest and rest[-1] in ("lib", "main", "mod"):
        rest = rest[:-1]
    return "/".join(root), rest


def _impl_name(node: Node) -> str:
    ty = node.child_by_field_name("type")
    trait = node.child_by_field_name("trait")
    base = _strip_generics(text(ty))
    if trait is not None:
        return f"<{base} as {_strip_generics(text(trait))}>"
    return base


def _strip_generics(s: str) -> str:
    if "<" not in s and ">" not in s:
        return "".join(s.split())  # the common case, without a loop over characters
    depth = 0
    out = []
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0 and not ch.isspace():
            out.append(ch)
    return "".join(out)


def item_name(node: Node, skip: frozenset[str] = frozenset()) -> str | None:
    """The name ``node`` adds to an item path when it is an item (``Cache``, ``<Cache as Drop>``,
    ``read!``), or None. Names in ``skip`` (synthetic wrapper fns) add nothing."""
    kind = node.type
    if kind in _ITEM_NAMED:
        name = text(node.child_by_field_name(_ITEM_NAMED[kind]))
        return name if name and name not in skip else None
    if kind == "impl_item":
        return _impl_name(node)
    if kind == "macro_definition":
        return text(node.child_by_field_name("name")) + "!"
    return None


def attribute_name(attr_item: Node) -> str:
    """``#[pg_guard]`` -> ``pg_guard``; ``#[unsafe(no_mangle)]`` -> ``no_mangle``;
    ``#[pgrx::pg_extern(strict)]`` -> ``pg_extern``."""
    attr = next((c for c in attr_item.named_children if c.type == "attribute"), None)
    if attr is None:
        return ""
    head = attr.named_children[0] if attr.named_children else None
    name = text(head)
    if head is not None and head.type == "scoped_identifier":
        name = text(head.child_by_field_name("name"))
    if name == "unsafe":
        args = attr.child_by_field_name("arguments")
        inner = args.named_children[0] if args is not None and args.named_children else None
        name = text(inner)
    return name


def preceding_attributes(earlier: Iterable[Node]) -> list[str]:
    """Names of the outer attributes written on an item, in source order; ``earlier`` are the
    item's named siblings before it, nearest first (the attributes and comments written on it
    come first, and the first other node ends them)."""
    names: list[str] = []
    for sib in earlier:
        if sib.type not in ("attribute_item", "line_comment", "block_comment"):
            break
        if sib.type == "attribute_item":
            name = attribute_name(sib)
            if name and name not in _IGNORED_ATTRIBUTES:
                names.append(name)
    names.reverse()
    return names


def abi_of(node: Node) -> str | None:
    """``extern "C"`` / ``extern "C-unwind"`` of a fn or extern block, if it has one."""
    for child in node.children:
        if child.type == "function_modifiers":
            for mod in child.children:
                if mod.type == "extern_modifier":
                    return _abi_text(mod)
        if child.type == "extern_modifier":
            return _abi_text(child)
    return None


def foreign_block_abi(fn: Node, parent_of: Callable[[Node], Node | None]) -> str | None:
    """The ABI of the extern block a foreign fn is declared in, if it is one (``parent_of``
    gives a node's parent)."""
    parent = parent_of(fn)
    if parent is not None and parent.type == "declaration_list":
        block = parent_of(parent)
        if block is not None and block.type == "foreign_mod_item":
            return abi_of(block)
    return None


def _abi_text(modifier: Node) -> str:
    abi = next((c for c in modifier.named_children if c.type == "string_literal"), None)
    return f"extern {text(abi)}" if abi is not None else 'extern "C"'


def safety_comment(lines: Sequence[str], start_row: int, anchor_row: int) -> str | None:
    """The SAFETY justification written for a site, or None.

    Looks at the run of comment lines directly above the statement (attributes in between are
    fine), then at a comment on the anchor line or the first line inside the site. Accepts
    ``// SAFETY: ...`` (any case) and a ``# Safety`` section in doc comments.
    """
    run: list[str] = []
    row = start_row - 1
    while row >= 0 and start_row - row <= 40:
        stripped = lines[row].strip()
        if stripped.startswith("#[") or stripped.startswith("#!["):
            row -= 1
            continue
        if stripped.startswith(("//", "/*", "*")):
            run.append(stripped)
            row -= 1
            continue
        break
    run.reverse()
    found = _safety_in_run(run)
    if found is not None:
        return found
    for r in (anchor_row, anchor_row + 1):
        if r < len(lines):
            line = lines[r]
            idx = line.find("//")
            if idx >= 0 and _SAFETY_RE.search(line[idx:]):
                return _clean([line[idx:].strip()])
    return None


def _safety_in_run(run: list[str]) -> str | None:
    for i, line in enumerate(run):
        body = _COMMENT_PREFIX_RE.sub("", line)
        if _SAFETY_RE.match(body.strip()):
            return _clean(run[i:])
        if _DOC_SAFETY_RE.match(body.strip()):
            section = []
            for later in run[i + 1 :]:
                b = _COMMENT_PREFIX_RE.sub("", later).strip()
                if b.startswith("#"):
                    break
                section.append(later)
            cleaned = _clean(section)
            return cleaned or None
    return None


def _clean(lines: list[str]) -> str:
    out = [_COMMENT_PREFIX_RE.sub("", ln).rstrip() for ln in lines]
    joined = "\n".join(out).strip()
    joined = re.sub(r"^safety\s*:\s*", "", joined, flags=re.IGNORECASE)
    return joined.strip()
