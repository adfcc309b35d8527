"""Generate ``src/unsafe_audit/data/pg_sys_names.tsv`` from a pgrx git repository.

The extractor has to tell a call to ``pg_sys::palloc`` (or a bare ``palloc`` after
``use pgrx::pg_sys::*``) from a call to a local function, and a read of a pg_sys mutable static
(``CurrentMemoryContext``) from a read of a local one.  It needs the names pg_sys exports, which
this script takes from pgrx's own published sources at one pinned commit:

* ``pgrx-pg-sys/src/include/pgNN.rs`` -- the bindgen output pgrx checks in for docs.rs.  Only items
  inside ``extern`` blocks count: ``pub fn`` (foreign functions) and ``pub static`` /
  ``pub static mut`` (foreign statics).  Types, consts and methods in ``impl`` blocks do not.
* the hand-written Rust that pgrx glob-re-exports at pg_sys's root (``ROOT_SOURCES`` below): its
  top-level ``pub fn`` items, the ``pub fn``/``pub static`` items of its own ``extern`` blocks, and
  ``pub use ... as Alias`` re-exports of functions (``AllocSetContextCreateExtended``).  Each
  item's ``#[cfg(feature = "pgNN")]`` attributes decide which versions it exists in.

Sources are read with ``git show REV:PATH``, so the git directory needs no work tree.  Rust is
parsed with tree-sitter (``tree_sitter_rust``), never with regular expressions, so functions nested
in other functions, methods in ``impl`` blocks and ``pub(crate)`` items are not mistaken for pg_sys
names.  Output is sorted and carries no timestamp: the same commit always gives the same bytes.

Usage::

    python scripts/gen_pg_sys_names.py [--git-dir DIR] [--rev REV] [--output FILE]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import tree_sitter_rust
from tree_sitter import Language, Node, Parser

DEFAULT_GIT_DIR = Path("/work/.mirror/pgcentralfoundation+pgrx/repo")
"""Where the development machine keeps a bare snapshot of github.com/pgcentralfoundation/pgrx."""

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "src/unsafe_audit/data/pg_sys_names.tsv"
"""The package data file the loader ``unsafe_audit.extract.pg_sys_names`` reads."""

SOURCE_REPOSITORY = "https://github.com/pgcentralfoundation/pgrx"
BINDINGS_DIR = "pgrx-pg-sys/src/include"
MIN_VERSION = 13
"""Oldest PostgreSQL major version kept: PostgreSQL 12 is out of support and out of scope."""

SCRIPT_NAME = "scripts/gen_pg_sys_names.py"

Kind = Literal["fn", "static"]
Origin = Literal["bindgen", "pgrx"]
CfgPredicate = Callable[[int], bool]


@dataclass(frozen=True)
class RootSource:
    """A hand-written pgrx-pg-sys file whose public items appear at pg_sys's root."""

    path: str
    """Path inside the pgrx repository."""
    why: str
    """The re-export that makes its items reachable as ``pg_sys::name``."""
    inline_module: str | None = None
    """If set, only the child modules of this inline module are re-exported (``include.rs``)."""


ROOT_SOURCES: tuple[RootSource, ...] = (
    RootSource("pgrx-pg-sys/src/port.rs", "lib.rs: pub use port::*"),
    RootSource("pgrx-pg-sys/src/cshim.rs", "lib.rs: #[cfg(feature = cshim)] pub use cshim::*"),
    RootSource("pgrx-pg-sys/src/submodules/htup.rs", "submodules/mod.rs: pub use htup::*"),
    RootSource("pgrx-pg-sys/src/submodules/oids.rs", "submodules/mod.rs: pub use oids::*"),
    RootSource("pgrx-pg-sys/src/submodules/pg_try.rs", "submodules/mod.rs: pub use pg_try::*"),
    RootSource("pgrx-pg-sys/src/submodules/polyfill.rs", "submodules/mod.rs: pub use polyfill::*"),
    RootSource("pgrx-pg-sys/src/submodules/utils.rs", "submodules/mod.rs: pub use utils::*"),
    RootSource(
        "pgrx-pg-sys/src/include.rs",
        "include.rs: pub use internal::pgNN::*",
        inline_module="internal",
    ),
)
"""Every glob re-export reaching pg_sys's root from hand-written code.

Modules that are ``pub mod`` but not glob-re-exported (``ffi``, ``elog``, ``datum``, ``panic``,
``tupdesc``...) are reachable only as ``pg_sys::ffi::name``, so their functions are left out.
``EXPECTED_PUB_USES`` guards this table: if pgrx adds or drops a re-export, generation stops.
"""

