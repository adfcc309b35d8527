"""A read-only view of one Rust file's syntax for the static hints.

The hints (``unsafe_audit.hints``) must not import tree_sitter, so this module answers their
questions with plain frozen values: the fns of a file with their ABI and attributes, statics and
``thread_local!`` / ``lazy_static!`` declarations with their type text, calls, raw-pointer
dereferences, NULL checks, early exits and assignments within a byte range.

The file is parsed once and walked once, on first use, into flat lists; every query is then a
filter over those lists. Code inside macro invocations is a flat token tree to tree-sitter, so
calls and macro invocations there are found by a regex over the file's code with comments and
string literals blanked out (offsets unchanged); derefs, exits and assignments inside macros are
not seen.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from tree_sitter import Node

from unsafe_audit.extract import context
from unsafe_audit.extract.parser import parse

_BLANKED = frozenset(
    {"line_comment", "block_comment", "string_literal", "raw_string_literal", "char_literal"}
)
_LOOPS = frozenset({"loop_expression", "while_expression", "for_expression"})
_OWNERS = frozenset({"function_item", "closure_expression"})
_CELL_STATIC_RE = re.compile(
    rb"\bstatic\s+(?:ref\s+)?(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<type>[^=;]+?)\s*=\s*(?P<init>[^;]*);"
)
_NULL_CHECK_RES = (
    r"\b{n}\s*\.\s*is_null\s*\(",
    r"\b{n}\s*[!=]=\s*(?:(?:std|core)\s*::\s*)?(?:ptr\s*::\s*)?null(?:_mut)?\s*\(",
    r"null(?:_mut)?\s*\(\s*\)\s*[!=]=\s*{n}\b",
    r"\bNonNull\s*(?:::\s*<[^>]*>\s*)?::\s*new\s*\(\s*{n}\b",
)


@dataclass(frozen=True, slots=True)
class FnInfo:
    """One fn item with a body (free fn, method, or fn nested in another fn)."""

    name: str
    """The fn's name."""
    line: int
    """1-based line where the fn item starts (its visibility or ``fn`` keyword)."""
    start_byte: int
    """Offset of the fn item, attributes excluded."""
    end_byte: int
    """Offset just past the fn's body."""
    outer_start_byte: int
    """Offset of the first outer attribute or doc comment written on the fn."""
    body_start_byte: int
    """Offset of the body's ``{``."""
    attributes: tuple[str, ...]
    """Names of the outer attributes that matter for review (``pg_guard``, ``no_mangle``...)."""
    abi: str | None
    """``extern "C"`` / ``extern "C-unwind"`` when the fn is declared with an ABI."""
    is_unsafe: bool
    """True for an ``unsafe fn``."""
    in_trait_impl: bool
    """True for a method of an ``impl Trait for Type`` block (its docs live on the trait)."""
    doc: str
    """The fn's doc comments (``///`` and ``/** */``), markers removed, one line each."""
    params: tuple[tuple[str, str], ...]
    """``(name, type text)`` of each simple parameter."""

    @property
    def has_pg_guard(self) -> bool:
        """True when ``#[pg_guard]`` (or a path ending in it) is on the fn."""
        return "pg_guard" in self.attributes

    @property
    def is_foreign_abi(self) -> bool:
        """True for ``extern "C"``, ``extern "C-unwind"`` and other non-Rust ABIs."""
        return self.abi is not None and self.abi not in ('extern "Rust"', 'extern "rust-call"')


@dataclass(frozen=True, slots=True)
class StaticDecl:
    """A ``static``, ``static mut``, or a static declared in ``thread_local!``/``lazy_static!``."""

    name: str
    kind: str
    """``static``, ``static mut``, ``thread_local`` or ``lazy_static``."""
    type_text: str
    """The declared type, as written."""
    line: int
    start_byte: int
    end_byte: int


