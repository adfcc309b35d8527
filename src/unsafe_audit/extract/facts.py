"""The plain values the syntax view hands the hints: fns, statics, types, calls, dereferences,
NULL checks, early exits, assignments and ``let`` bindings, each with its place in the file.

Pure (no tree-sitter): the hints import these without loading the parser.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def last_segment(path: str) -> str:
    """``MemoryContextSwitchTo`` from ``pg_sys::MemoryContextSwitchTo``."""
    return path.rsplit("::", 1)[-1].strip()