EXPECTED_PUB_USES: dict[str, frozenset[str]] = {
    "pgrx-pg-sys/src/lib.rs": frozenset(
        {
            "pub use cshim::*;",
            "pub use cstr::AsPgCStr;",
            "pub use include::*;",
            "pub use node::PgNode;",
            "pub use port::*;",
            "pub use submodules::*;",
        }
    ),
    "pgrx-pg-sys/src/submodules/mod.rs": frozenset(
        {
            "pub use datum::Datum;",
            "pub use htup::*;",
            "pub use oids::*;",
            "pub use pg_try::*;",
            "pub use polyfill::*;",
            "pub use utils::*;",
        }
    ),
    "pgrx-pg-sys/src/include.rs": frozenset(
        {"pub use pgN::*;", "pub use pgN_oids::*;", "pub use internal::pgN::*;"}
    ),
}
"""Top-level ``pub use`` items of pgrx-pg-sys's module files, ``pgNN`` written as ``pgN``.

``Datum``, ``AsPgCStr`` and ``PgNode`` are a type and traits, so they add no names here.
"""

PARSER = Parser(Language(tree_sitter_rust.language()))


class GenerationError(Exception):
    """The pgrx sources are not shaped the way this script understands; nothing was written."""


@dataclass
class NameRecord:
    """One output line while it is being collected."""

    kind: Kind
    name: str
    origin: Origin
    versions: set[int] = field(default_factory=set)


# --- git ---------------------------------------------------------------------------------------


def git(git_dir: Path, *args: str) -> str:
    """Run ``git --git-dir=GIT_DIR ARGS`` and return its standard output."""
    try:
        completed = subprocess.run(
            ["git", f"--git-dir={git_dir}", *args],
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as e:
        raise GenerationError(
            f"git {' '.join(args)} failed in {git_dir}: {e.stderr.strip()}"
        ) from e
    return completed.stdout


def read_blob(git_dir: Path, commit: str, path: str) -> bytes:
    """The bytes of PATH at COMMIT."""
    try:
        return subprocess.run(
            ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"],
            check=True,
            capture_output=True,
        ).stdout
    except subprocess.CalledProcessError as e:
        raise GenerationError(
            f"{path} is missing at {commit} in {git_dir}: {e.stderr.decode().strip()}"
        ) from e


def binding_versions(git_dir: Path, commit: str) -> list[int]:
    """PostgreSQL major versions that have ``include/pgNN.rs`` at COMMIT, oldest first."""
    listing = git(git_dir, "ls-tree", "--name-only", commit, f"{BINDINGS_DIR}/")
    found = re.findall(rf"^{re.escape(BINDINGS_DIR)}/pg(\d+)\.rs$", listing, flags=re.MULTILINE)
    return sorted(int(v) for v in found)


def refs_with_bindings(git_dir: Path, version: int) -> list[str]:
    """Commits in any ref of GIT_DIR that touched ``include/pgVERSION.rs`` (newest first)."""
    out = git(git_dir, "log", "--all", "--format=%H", "--", f"{BINDINGS_DIR}/pg{version}.rs")
    return out.split()


# --- cfg attributes ----------------------------------------------------------------------------

_CFG_TOKEN = re.compile(
    r'\s*(?:(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|"(?P<str>[^"]*)"|(?P<punct>[(),=]))'
)


def parse_cfg(text: str, where: str) -> CfgPredicate:
    """Turn the inside of ``cfg(...)`` into a predicate over the PostgreSQL major version.

    Only predicates whose value is known for a normal pgrx build are accepted; anything else is an
    error rather than a guess, so a new kind of gating in pgrx gets looked at.
    """
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text.rstrip()):
        match = _CFG_TOKEN.match(text, pos)
        if match is None:
            raise GenerationError(f"{where}: cannot read cfg({text})")
        pos = match.end()
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
    position = 0

    def take(expected: str | None = None) -> tuple[str, str]:
        nonlocal position
        if position >= len(tokens):
            raise GenerationError(f"{where}: cfg({text}) ends early")
        token = tokens[position]
        if expected is not None and token[1] != expected:
            raise GenerationError(f"{where}: expected {expected!r} in cfg({text})")
        position += 1
        return token

    def peek() -> str | None:
        return tokens[position][1] if position < len(tokens) else None

    def predicate() -> CfgPredicate:
        kind, word = take()
        if kind != "ident":
            raise GenerationError(f"{where}: unexpected {word!r} in cfg({text})")
        if word in ("any", "all", "not"):
            take("(")
            parts: list[CfgPredicate] = []
            while peek() != ")":
                parts.append(predicate())
                if peek() == ",":
                    take(",")
            take(")")
            if word == "not":
                if len(parts) != 1:
                    raise GenerationError(f"{where}: not() takes one predicate in cfg({text})")
                inner = parts[0]
                return lambda v: not inner(v)
            if word == "any":
                return lambda v: any(p(v) for p in parts)
            return lambda v: all(p(v) for p in parts)
        if peek() == "=":
            take("=")
            value_kind, value = take()
            if value_kind != "str":
                raise GenerationError(f"{where}: expected a string after = in cfg({text})")
            if word == "feature":
                pg = re.fullmatch(r"pg(\d+)", value)
                if pg is not None:
                    wanted = int(pg.group(1))
                    return lambda v: v == wanted
                if value == "cshim":
                    # pgrx enables cshim for pgrx-pg-sys, so its items are part of pg_sys.
                    return lambda v: True
        elif word in ("test", "docsrs"):
            # Names are for ordinary builds: test-only items and docs.rs stand-ins do not count.
            return lambda v: False
        raise GenerationError(f"{where}: unknown cfg predicate {word!r} in cfg({text})")

    result = predicate()
    if position != len(tokens):
        raise GenerationError(f"{where}: trailing tokens in cfg({text})")
    return result


