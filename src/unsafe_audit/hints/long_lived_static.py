"""Statics and cells that hold a memory context, a raw pointer or a borrowed reference."""

from __future__ import annotations

import re
from collections.abc import Iterator

from unsafe_audit.extract.facts import StaticDecl
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.rule import HintContext, HintRule
from unsafe_audit.model import Site, SiteKind

# pg_sys typedefs that are pointers into context memory (`pub type Relation = *mut RelationData`).
_POINTER_TYPEDEFS = (
    "MemoryContext",
    "Relation",
    "TupleDesc",
    "HeapTuple",
    "HeapTupleHeader",
    "TupleTableSlot",
    "Snapshot",
    "ParamListInfo",
    "FunctionCallInfo",
    "Portal",
    "PlanState",
    "EState",
    "ExprContext",
)
_POINTERISH = re.compile(
    r"\*\s*(?:const|mut)\b|\bNonNull\s*<|\bPgBox\s*<|\b(?:pg_sys\s*::\s*)?(?:"
    + "|".join(_POINTER_TYPEDEFS)
    + r")\b"
)
_REFERENCE = re.compile(r"&\s*(?:'\w+\s+)?(?:mut\s+)?[\w\[(]")
_WORD = re.compile(r"[A-Za-z_]\w*")
# Whole words as ``\bNAME\b`` sees them (a word may start with a digit there).
_WORD_OR_NUMBER = re.compile(r"\w+")
# A fn-pointer type (`Option<unsafe extern "C" fn(*mut QueryDesc)>`) holds code, not data:
# the pointers in its signature are not stored anywhere.
_FN_POINTER = re.compile(r"\bfn\s*\([^()]*\)(?:\s*->\s*[^,>)]+)?")


class LongLivedStatic(HintRule):
    """A global (``static``, ``OnceLock``, ``thread_local!``...) holding context memory."""

    id = "long-lived-static"
    items = ("no-stored-borrow", "ctx-owner")
    title = (
        "static / OnceCell / OnceLock / thread_local! holding a MemoryContext, pointer or borrow"
    )
    INVALID = (
        """
        static LAST: OnceLock<&'static str> = OnceLock::new(); // <- hint
        """,
        """
        static mut SAVED_CTX: pg_sys::MemoryContext = std::ptr::null_mut(); // <- hint
        """,
        """
        thread_local! {
            static ROW: Cell<*mut pg_sys::HeapTupleData> = Cell::new(ptr::null_mut()); // <- hint
        }
        """,
        """
        #[derive(Clone, Copy)]
        pub struct CacheContext(pg_sys::MemoryContext);
        unsafe impl Send for CacheContext {}
        static CACHE_CONTEXT: OnceLock<CacheContext> = OnceLock::new(); // <- hint
        """,
        """
        lazy_static! {
            static ref SLOTS: Mutex<Vec<NonNull<pg_sys::Node>>> = Mutex::new(vec![]); // <- hint
        }
        """,
        """
        static DESC: OnceCell<
            pg_sys::TupleDesc, // <- hint
        > = OnceCell::new();
        """,
    )
    VALID = (
        """
        static STORE: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);
        static CAPACITY: Mutex<usize> = Mutex::new(1024);
        static NAME: &str = "pg_cache";
        static LAST: OnceLock<String> = OnceLock::new();
        """,
        """
        pub static mut PREV_PLANNER: planner_hook_type = None;
        type StartHook = Option<unsafe extern "C-unwind" fn(*mut sys::QueryDesc, i32)>;
        static mut PREV_START: StartHook = None;
        static mut PREV_END: Option<unsafe extern "C" fn(*mut sys::QueryDesc) -> *mut u8> = None;
        static QUERIES: AtomicU64 = AtomicU64::new(0);
        """,
        """
        fn f() {
            let p: *mut u8 = std::ptr::null_mut();
        }
        """,
    )

    def check(self, ctx: HintContext) -> Iterator[Hint]:
        local_types = {t.name: t.text for t in ctx.syntax.types}
        flagged = [(st, why) for st in ctx.syntax.statics if (why := _holds(st, local_types))]
        users = _sites_naming(ctx, {st.name for st, _ in flagged}) if flagged else {}
        impls = [(i, s) for i, s in enumerate(ctx.sites) if s.kind is SiteKind.UNSAFE_IMPL]
        for st, why in flagged:
            holder = {
                "static": "static",
                "static mut": "static mut",
                "thread_local": "thread_local! static",
                "lazy_static": "lazy_static! static",
            }[st.kind]
            message = (
                f"The {holder} `{st.name}` holds {why}, which outlives every call; the memory "
                "it points to must be owned by a context that lives as long (or copied out)."
            )
            line = st.line
            flat = _FN_POINTER.sub("fn()", st.type_text)
            match = _POINTERISH.search(flat) or _REFERENCE.search(flat)
            if match is not None and st.kind in ("static", "static mut"):
                # Point at the line of the type when it spans several.
                text = ctx.syntax.text(st.start_byte, st.end_byte)
                offset = text.find(st.type_text)
                if offset >= 0:
                    at = st.start_byte + len(text[: offset + match.start()].encode())
                    line = ctx.syntax.line_of(at)
            yield from self.hints_on(ctx, _related_sites(ctx, st, users, impls), line, message)