@dataclass(frozen=True, slots=True)
class TypeDecl:
    """A struct, enum, union or type alias declared in the file."""

    name: str
    text: str
    """The whole declaration (fields included) as written."""
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a fn or method, or an invocation of a macro."""

    name: str
    """Last path segment of the callee (``MemoryContextSwitchTo``, ``unwrap``, ``panic``)."""
    callee: str
    """The callee as written (``pg_sys::MemoryContextSwitchTo``); for a method, the name."""
    args: tuple[str, ...]
    """Argument texts; empty for calls found inside macro token trees."""
    bound_to: str | None
    """The name a ``let`` or assignment stores the call's value in, if it is stored directly."""
    discarded: bool
    """True when the call is an expression statement (or the tail of a block in one)."""
    start_byte: int
    end_byte: int
    line: int
    owner_byte: int
    """Start of the innermost fn or closure holding the call."""
    in_macro: bool = False


@dataclass(frozen=True, slots=True)
class Deref:
    """``*p`` (also ``&*p``, ``(*p).f``) or ``p.as_ref()``/``p.as_mut()``."""

    form: str
    """``*``, ``as_ref`` or ``as_mut``."""
    operand: str
    """The dereferenced expression's text."""
    base: str | None
    """The variable or path the pointer comes from (``table`` in ``(*table).vals``), when the
    operand is a plain variable, path, field chain or pointer arithmetic on one."""
    in_unsafe: bool
    """True inside an ``unsafe`` block or ``unsafe fn`` (a reference deref needs neither)."""
    start_byte: int
    line: int


@dataclass(frozen=True, slots=True)
class NullCheck:
    """``p.is_null()``, ``p == ptr::null()``, ``NonNull::new(p)`` and the like."""

    subject: str
    start_byte: int
    line: int


@dataclass(frozen=True, slots=True)
class Exit:
    """An early exit: ``return``, ``?``, ``break`` or ``continue``."""

    kind: str
    start_byte: int
    line: int
    owner_byte: int
    """Start of the innermost fn or closure the exit leaves (for ``return`` and ``?``)."""
    loop_byte: int | None
    """For ``break``/``continue``: start of the loop it leaves."""


@dataclass(frozen=True, slots=True)
class Assignment:
    """``target = value`` (plain assignment only)."""

    target: str
    value: str
    start_byte: int
    line: int
    owner_byte: int


@dataclass(frozen=True, slots=True)
class LetBinding:
    """``let name[: type] = init;`` with a plain identifier pattern."""

    name: str
    type_text: str
    init: str
    start_byte: int
    line: int