def cfg_of(attributes: Iterable[Node], where: str) -> CfgPredicate:
    """The conjunction of every ``#[cfg(...)]`` / ``#![cfg(...)]`` among ATTRIBUTES."""
    predicates: list[CfgPredicate] = []
    for attribute_item in attributes:
        text = node_text(attribute_item)
        match = re.fullmatch(r"#!?\[\s*cfg\s*\((?P<body>.*)\)\s*\]", text, flags=re.DOTALL)
        if match is not None:
            line = attribute_item.start_point[0] + 1
            predicates.append(parse_cfg(match.group("body"), f"{where}:{line}"))
    if not predicates:
        return every_version
    return lambda v: all(p(v) for p in predicates)


def every_version(version: int) -> bool:
    """The predicate of an item with no ``cfg``: it exists in every version."""
    del version
    return True


def both(first: CfgPredicate, second: CfgPredicate) -> CfgPredicate:
    """The conjunction of two predicates."""
    return lambda v: first(v) and second(v)


# --- tree walking ------------------------------------------------------------------------------


def node_text(node: Node) -> str:
    """The source text of NODE."""
    raw = node.text
    assert raw is not None
    return raw.decode("utf-8")


def item_name(node: Node) -> str:
    """The ``name`` field of an item node."""
    name = node.child_by_field_name("name")
    if name is None:
        raise GenerationError(f"line {node.start_point[0] + 1}: {node.type} has no name")
    return node_text(name)


def is_plain_pub(node: Node) -> bool:
    """True for ``pub`` items, false for private and ``pub(crate)``/``pub(super)`` ones."""
    return any(
        child.type == "visibility_modifier" and node_text(child) == "pub" for child in node.children
    )


def items_with_attributes(container: Node) -> Iterator[tuple[Node, list[Node]]]:
    """Each item in a source file or ``{...}`` body with the outer attributes just before it."""
    pending: list[Node] = []
    for child in container.named_children:
        if child.type == "attribute_item":
            pending.append(child)
        elif child.type in ("line_comment", "block_comment", "inner_attribute_item"):
            continue
        else:
            yield child, pending
            pending = []


def inner_attributes(container: Node) -> list[Node]:
    """The ``#![...]`` attributes of a file or inline module body."""
    return [c for c in container.named_children if c.type == "inner_attribute_item"]


def parse_rust(source: bytes, where: str) -> Node:
    """Parse Rust source, refusing files tree-sitter cannot read cleanly."""
    root = PARSER.parse(source).root_node
    if root.has_error:
        raise GenerationError(f"{where}: tree-sitter could not parse the file cleanly")
    return root


Found = tuple[Kind, str, CfgPredicate]


def extern_block_items(block: Node, where: str, outer: CfgPredicate) -> Iterator[Found]:
    """``pub fn`` and ``pub static [mut]`` declarations inside one ``extern`` block."""
    body = block.child_by_field_name("body")
    if body is None:
        return
    for item, attributes in items_with_attributes(body):
        if not is_plain_pub(item):
            continue
        cfg = cfg_of(attributes, where)
        # An item with no cfg of its own shares the block's predicate (checked once per block).
        gated = outer if cfg is every_version else both(outer, cfg)
        if item.type == "function_signature_item":
            yield "fn", item_name(item), gated
        elif item.type == "static_item":
            yield "static", item_name(item), gated


