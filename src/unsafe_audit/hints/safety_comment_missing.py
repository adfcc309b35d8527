"""Unsafe sites with no ``// SAFETY:`` comment, and unsafe fns/traits with no ``# Safety`` docs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule
from unsafe_audit.model import Site, SiteId, SiteKind

_COMMENTED_KINDS = frozenset(
    {
        SiteKind.UNSAFE_BLOCK,
        SiteKind.UNSAFE_IMPL,
        SiteKind.UNSAFE_EXTERN_BLOCK,
        SiteKind.EXTERN_BLOCK,
        SiteKind.UNSAFE_ATTRIBUTE,
    }
)
_DOCUMENTED_KINDS = frozenset({SiteKind.UNSAFE_FN, SiteKind.UNSAFE_TRAIT})
_SAFETY_HEADING = re.compile(r"^#+\s*safety\s*$", re.IGNORECASE | re.MULTILINE)


class SafetyCommentMissing(HintRule):
    """No written justification where the checklist asks for one."""

    id = "safety-comment-missing"
    rank = 1  # advice: a unit's bug and contract hints list first
    items = ("safety-comment",)
    title = "no // SAFETY: comment (or # Safety doc section for an unsafe fn or trait)"
    INVALID = (
        """
        fn read(p: *const u8) -> u8 {
            unsafe { *p } // <- hint
        }
        """,
        """
        fn both(p: *const u8) -> u8 {
            let a = unsafe { *p }; // <- hint
            let b = unsafe { *p.add(1) };
            a + b
        }
        fn other(p: *const u8) -> u8 {
            unsafe { unsafe { *p } } // <- hint
        }
        """,
        """
        // SAFETY: a backend is single-threaded.
        unsafe impl Send for CacheContext {}
        unsafe impl Sync for CacheContext {} // <- hint
        """,
        """
        /// Makes `ctx` current.
        pub unsafe fn set_current(ctx: pg_sys::MemoryContext) {} // <- hint
        """,
        """
        // SAFETY: ctx is live.
        pub unsafe fn set_current(ctx: pg_sys::MemoryContext) {} // <- hint
        """,
        """
        extern "C" { // <- hint
            fn getpid() -> i32;
        }
        """,
        """
        #[unsafe(no_mangle)] // <- hint
        #[pg_guard]
        pub extern "C-unwind" fn hook() {}
        """,
    )
    VALID = (
        """
        fn read(p: &u8) -> u8 {
            // SAFETY: `p` is a reference, so it is valid and aligned.
            unsafe { *(p as *const u8) }
        }
        """,
        """
        /// Reads a value.
        ///
        /// # Safety
        /// `ptr` must point to 8 readable bytes.
        pub unsafe fn read_from(ptr: *const u8) -> i64 { 0 }
        """,
        """
        /// # Safety
        /// Implementors must accept any byte pattern.
        pub unsafe trait FixedWidth: Copy {}
        """,
        """
        // SAFETY: i64 accepts any 8 bytes.
        unsafe impl FixedWidth for i64 {
            unsafe fn read_from(ptr: *const u8) -> Self {
                // SAFETY: the trait's contract gives 8 readable bytes.
                unsafe { std::ptr::read_unaligned(ptr.cast::<i64>()) }
            }
        }
        """,
        """
        fn f() -> u32 {
            unsafe { pg_sys::GetUserId() }.as_u32() // SAFETY: no pointers involved.
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        blocks = _uncommented_blocks_by_fn(ctx)
        for site in ctx.sites:
            if site.kind in _COMMENTED_KINDS:
                if site.safety_comment:
                    continue
                what = _LABEL[site.kind]
                more = ""
                if site.kind is SiteKind.UNSAFE_BLOCK:
                    group = blocks.get(site.id)
                    if group is None:
                        continue  # nested in another unsafe site, or not its fn's first
                    owner, others = group
                    if others:
                        s = "" if others == 1 else "s"
                        more = f" (nor {'does' if others == 1 else 'do'} {others} more block{s}"
                        more += f" in `{owner}`)" if owner else ")"
                message = (
                    f"This {what}{more} has no `// SAFETY:` comment, so the reviewer has no "
                    "stated reason why its requirements hold."
                )
                yield self.hint(ctx, site, site.line, message)
            elif site.kind in _DOCUMENTED_KINDS:
                fn = ctx.syntax.enclosing_fn(site.span.start_byte)
                if site.kind is SiteKind.UNSAFE_FN:
                    if fn is not None and fn.in_trait_impl:
                        continue  # the contract is documented on the trait
                    if fn is not None and fn.start_byte == site.span.start_byte:
                        doc = fn.doc
                    else:  # a declaration without a body: fall back to the extractor's view
                        doc = "# Safety" if site.safety_comment else ""
                else:
                    doc = _doc_above(ctx, site.span.start_byte)
                if _SAFETY_HEADING.search(doc):
                    continue
                kind = "fn" if site.kind is SiteKind.UNSAFE_FN else "trait"
                who = "callers" if kind == "fn" else "implementors"
                message = (
                    f"This unsafe {kind} has no `# Safety` doc section, so {who} are not told "
                    "what they must guarantee."
                )
                yield self.hint(ctx, site, site.line, message)


_LABEL = {
    SiteKind.UNSAFE_BLOCK: "unsafe block",
    SiteKind.UNSAFE_IMPL: "unsafe impl",
    SiteKind.UNSAFE_EXTERN_BLOCK: "unsafe extern block",
    SiteKind.EXTERN_BLOCK: "extern block",
    SiteKind.UNSAFE_ATTRIBUTE: "unsafe attribute",
}


def _uncommented_blocks_by_fn(ctx: HintContext) -> dict[SiteId, tuple[str, int]]:
    """The first outermost unsafe block without a SAFETY comment of each fn, with the fn's name
    and how many more such blocks it has: one hint per fn, not one per block. A block inside
    another unsafe site (a block, an unsafe fn) is left to that site's justification."""
    unsafe = sorted(
        (s for s in ctx.sites if s.kind.has_unsafe_keyword),
        key=lambda s: (s.span.start_byte, -s.span.end_byte),
    )
    open_ends: list[int] = []
    by_fn: dict[int, list[Site]] = {}
    names: dict[int, str] = {}
    for site in unsafe:
        while open_ends and open_ends[-1] <= site.span.start_byte:
            open_ends.pop()
        nested = bool(open_ends) and open_ends[-1] >= site.span.end_byte
        open_ends.append(site.span.end_byte)
        if nested or site.kind is not SiteKind.UNSAFE_BLOCK or site.safety_comment:
            continue
        fn = ctx.syntax.enclosing_fn(site.span.start_byte)
        key = fn.start_byte if fn is not None else -1 - site.span.start_byte
        names[key] = fn.name if fn is not None else ""
        by_fn.setdefault(key, []).append(site)
    return {group[0].id: (names[key], len(group) - 1) for key, group in by_fn.items()}


def _doc_above(ctx: HintContext, byte: int) -> str:
    """Doc-comment lines directly above the line holding ``byte`` (attributes skipped)."""
    line = ctx.syntax.line_of(byte) - 1
    out: list[str] = []
    while line >= 1:
        text = ctx.syntax.line_text(line).strip()
        if text.startswith("#["):
            line -= 1
            continue
        if not text.startswith("///"):
            break
        out.append(text[3:].strip())
        line -= 1
    out.reverse()
    return "\n".join(out)