class RustSyntax:
    """One file, parsed once; the lists are built on first access."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._tree = parse(source)
        self._line_starts = [0] + [m.end() for m in re.finditer(rb"\n", source)]
        self._built = False
        self._fns: list[FnInfo] = []
        self._statics: list[StaticDecl] = []
        self._types: list[TypeDecl] = []
        self._calls: list[Call] = []
        self._derefs: list[Deref] = []
        self._exits: list[Exit] = []
        self._assignments: list[Assignment] = []
        self._lets: list[LetBinding] = []
        self._indexes: list[tuple[int, int]] = []
        self._macro_trees: list[tuple[int, int, int]] = []
        self._code = bytearray(source)

    # ------------------------------------------------------------------ positions and text
    def line_of(self, byte: int) -> int:
        """1-based line of a byte offset."""
        return bisect.bisect_right(self._line_starts, byte)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.source.find(b"\n", start)
        return self.source[start : end if end >= 0 else len(self.source)].decode("utf-8", "replace")

    def text(self, start: int, end: int) -> str:
        """Source text between two offsets."""
        return self.source[start:end].decode("utf-8", "replace")

    @property
    def code(self) -> bytes:
        """The source with comments and string/char literals blanked (offsets unchanged)."""
        self._build()
        return bytes(self._code)

    # ------------------------------------------------------------------ queries
    @property
    def fns(self) -> tuple[FnInfo, ...]:
        """Every fn with a body, in source order."""
        self._build()
        return tuple(self._fns)

    def enclosing_fn(self, byte: int) -> FnInfo | None:
        """The innermost fn whose item (attributes included) contains ``byte``."""
        self._build()
        best: FnInfo | None = None
        for fn in self._fns:
            if fn.outer_start_byte <= byte < fn.end_byte and (
                best is None or fn.start_byte >= best.start_byte
            ):
                best = fn
        return best

    @property
    def statics(self) -> tuple[StaticDecl, ...]:
        """Statics, in source order, including those in ``thread_local!``/``lazy_static!``."""
        self._build()
        return tuple(self._statics)

    @property
    def types(self) -> tuple[TypeDecl, ...]:
        """Structs, enums, unions and type aliases, in source order."""
        self._build()
        return tuple(self._types)

    def calls(self, names: Collection[str], start: int = 0, end: int | None = None) -> list[Call]:
        """Calls (fn, method or macro) whose last callee segment is in ``names``."""
        self._build()
        stop = len(self.source) if end is None else end
        return [c for c in self._calls if c.name in names and start <= c.start_byte < stop]

    def derefs(self, start: int = 0, end: int | None = None) -> list[Deref]:
        """Pointer dereferences in a range, in source order."""
        self._build()
        stop = len(self.source) if end is None else end
        return [d for d in self._derefs if start <= d.start_byte < stop]

    def null_checks(self, subject: str, start: int = 0, end: int | None = None) -> list[NullCheck]:
        """NULL tests of ``subject`` (a variable name or the last segment of a path) in a range,
        macro arguments such as ``assert!(!p.is_null())`` included."""
        self._build()
        stop = len(self.source) if end is None else end
        name = re.escape(subject.rsplit("::", 1)[-1].strip())
        code = bytes(self._code[start:stop]).decode("utf-8", "replace")
        found: list[NullCheck] = []
        for pattern in _NULL_CHECK_RES:
            for m in re.finditer(pattern.format(n=name), code):
                pos = start + len(code[: m.start()].encode())
                found.append(NullCheck(subject, pos, self.line_of(pos)))
        return sorted(found, key=lambda c: c.start_byte)

    def exits(self, start: int = 0, end: int | None = None) -> list[Exit]:
        """``return``, ``?``, ``break`` and ``continue`` in a range, in source order."""
        self._build()
        stop = len(self.source) if end is None else end
        return [e for e in self._exits if start <= e.start_byte < stop]

    def assignments(
        self, target_name: str, start: int = 0, end: int | None = None
    ) -> list[Assignment]:
        """Assignments whose target's last path segment is ``target_name``."""
        self._build()
        stop = len(self.source) if end is None else end
        return [
            a
            for a in self._assignments
            if _last_segment(a.target) == target_name and start <= a.start_byte < stop
        ]

    def lets(self, start: int = 0, end: int | None = None) -> list[LetBinding]:
        """``let`` bindings of a single name in a range, in source order."""
        self._build()
        stop = len(self.source) if end is None else end
        return [b for b in self._lets if start <= b.start_byte < stop]

    def index_expressions(self, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """``(start_byte, line)`` of each ``a[i]`` in a range (outside macros)."""
        self._build()
        stop = len(self.source) if end is None else end
        return [(b, ln) for b, ln in self._indexes if start <= b < stop]

    # ------------------------------------------------------------------ the one walk
    def _build(self) -> None:
        if self._built:
            return
        self._built = True
        stack: list[tuple[Node, int, int | None, bool]] = [(self._tree.root_node, 0, None, False)]
        while stack:
            node, owner, loop, in_unsafe = stack.pop()
            kind = node.type
            if kind in _BLANKED:
                self._blank(node.start_byte, node.end_byte)
                continue
            if kind == "token_tree":
                self._on_token_tree(node, owner)
                continue
            if kind in _OWNERS:
                owner = node.start_byte
                loop = None
                if kind == "function_item":
                    in_unsafe = _is_unsafe_fn(node)
                    self._on_fn(node)
            elif kind in _LOOPS:
                loop = node.start_byte
            elif kind == "unsafe_block":
                in_unsafe = True
            self._on_node(node, kind, owner, loop, in_unsafe)
            for child in reversed(node.children):
                stack.append((child, owner, loop, in_unsafe))
        self._calls.sort(key=lambda c: c.start_byte)
        self._derefs.sort(key=lambda d: d.start_byte)
        self._exits.sort(key=lambda e: e.start_byte)
        self._assignments.sort(key=lambda a: a.start_byte)
        self._statics.sort(key=lambda s: s.start_byte)
        # Calls inside macro token trees, found on the blanked code now that it is complete.
        for tt_start, tt_end, owner in self._macro_trees:
            self._scan_macro_calls(tt_start, tt_end, owner)
        self._calls.sort(key=lambda c: c.start_byte)

    def _blank(self, start: int, end: int) -> None:
        for i in range(start, end):
            if self._code[i] != 0x0A:
                self._code[i] = 0x20

    def _on_node(
        self, node: Node, kind: str, owner: int, loop: int | None, in_unsafe: bool
    ) -> None:
        if kind == "call_expression":
            self._on_call(node, owner)
        elif kind == "macro_invocation":
            self._on_macro(node, owner)
        elif kind == "unary_expression":
            op = node.children[0] if node.children else None
            if op is not None and op.type == "*" and len(node.children) > 1:
                operand = node.children[1]
                self._derefs.append(
                    Deref(
                        "*",
                        context.text(operand),
                        _base_of(operand),
                        in_unsafe,
                        node.start_byte,
                        node.start_point.row + 1,
                    )
                )
        elif kind in ("return_expression", "try_expression"):
            at = node.start_byte if kind == "return_expression" else node.end_byte - 1
            name = "return" if kind == "return_expression" else "?"
            self._exits.append(Exit(name, at, self.line_of(at), owner, None))
        elif kind in ("break_expression", "continue_expression"):
            name = kind.split("_")[0]
            self._exits.append(Exit(name, node.start_byte, node.start_point.row + 1, owner, loop))
        elif kind == "assignment_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            self._assignments.append(
                Assignment(
                    context.text(left),
                    context.text(right),
                    node.start_byte,
                    node.start_point.row + 1,
                    owner,
                )
            )
        elif kind == "let_declaration":
            pattern = node.child_by_field_name("pattern")
            if pattern is not None and pattern.type == "identifier":
                self._lets.append(
                    LetBinding(
                        context.text(pattern),
                        context.text(node.child_by_field_name("type")),
                        context.text(node.child_by_field_name("value")),
                        node.start_byte,
                        node.start_point.row + 1,
                    )
                )
        elif kind == "index_expression":
            self._indexes.append((node.start_byte, node.start_point.row + 1))
        elif kind == "static_item":
            mutable = any(c.type == "mutable_specifier" for c in node.children)
            self._statics.append(
                StaticDecl(
                    context.text(node.child_by_field_name("name")),
                    "static mut" if mutable else "static",
                    context.text(node.child_by_field_name("type")),
                    node.start_point.row + 1,
                    node.start_byte,
                    node.end_byte,
                )
            )
        elif kind in ("struct_item", "enum_item", "union_item", "type_item"):
            self._types.append(
                TypeDecl(
                    context.text(node.child_by_field_name("name")),
                    context.text(node),
                    node.start_point.row + 1,
                )
            )

    def _on_fn(self, node: Node) -> None:
        body = node.child_by_field_name("body")
        if body is None:
            return
        outer = node
        sib = node.prev_named_sibling
        while sib is not None and sib.type in ("attribute_item", "line_comment", "block_comment"):
            outer = sib
            sib = sib.prev_named_sibling
        parent = node.parent
        impl = parent.parent if parent is not None else None
        in_trait_impl = (
            impl is not None
            and impl.type == "impl_item"
            and impl.child_by_field_name("trait") is not None
        )
        params: list[tuple[str, str]] = []
        plist = node.child_by_field_name("parameters")
        for p in plist.named_children if plist is not None else ():
            if p.type == "parameter":
                params.append(
                    (
                        context.text(p.child_by_field_name("pattern")),
                        context.text(p.child_by_field_name("type")),
                    )
                )
        self._fns.append(
            FnInfo(
                name=context.text(node.child_by_field_name("name")),
                line=node.start_point.row + 1,
                start_byte=node.start_byte,
                end_byte=node.end_byte,
                outer_start_byte=outer.start_byte,
                body_start_byte=body.start_byte,
                attributes=tuple(context.preceding_attributes(node)),
                abi=context.abi_of(node),
                is_unsafe=_is_unsafe_fn(node),
                in_trait_impl=in_trait_impl,
                doc=self._doc_above(node),
                params=tuple(params),
            )
        )

    def _doc_above(self, node: Node) -> str:
        lines: list[str] = []
        sib = node.prev_named_sibling
        while sib is not None and sib.type in ("attribute_item", "line_comment", "block_comment"):
            raw = context.text(sib)
            if sib.type != "attribute_item" and (raw.startswith(("///", "/**"))):
                body = re.sub(r"^(?:///|/\*\*)\s?|\*/$", "", raw.strip())
                lines.extend(reversed([ln.strip(" *") for ln in body.split("\n")]))
            sib = sib.prev_named_sibling
        lines.reverse()
        return "\n".join(lines)

    def _on_call(self, node: Node, owner: int) -> None:
        func = node.child_by_field_name("function")
        if func is None:
            return
        if func.type == "generic_function":
            func = func.child_by_field_name("function") or func
        if func.type == "field_expression":
            name = context.text(func.child_by_field_name("field"))
            callee = name
        else:
            callee = context.text(func)
            name = _last_segment(callee)
        args_node = node.child_by_field_name("arguments")
        args = tuple(context.text(a) for a in args_node.named_children) if args_node else ()
        bound, discarded = _use_of_value(node)
        self._calls.append(
            Call(
                name,
                callee,
                args,
                bound,
                discarded,
                node.start_byte,
                node.end_byte,
                node.start_point.row + 1,
                owner,
            )
        )
        if name in ("as_ref", "as_mut") and func.type == "field_expression" and not args:
            value = func.child_by_field_name("value")
            in_unsafe = _inside_unsafe(node)
            self._derefs.append(
                Deref(
                    name,
                    context.text(value),
                    _base_of(value) if value is not None else None,
                    in_unsafe,
                    node.start_byte,
                    node.start_point.row + 1,
                )
            )

    def _on_macro(self, node: Node, owner: int) -> None:
        mac = node.child_by_field_name("macro")
        callee = context.text(mac)
        name = _last_segment(callee)
        bound, discarded = _use_of_value(node)
        self._calls.append(
            Call(
                name + "!",
                callee + "!",
                (),
                bound,
                discarded,
                node.start_byte,
                node.end_byte,
                node.start_point.row + 1,
                owner,
            )
        )
        if name in ("thread_local", "lazy_static"):
            self._cell_statics(node, name)

    def _cell_statics(self, node: Node, macro: str) -> None:
        tt = next((c for c in node.children if c.type == "token_tree"), None)
        if tt is None:
            return
        chunk = self.source[tt.start_byte : tt.end_byte]
        for m in _CELL_STATIC_RE.finditer(chunk):
            at = tt.start_byte + m.start()
            self._statics.append(
                StaticDecl(
                    m.group("name").decode(),
                    macro,
                    " ".join(m.group("type").decode("utf-8", "replace").split()),
                    self.line_of(at),
                    at,
                    tt.start_byte + m.end(),
                )
            )

    def _on_token_tree(self, node: Node, owner: int) -> None:
        # Blank the comments and literals inside, and remember the tree for the call scan.
        stack = list(node.children)
        while stack:
            child = stack.pop()
            if child.type in _BLANKED:
                self._blank(child.start_byte, child.end_byte)
            else:
                stack.extend(child.children)
        parent = node.parent
        if parent is not None and parent.type == "macro_invocation":
            self._macro_trees.append((node.start_byte, node.end_byte, owner))

    def _scan_macro_calls(self, start: int, end: int, owner: int) -> None:
        chunk = bytes(self._code[start:end])
        for m in re.finditer(rb"(?<![\w!])([A-Za-z_]\w*)\s*(!?)\s*(?:::\s*<[^()]*>\s*)?\(", chunk):
            word = m.group(1).decode()
            if word in ("fn", "if", "while", "match", "for", "return", "in", "as"):
                continue
            at = start + m.start()
            name = word + m.group(2).decode()
            self._calls.append(
                Call(
                    name,
                    name,
                    (),
                    None,
                    False,
                    at,
                    at + len(m.group(0)),
                    self.line_of(at),
                    owner,
                    True,
                )
            )