def bindgen_items(root: Node, where: str) -> Iterator[tuple[Kind, str]]:
    """Foreign functions and statics declared in a bindgen ``pgNN.rs``."""
    always: dict[CfgPredicate, bool] = {}  # per predicate: 40,000 items share a few
    for item, attributes in items_with_attributes(root):
        if item.type == "foreign_mod_item":
            for kind, name, cfg in extern_block_items(item, where, cfg_of(attributes, where)):
                # bindgen files are per version; a cfg inside one would mean a format change.
                if cfg not in always:
                    always[cfg] = all(cfg(v) for v in range(MIN_VERSION, 100))
                if not always[cfg]:
                    raise GenerationError(f"{where}: unexpected cfg on {name}")
                yield kind, name


def hand_written_items(container: Node, where: str, outer: CfgPredicate) -> Iterator[Found]:
    """Public functions (and extern-block statics) of one hand-written module body."""
    module_cfg = cfg_of(inner_attributes(container), where)

    def scope(v: int) -> bool:
        return outer(v) and module_cfg(v)

    for item, attributes in items_with_attributes(container):
        item_cfg = cfg_of(attributes, where)

        def gated(v: int, item_cfg: CfgPredicate = item_cfg) -> bool:
            return scope(v) and item_cfg(v)

        if item.type == "function_item" and is_plain_pub(item):
            yield "fn", item_name(item), gated
        elif item.type == "foreign_mod_item":
            yield from extern_block_items(item, where, gated)
        elif item.type == "use_declaration" and is_plain_pub(item):
            argument = item.child_by_field_name("argument")
            if argument is not None and argument.type == "use_as_clause":
                # `pub use crate::pg13::AllocSetContextCreateInternal as ...Extended;`: the
                # source is a bindgen function, so the alias is one too.
                alias = argument.child_by_field_name("alias")
                path = argument.child_by_field_name("path")
                if alias is None or path is None:
                    raise GenerationError(f"{where}: cannot read {node_text(item)}")
                yield "fn", node_text(alias), gated


def inline_module_bodies(
    root: Node, module: str, where: str
) -> Iterator[tuple[Node, CfgPredicate]]:
    """Bodies of the child modules of the inline ``mod MODULE { ... }``, each with its cfg."""
    for item, _ in items_with_attributes(root):
        if item.type == "mod_item" and item_name(item) == module:
            body = item.child_by_field_name("body")
            if body is None:
                raise GenerationError(f"{where}: mod {module} has no inline body")
            for child, attributes in items_with_attributes(body):
                child_body = child.child_by_field_name("body")
                if child.type == "mod_item" and child_body is not None:
                    yield child_body, cfg_of(attributes, where)
            return
    raise GenerationError(f"{where}: no inline mod {module}")


def check_reexports(git_dir: Path, commit: str) -> None:
    """Stop if pgrx's root re-exports differ from the ones ``ROOT_SOURCES`` was written for."""
    for path, expected in EXPECTED_PUB_USES.items():
        root = parse_rust(read_blob(git_dir, commit, path), path)
        found = {
            re.sub(r"\bpg\d+", "pgN", " ".join(node_text(item).split()))
            for item, _ in items_with_attributes(root)
            if item.type == "use_declaration" and is_plain_pub(item)
        }
        if found != expected:
            raise GenerationError(
                f"{path} at {commit}: pub use items changed "
                f"(new: {sorted(found - expected)}, gone: {sorted(expected - found)}); "
                f"review ROOT_SOURCES and EXPECTED_PUB_USES in {SCRIPT_NAME}"
            )


# --- the table ---------------------------------------------------------------------------------


