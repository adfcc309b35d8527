"""A Datum read as a pointer while its NULL flag is ignored.

A NULL Datum is ``(Datum) 0``: converting it as if it were a value dereferences address 0 for
every pass-by-reference type. pgrx fixed exactly this in ``FromDatum for String``
(pgcentralfoundation/pgrx#1853: its ``_is_null`` parameter was never read).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from unsafe_audit.extract.facts import FnInfo, LetBinding
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule
from unsafe_audit.hints.site_index import SiteIndex

_FLAG_NAME = re.compile(r"_?(?:is_?null|\w+_is_?null|\w+_isnull)")
# A NULL-flag variable (not the ``.is_null()`` method, not a field, not a fn).
_FLAG_WORD = re.compile(rb"(?<![\w.])_?(?:is_?null|\w+_is_?null|\w+_isnull)\b(?!\s*[(!])")
_AS_POINTER = re.compile(
    rb"\b(?:cast_mut_ptr|cast_ptr|DatumGetPointer|pg_detoast_datum\w*|varlena_to_\w+|from_ptr)\b"
)
# Every flag word ends so: found first by this literal search, then checked whole.
_FLAG_END = re.compile(rb"is_?null\b")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SK_ARGUMENT = re.compile(rb"\bsk_argument\b")
_SK_ISNULL = re.compile(rb"\bSK_ISNULL\b")


class DatumNullIgnored(HintRule):
    """A Datum converted or dereferenced while the flag that says it is NULL goes unread."""

    id = "datum-null-ignored"
    items = ("null-check", "safe-wrapper-first")
    title = "Datum used as a pointer while its is_null / isnull / SK_ISNULL flag is ignored"
    INVALID = (
        """
        impl FromDatum for Name {
            unsafe fn from_polymorphic_datum(
                datum: pg_sys::Datum,
                _is_null: bool, // <- hint
                _typoid: pg_sys::Oid,
            ) -> Option<Name> {
                let varlena = pg_sys::pg_detoast_datum_packed(datum.cast_mut_ptr());
                Some(Name(convert(varlena)))
            }
        }
        """,
        """
        unsafe fn column(tuple: pg_sys::HeapTuple, desc: pg_sys::TupleDesc) -> Option<String> {
            let mut isnull = false;
            let d = pg_sys::heap_getattr(tuple, 1, desc, &mut isnull);
            String::from_datum(d, false) // <- hint
        }
        """,
        """
        unsafe fn key_text(key: *mut pg_sys::ScanKeyData) -> String {
            let t = (*key).sk_argument.cast_mut_ptr::<pg_sys::text>(); // <- hint
            text_to_string(t)
        }
        """,
    )
    VALID = (
        """
        impl FromDatum for Name {
            unsafe fn from_polymorphic_datum(
                datum: pg_sys::Datum,
                is_null: bool,
                _typoid: pg_sys::Oid,
            ) -> Option<Name> {
                if is_null || datum.is_null() {
                    return None;
                }
                Some(Name(convert(pg_sys::pg_detoast_datum_packed(datum.cast_mut_ptr()))))
            }
        }
        """,
        """
        impl FromDatum for () {
            unsafe fn from_polymorphic_datum(_d: pg_sys::Datum, _is_null: bool, _: pg_sys::Oid)
                -> Option<()> {
                Some(())
            }
        }
        """,
        """
        unsafe fn column(tuple: pg_sys::HeapTuple, desc: pg_sys::TupleDesc) -> Option<String> {
            let mut isnull = false;
            let d = pg_sys::heap_getattr(tuple, 1, desc, &mut isnull);
            String::from_datum(d, isnull)
        }
        fn arg(d: pg_sys::Datum) -> i32 {
            unsafe { i32::from_datum(d, false) }.unwrap()
        }
        """,
        """
        fn get<T: FromDatum>(tuple: *mut pg_sys::HeapTupleData, d: pg_sys::TupleDesc) -> Option<T> {
            let mut is_null = false;
            let datum = unsafe { pg_sys::heap_getattr(tuple, 1, d, &mut is_null) };
            if is_null {
                None
            } else {
                unsafe { T::from_polymorphic_datum(datum, false, pg_sys::TEXTOID) }
            }
        }
        """,
        """
        unsafe fn key_text(key: *mut pg_sys::ScanKeyData) -> Option<String> {
            if (*key).sk_flags & pg_sys::SK_ISNULL as i32 != 0 {
                return None;
            }
            Some(text_to_string((*key).sk_argument.cast_mut_ptr()))
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        syntax = ctx.syntax
        code = syntax.code
        sites = ctx.site_index
        flags = _flag_words(code)
        flag_at = [at for at, _name in flags]
        pointer_at = [m.start() for m in _AS_POINTER.finditer(code)]
        sk_args = [m.start() for m in _SK_ARGUMENT.finditer(code)]
        sk_isnull = [m.start() for m in _SK_ISNULL.finditer(code)]
        # Few lets bind a NULL flag; each fn looks only at those inside it.
        flag_lets = [b for b in syntax.lets() if _FLAG_NAME.fullmatch(b.name)]
        for call in syntax.calls({"from_datum", "from_polymorphic_datum"}):
            if call.in_macro or len(call.args) < 2 or call.args[1].strip() != "false":
                continue
            fn = syntax.enclosing_fn(call.start_byte)
            if fn is None or not _between(flag_at, fn.start_byte, fn.end_byte):
                continue
            lo = bisect.bisect_left(flag_at, fn.body_start_byte)
            hi = bisect.bisect_left(flag_at, call.start_byte)
            if not any(_is_read(code, at) for at, _name in flags[lo:hi]):
                message = (
                    f"`{call.name}` is told the Datum is not NULL (`false`) although `{fn.name}` "
                    "has a NULL flag that nothing before reads; a NULL Datum converted as a "
                    "value dereferences address 0 for pass-by-reference types."
                )
                yield self.hint(ctx, sites.innermost(call.start_byte), call.line, message)
        for fn in syntax.fns:
            if not _between(pointer_at, fn.body_start_byte, fn.end_byte) and not _between(
                sk_args, fn.body_start_byte, fn.end_byte
            ):
                continue
            yield from self._unread_flags(
                ctx, sites, code, fn, flags, flag_at, pointer_at, flag_lets
            )
            first_arg = _first(sk_args, fn.body_start_byte, fn.end_byte)
            if first_arg is not None and not _between(sk_isnull, fn.start_byte, fn.end_byte):
                line = syntax.line_of(first_arg)
                message = (
                    f"`{fn.name}` reads `sk_argument` but never tests `SK_ISNULL` in `sk_flags`; "
                    "a scan key on NULL carries a zero Datum that is no pointer."
                )
                yield self.hint(ctx, sites.innermost(first_arg), line, message)

    def _unread_flags(
        self,
        ctx: HintContext,
        sites: SiteIndex,
        code: bytes,
        fn: FnInfo,
        flags: list[tuple[int, str]],
        flag_at: list[int],
        pointer_at: list[int],
        flag_lets: list[LetBinding],
    ) -> Iterator[Hint]:
        if not _between(pointer_at, fn.body_start_byte, fn.end_byte):
            return
        lo = bisect.bisect_left(flag_at, fn.body_start_byte)
        hi = bisect.bisect_left(flag_at, fn.end_byte)
        read = {name for at, name in flags[lo:hi] if _is_read(code, at)}
        for name, type_text in fn.params:
            if _FLAG_NAME.fullmatch(name) and type_text.strip() == "bool" and name not in read:
                at = _param_at(ctx, fn, name)
                message = (
                    f"`{fn.name}` never reads its NULL flag `{name}` but uses a Datum as a "
                    "pointer; a NULL Datum is 0 and dereferencing it crashes the backend."
                )
                yield self.hint(ctx, sites.innermost(at), ctx.syntax.line_of(at), message)
        for b in flag_lets:
            if fn.body_start_byte <= b.start_byte < fn.end_byte and b.name not in read:
                if ctx.syntax.enclosing_fn(b.start_byte) != fn:
                    continue
                message = (
                    f"`{b.name}` is set but never read in `{fn.name}`, which uses a Datum as a "
                    "pointer; a NULL Datum is 0 and dereferencing it crashes the backend."
                )
                yield self.hint(ctx, sites.innermost(b.start_byte), b.line, message)


def _flag_words(code: bytes) -> list[tuple[int, str]]:
    """Each NULL-flag word in ``code`` with where it starts: what ``_FLAG_WORD.finditer``
    gives, without trying the pattern at every byte (it starts with a lookbehind and a
    ``\\w+``, which leave the regex engine nothing to skip ahead by)."""
    found: list[tuple[int, str]] = []
    for end in _FLAG_END.finditer(code):
        start = end.start()
        while start > 0 and code[start - 1] in _WORD_BYTES:
            start -= 1
        m = _FLAG_WORD.match(code, start)
        if m is not None and m.end() == end.end():
            found.append((start, m.group().decode()))
    return found


def _between(positions: list[int], start: int, end: int) -> bool:
    return bisect.bisect_left(positions, start) < bisect.bisect_left(positions, end)


def _first(positions: list[int], start: int, end: int) -> int | None:
    k = bisect.bisect_left(positions, start)
    return positions[k] if k < len(positions) and positions[k] < end else None


def _is_read(code: bytes, at: int) -> bool:
    """False for the word at ``at`` when it is bound there (``let [mut] x``) or lent out to be
    written (``&mut x``), True otherwise."""
    before = code[max(0, at - 16) : at]
    return _LET_OR_MUT_BORROW.search(before) is None


_LET_OR_MUT_BORROW = re.compile(rb"(?:\blet\s+(?:mut\s+)?|&\s*mut\s+)\Z")


def _param_at(ctx: HintContext, fn: FnInfo, name: str) -> int:
    """Where parameter ``name`` is written in ``fn``'s signature."""
    found = ctx.syntax.source.find(name.encode(), fn.start_byte, fn.body_start_byte)
    return found if found >= 0 else fn.start_byte