def _last_segment(path: str) -> str:
    return path.rsplit("::", 1)[-1].strip()


def _is_unsafe_fn(node: Node) -> bool:
    for child in node.children:
        if child.type == "function_modifiers":
            return any(m.type == "unsafe" for m in child.children)
    return False


def _inside_unsafe(node: Node) -> bool:
    cur = node.parent
    while cur is not None:
        if cur.type == "unsafe_block":
            return True
        if cur.type == "function_item":
            return _is_unsafe_fn(cur)
        cur = cur.parent
    return False


def _base_of(node: Node | None) -> str | None:
    """The variable or path a pointer expression starts from: ``p`` for ``p``, ``p.add(1)``,
    ``p.offset(i)``, ``(p)``, ``p as *mut T``, ``s.field``; None when it starts with another
    deref, a call or anything else."""
    cur = node
    while cur is not None:
        kind = cur.type
        if kind in ("identifier", "scoped_identifier", "self"):
            return context.text(cur)
        if kind == "parenthesized_expression":
            cur = cur.named_children[0] if cur.named_children else None
        elif kind == "type_cast_expression" or kind == "field_expression":
            cur = cur.child_by_field_name("value")
        elif kind == "call_expression":
            func = cur.child_by_field_name("function")
            if func is None or func.type != "field_expression":
                return None
            method = context.text(func.child_by_field_name("field"))
            if method not in (
                "add",
                "offset",
                "sub",
                "wrapping_add",
                "byte_add",
                "cast",
                "cast_mut",
            ):
                return None
            cur = func.child_by_field_name("value")
        else:
            return None
    return None