def collect(git_dir: Path, commit: str, versions: Sequence[int]) -> list[NameRecord]:
    """Every pg_sys function and static at COMMIT, for VERSIONS, sorted by name."""
    records: dict[tuple[Kind, str, Origin], NameRecord] = {}

    def add(kind: Kind, name: str, origin: Origin, version: int) -> None:
        key = (kind, name, origin)
        if key not in records:
            records[key] = NameRecord(kind, name, origin)
        records[key].versions.add(version)

    for version in versions:
        path = f"{BINDINGS_DIR}/pg{version}.rs"
        root = parse_rust(read_blob(git_dir, commit, path), path)
        for kind, name in bindgen_items(root, path):
            add(kind, name, "bindgen", version)

    check_reexports(git_dir, commit)
    for source in ROOT_SOURCES:
        root = parse_rust(read_blob(git_dir, commit, source.path), source.path)
        if source.inline_module is None:
            bodies: list[tuple[Node, CfgPredicate]] = [(root, lambda v: True)]
        else:
            bodies = list(inline_module_bodies(root, source.inline_module, source.path))
        for body, body_cfg in bodies:
            for kind, name, cfg in hand_written_items(body, source.path, body_cfg):
                for version in versions:
                    if cfg(version):
                        add(kind, name, "pgrx", version)

    names_by_kind: dict[str, set[str]] = {}
    for kind, name, _ in records:
        names_by_kind.setdefault(name, set()).add(kind)
    clashes = sorted(name for name, kinds in names_by_kind.items() if len(kinds) > 1)
    if clashes:
        raise GenerationError(f"names that are both fn and static: {clashes}")
    return sorted(records.values(), key=lambda r: (r.name, r.kind, r.origin))


def compact_versions(versions: Iterable[int]) -> str:
    """``[13, 15, 16, 17]`` -> ``"13,15-17"``."""
    ordered = sorted(set(versions))
    runs: list[str] = []
    start = prev = ordered[0]
    for v in [*ordered[1:], None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if v is not None:
            start = prev = v
    return ",".join(runs)


def render(
    git_dir: Path,
    commit: str,
    versions: Sequence[int],
    records: Sequence[NameRecord],
) -> str:
    """The TSV text: ``# `` header lines, then ``kind, name, versions, origin`` rows."""
    newest = max(versions)
    missing = newest + 1
    elsewhere = refs_with_bindings(git_dir, missing)
    if elsewhere:
        missing_note = (
            f"PostgreSQL {missing}: {BINDINGS_DIR}/pg{missing}.rs is not at this commit but other "
            f"refs have it (newest touching commit {elsewhere[0]}); not included"
        )
    else:
        missing_note = (
            f"PostgreSQL {missing}: not available -- no branch, tag or pull ref of the source "
            f"snapshot has {BINDINGS_DIR}/pg{missing}.rs"
        )
    fn_count = sum(r.kind == "fn" for r in records)
    static_count = sum(r.kind == "static" for r in records)
    header = [
        "pg_sys function and static names, derived from pgrx's published bindings.",
        f"source: {SOURCE_REPOSITORY}",
        f"commit: {commit}",
        f"PostgreSQL versions: {compact_versions(versions)} (pg12 and older left out)",
        missing_note,
        "read: " + ", ".join(f"{BINDINGS_DIR}/pg{v}.rs" for v in versions),
        "read: " + ", ".join(s.path for s in ROOT_SOURCES),
        f"generated by: {SCRIPT_NAME}",
        f"regenerate: python {SCRIPT_NAME} --git-dir PATH/TO/pgrx.git --rev {commit}",
        f"rows: {fn_count} fn, {static_count} static",
        "columns: kind<TAB>name<TAB>versions<TAB>origin",
        "  kind: fn (callable as pg_sys::name) or static (pg_sys::name is a static or static mut)",
        "  origin: bindgen (extern block in pgNN.rs) or pgrx (hand-written in pgrx-pg-sys)",
        "  a name with both origins has one row per origin",
    ]
    lines = [f"# {line}" for line in header]
    lines.extend(f"{r.kind}\t{r.name}\t{compact_versions(r.versions)}\t{r.origin}" for r in records)
    return "\n".join(lines) + "\n"


def generate(git_dir: Path, rev: str) -> str:
    """The full TSV text for pgrx at REV in GIT_DIR."""
    commit = git(git_dir, "rev-parse", "--verify", f"{rev}^{{commit}}").strip()
    versions = [v for v in binding_versions(git_dir, commit) if v >= MIN_VERSION]
    if not versions:
        raise GenerationError(f"no {BINDINGS_DIR}/pgNN.rs with NN >= {MIN_VERSION} at {commit}")
    records = collect(git_dir, commit, versions)
    return render(git_dir, commit, versions, records)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--git-dir", type=Path, default=DEFAULT_GIT_DIR, help="pgrx git dir")
    parser.add_argument("--rev", default="HEAD", help="revision to read (default: HEAD)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="TSV to write")
    args = parser.parse_args(argv)
    try:
        text = generate(args.git_dir, args.rev)
    except GenerationError as e:
        print(f"gen_pg_sys_names: {e}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