def _holds(st: StaticDecl, local_types: dict[str, str]) -> str | None:
    ty = _FN_POINTER.sub("fn()", st.type_text)
    m = _POINTERISH.search(ty)
    if m is not None:
        return _describe(m.group(0))
    if _REFERENCE.search(ty) and (st.kind != "static" or "<" in ty.split("&", 1)[0]):
        return "a borrowed reference"
    for word in _WORD.findall(ty):
        body = local_types.get(word)
        if body is None:
            continue
        body = _FN_POINTER.sub("fn()", body)
        inner = _POINTERISH.search(body.split("{", 1)[-1].split("(", 1)[-1])
        if inner is not None:
            return f"`{word}`, which wraps {_describe(inner.group(0))}"
        if _REFERENCE.search(body):
            return f"`{word}`, which wraps a borrowed reference"
    return None


def _describe(token: str) -> str:
    flat = "".join(token.split())
    if flat.startswith("*"):
        return "a raw pointer"
    if flat.startswith(("NonNull", "PgBox")):
        return "a pointer (`" + flat.rstrip("<") + "`)"
    name = flat.rsplit("::", 1)[-1]
    return f"a `pg_sys::{name}`" + ("" if name == "MemoryContext" else " (a pointer)")


def _sites_naming(ctx: HintContext, names: set[str]) -> dict[str, set[int]]:
    """For each of ``names``, the indexes of the sites (not ``unsafe impl``) whose code holds
    it as a word: each site's code is read once, whatever the number of statics."""
    code = ctx.syntax.code
    found: dict[str, set[int]] = {}
    for i, site in enumerate(ctx.sites):
        if site.kind is SiteKind.UNSAFE_IMPL:
            continue
        body = code[site.span.start_byte : site.span.end_byte].decode("utf-8", "replace")
        for word in set(_WORD_OR_NUMBER.findall(body)) & names:
            found.setdefault(word, set()).add(i)
    return found


def _related_sites(
    ctx: HintContext, st: StaticDecl, users: dict[str, set[int]], impls: list[tuple[int, Site]]
) -> list[Site]:
    """Sites that use the static (``users``: by name, from :func:`_sites_naming`), and the
    ``unsafe impl Send/Sync`` (among ``impls``) for the type it holds, in the extractor's
    order."""
    words = set(_WORD.findall(st.type_text))
    for_type = {
        i for i, site in impls if site.name and site.name.rsplit(" for ", 1)[-1].strip() in words
    }
    return [ctx.sites[i] for i in sorted(for_type | users.get(st.name, set()))]