def _use_of_value(node: Node) -> tuple[str | None, bool]:
    """Where a call's value goes: the name a ``let``/assignment binds it to, and whether it is
    thrown away as a statement. Looks through ``unsafe { .. }``, casts and parentheses."""
    cur = node
    parent = cur.parent
    while parent is not None:
        kind = parent.type
        if kind in ("parenthesized_expression", "type_cast_expression", "try_expression"):
            pass
        elif kind == "block" and parent.parent is not None and parent.parent.type == "unsafe_block":
            if parent.named_children and parent.named_children[-1] != cur:
                return None, True  # a statement in the block: thrown away
            parent = parent.parent
        elif kind == "let_declaration":
            pattern = parent.child_by_field_name("pattern")
            name = context.text(pattern) if pattern is not None else ""
            return (name or None), False
        elif kind == "assignment_expression":
            return context.text(parent.child_by_field_name("left")) or None, False
        elif kind == "expression_statement":
            return None, True
        else:
            return None, False
        cur = parent
        parent = cur.parent
    return None, False


def iter_words(code: bytes, word: str, start: int = 0, end: int | None = None) -> Iterator[int]:
    """Offsets of whole-word occurrences of ``word`` in blanked code."""
    stop = len(code) if end is None else end
    for m in re.finditer(rb"\b" + re.escape(word.encode()) + rb"\b", code[start:stop]):
        yield start + m.start()
