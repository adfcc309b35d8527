"""Generate ``src/unsafe_audit/data/pg_contracts.tsv.gz``: what PostgreSQL's C source says about
each function ``pg_sys`` exposes.

Input: unpacked PostgreSQL source trees (``postgresql-MAJOR.MINOR/``) under ``--source``, as
``apt-get source postgresql-NN`` leaves them (Debian: bullseye has 13, bookworm 15, trixie 17,
sid 18).  Each tree's ``src/backend``, ``src/common``, ``src/port``, ``src/include`` and
``src/pl/plpgsql/src`` are parsed with tree-sitter-c (``pg_contracts_c.py``).  The function names
come from ``data/pg_sys_names.tsv``.

Per function and major it records, each with file:line evidence:

* ``raises``: ``yes`` when an ``ereport``/``elog`` at ERROR or above (or a level held in a
  variable), or ``pg_re_throw``, is reached within 3 calls; ``maybe`` when one is reached only
  deeper, or a call through a function pointer is reachable; ``no`` when neither is reachable
  at any depth -- the valuable fact;
* ``null``: ``yes`` when some path returns NULL (``return NULL``, a variable set to NULL and not
  tested before an ERROR, or a NULL-returning callee's result, to 3 calls); ``flag`` when every
  such path is reached only if one parameter asks for it -- a bit of a flags parameter
  (``if ((flags & FSV_MISSING_OK) == 0) elog(ERROR, ..); return NULL;``, ``if ((flags &
  FORMAT_TYPE_INVALID_AS_NULL) != 0) return NULL;``) or a bool such as ``missing_ok`` -- and
  the first evidence step names it: ``when flags&FSV_MISSING_OK@file:line`` or ``when
  missing_ok@file:line``.  A caller that passes ``0``/``false``/other flags for it does not
  inherit the NULL (``GetForeignServer`` passes 0); one that passes its own parameter on is
  ``flag`` on that parameter.  ``HAND_NULL_FLAGS`` adds the guards the reading cannot see (the
  allocators' NULL comes back through a context method).  ``no`` for a pointer result with no
  such path, ``-`` for a result that is not a pointer.  A ``return NULL`` or ``x = NULL`` after
  an ``elog(ERROR)`` or a noreturn call in the same block is dead code and does not count;
* ``memory``: ``palloc`` (a new chunk in ``CurrentMemoryContext``: the caller's context owns it),
  ``arg`` (the pointer argument the first evidence step names, handed back -- grown in its own
  memory context where the function enlarges it -- or, on the other paths, a new chunk in
  ``CurrentMemoryContext``: ``lappend``/``lcons``/``lappend_oid``/``lappend_int`` of ``NIL``
  make a new list, of a list enlarge it in the list's context; ``list_concat`` of ``NIL``
  copies the second list; ``list_make*``/``list_copy`` are plain ``palloc``),
  ``cache`` (points into the catcache/relcache/typcache: valid until released or invalidated),
  ``static`` (a literal or a global), or ``-`` when it cannot be read off the source;
* the signature as written in the definition.

Acquire/release pairs come from a short hand-written list (``HAND_PAIRS``) and from names whose
partner is found by a verb swap and that PostgreSQL's own functions call together in most places.

Majors without a Debian source (14, 16, and any whose archive is missing) take the facts of a
neighbour; the header of the table says which.  Output is sorted and has no timestamp: the same
sources always give the same bytes.

Usage::

    python scripts/pg_contracts.py [--source /work/pgsrc] [--output FILE] [--check]
    zcat src/unsafe_audit/data/pg_contracts.tsv.gz    # the checked-in table as text
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_contracts_c import (
    CACHE_ROOTS,
    CURRENT_CONTEXT_ALLOCATORS,
    ELOG_FILE,
    IGNORED_CALLEES,
    LOW_LEVELS,
    NO_RETURN_LEVELS,
    REPORT_MACROS,
    RETHROW,
    SOURCE_DIRS,
    Func,
    Tree,
    read_tree,
)

from unsafe_audit.contracts import table

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/work/pgsrc")
DEFAULT_OUTPUT = ROOT / "src/unsafe_audit/data/pg_contracts.tsv.gz"
NAMES = ROOT / "src/unsafe_audit/data/pg_sys_names.tsv"
MAJORS = (13, 14, 15, 16, 17, 18)
DEPTH = 3
SCRIPT_NAME = "scripts/pg_contracts.py"

HAND_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("SearchSysCache", "ReleaseSysCache", "a catcache tuple is pinned until released"),
    ("SearchSysCache1", "ReleaseSysCache", "a catcache tuple is pinned until released"),
    ("SearchSysCache2", "ReleaseSysCache", "a catcache tuple is pinned until released"),
    ("SearchSysCache3", "ReleaseSysCache", "a catcache tuple is pinned until released"),
    ("SearchSysCache4", "ReleaseSysCache", "a catcache tuple is pinned until released"),
    ("SearchSysCacheAttName", "ReleaseSysCache", "a catcache tuple is pinned until released"),
    ("SearchSysCacheList", "ReleaseCatCacheList", "the list is pinned until released"),
    ("table_open", "table_close", "relcache reference and lock held until closed"),
    ("try_table_open", "table_close", "when the result is not NULL"),
    ("relation_open", "relation_close", "relcache reference and lock held until closed"),
    ("try_relation_open", "relation_close", "when the result is not NULL"),
    ("index_open", "index_close", "relcache reference and lock held until closed"),
    ("RelationIdGetRelation", "RelationClose", "relcache reference count"),
    ("SPI_connect", "SPI_finish", "an SPI connection per call level"),
    ("SPI_connect_ext", "SPI_finish", "an SPI connection per call level"),
    ("MemoryContextSwitchTo", "MemoryContextSwitchTo", "switch back to the returned context"),
    ("LWLockAcquire", "LWLockRelease", "held until released; ERROR releases it in abort"),
    ("SpinLockAcquire", "SpinLockRelease", "no ERROR may be raised while held"),
    ("PushActiveSnapshot", "PopActiveSnapshot", "the active-snapshot stack"),
    ("RegisterSnapshot", "UnregisterSnapshot", "registered with the resource owner"),
    ("heap_beginscan", "heap_endscan", "the scan holds buffer pins"),
    ("table_beginscan", "table_endscan", "the scan holds buffer pins"),
    ("index_beginscan", "index_endscan", "the scan holds buffer pins"),
    ("systable_beginscan", "systable_endscan", "the scan holds buffer pins"),
    ("ReadBuffer", "ReleaseBuffer", "a buffer pin"),
    ("LockBuffer", "LockBuffer", "BUFFER_LOCK_UNLOCK releases the content lock"),
    ("StartTransactionCommand", "CommitTransactionCommand", "a transaction block"),
    (
        "BeginInternalSubTransaction",
        "ReleaseCurrentSubTransaction",
        "or RollbackAndReleaseCurrentSubTransaction",
    ),
    ("AllocSetContextCreateExtended", "MemoryContextDelete", "or the parent's reset/delete"),
    ("AllocSetContextCreateInternal", "MemoryContextDelete", "or the parent's reset/delete"),
    ("CreateTupleDescCopy", "FreeTupleDesc", "optional: palloc'd in the current context"),
    ("lookup_rowtype_tupdesc", "ReleaseTupleDesc", "a tupdesc reference count"),
    ("AllocateFile", "FreeFile", "a virtual file descriptor"),
    ("AllocateDir", "FreeDir", "a virtual file descriptor"),
    ("OpenTransientFile", "CloseTransientFile", "a kernel file descriptor"),
    ("ExecInitExpr", "ExecEndNode", "not a strict pair: freed with the executor state"),
    ("CreateExecutorState", "FreeExecutorState", "the executor state's memory context"),
    ("SPI_cursor_open", "SPI_cursor_close", "a portal"),
    ("SPI_prepare", "SPI_freeplan", "only when SPI_keepplan moved it out of the procedure context"),
    ("tuplestore_begin_heap", "tuplestore_end", "temporary files"),
    ("tuplesort_begin_heap", "tuplesort_end", "temporary files"),
    ("hash_create", "hash_destroy", "a dynahash table"),
    ("hash_seq_init", "hash_seq_term", "only when the scan stops before the end"),
    ("pgstat_report_activity", "pgstat_report_activity", "STATE_IDLE resets it"),
    ("HOLD_INTERRUPTS", "RESUME_INTERRUPTS", "a counter"),
    ("START_CRIT_SECTION", "END_CRIT_SECTION", "any ERROR inside becomes PANIC"),
)
"""Acquire/release protocols written by hand: (acquire, release, note).  The reference of each is
where its release function is defined in the newest source read."""

HAND_NULL_FLAGS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        (
            *("MemoryContextAllocExtended", "MemoryContextAllocAligned"),
            *("palloc_extended", "repalloc_extended"),
        ),
        (
            "flags&MCXT_ALLOC_NO_OOM",
            "the context's alloc method returns NULL only with MCXT_ALLOC_NO_OOM"
            " (MemoryContextAllocationFailure)",
        ),
    ),
    "GetForeignServerByName": (
        "missing_ok",
        "get_foreign_server_oid returns InvalidOid only when missing_ok",
    ),
    "GetForeignDataWrapperByName": (
        "missing_ok",
        "get_foreign_data_wrapper_oid returns InvalidOid only when missing_ok",
    ),
}
"""NULL results guarded by a parameter that the reading of C cannot see (the NULL comes back
through a memory context's method, or as an InvalidOid from a callee): name -> (guard, why).
Applied only where the source shows some NULL path; checked in 18.6's mcxt.c and foreign.c."""

FALSE_ARG = re.compile(r"\(?(?:\(\w+\))?(?:0|0x0+|false|NULL)\)?")
"""An argument that is 0 or false (``(bits16) 0`` included)."""

FLAG_CONSTANTS = re.compile(r"[A-Z][A-Z0-9_]*(?:\|[A-Z][A-Z0-9_]*)*")
"""An argument made only of flag constants (``FORMAT_TYPE_TYPEMOD_GIVEN``)."""

PGRX_ALIASES = {"AllocSetContextCreateExtended": "AllocSetContextCreateInternal"}
"""pgrx re-exports a C function under another name (pgrx-pg-sys/src/include.rs)."""

VERB_SWAPS = (
    ("Acquire", "Release"),
    ("Push", "Pop"),
    ("_begin", "_end"),
    ("Begin", "End"),
    ("_open", "_close"),
    ("Open", "Close"),
    ("Register", "Unregister"),
    ("Start", "End"),
    ("_beginscan", "_endscan"),
    ("Create", "Free"),
    ("Pin", "Unpin"),
    ("_start", "_end"),
    ("Enter", "Exit"),
    ("Lock", "Unlock"),
)


def _expand(versions: str) -> set[int]:
    out: set[int] = set()
    for part in versions.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def _fn_rows(path: Path) -> Iterator[tuple[str, str, str]]:
    """(name, versions, origin) of each ``fn`` row of the pg_sys names table."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, name, versions, origin = line.split("\t")
            if kind == "fn":
                yield name, versions, origin


def read_names(path: Path) -> dict[str, set[int]]:
    """pg_sys function names and the majors they exist in."""
    names: dict[str, set[int]] = defaultdict(set)
    for name, versions, _origin in _fn_rows(path):
        names[name] |= _expand(versions)
    return dict(names)


def read_origins(path: Path) -> dict[str, set[str]]:
    """pg_sys function name -> its origins (``bindgen``, ``pgrx``)."""
    out: dict[str, set[str]] = defaultdict(set)
    for name, _versions, origin in _fn_rows(path):
        out[name].add(origin)
    return dict(out)


def _why_none(name: str, a: Analysis, origins: dict[str, set[str]]) -> str:
    """Why a pg_sys function has no contract: ``pgrx`` (written in Rust by pgrx), ``macro`` (a
    function-like macro in C), ``absent`` (no definition in the sources read)."""
    if "pgrx" in origins.get(name, set()):
        return "pgrx"
    if name in a.macros:
        return "macro"
    return "absent"


@dataclass(frozen=True)
class Facts:
    """The contract of one function in one major."""

    raises: str
    raises_evidence: str
    null: str
    null_evidence: str
    memory: str
    memory_evidence: str
    signature: str

    def key(self) -> tuple[str, str, str, str]:
        """What must match for two majors to share a row (evidence lines may differ)."""
        return (self.raises, self.null, self.memory, self.signature)


def _rank(f: Func) -> int:
    """Which of several definitions of one name is the server's: backend first, then headers
    (static inline), then common/port, then anything else (frontend or Windows variants)."""
    p = f.path
    if "win32" in p or ("/port/" in p and p.startswith("backend/port/")):
        return 5
    if p.startswith("backend/"):
        return 0
    if p.startswith("include/"):
        return 1
    if p.startswith(("common/", "port/")):
        return 2 if "fe_" not in p else 4
    return 3


LIBC_REPLACEMENTS = frozenset(
    [
        "dlopen",
        "explicit_bzero",
        "fls",
        "getaddrinfo",
        "getopt",
        "getopt_long",
        "getpeereid",
        "gettimeofday",
        "getrusage",
        "inet_aton",
        "kill",
        "link",
        "mkdtemp",
        "open",
        "pread",
        "preadv",
        "pwrite",
        "pwritev",
        "setenv",
        "strlcat",
        "strlcpy",
        "strnlen",
        "strtof",
        "system",
        "timingsafe_bcmp",
        "unsetenv",
    ]
)
"""src/port files that supply a C library function where the platform lacks it."""


def _platform_replacement(f: Func) -> bool:
    """A libc function src/port supplies where the platform lacks it (``port/gettimeofday.c``
    for Windows), or Windows-only code: the server on Linux calls the C library instead."""
    base = f.path.rsplit("/", 1)[-1].removesuffix(".c")
    return "win32" in f.path or (
        f.path.startswith("port/") and base == f.name and base in LIBC_REPLACEMENTS
    )


class Analysis:
    """The call graph of one major and the facts derived from it."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.global_defs: dict[str, Func] = {}
        self.static_defs: dict[tuple[str, str], Func] = {}
        for f in sorted(tree.functions, key=lambda f: (_rank(f), f.path, f.line)):
            if _platform_replacement(f):
                continue
            if f.static and not f.path.startswith("include/"):
                self.static_defs.setdefault((f.path, f.name), f)
            else:
                self.global_defs.setdefault(f.name, f)
        self.macros: dict[str, Func] = {}
        for m in sorted(tree.macros, key=lambda m: (not m.path.startswith("include/"), m.path)):
            self.macros.setdefault(m.name, m)
        self.all: list[Func] = [*tree.functions, *self.macros.values()]
        # ``#define CACHE_elog(...) elog(__VA_ARGS__)``: the level comes from each call site.
        self.forwarders = {
            m.name
            for m in self.macros.values()
            if any(
                c.callee in REPORT_MACROS
                and c.level is not None
                and c.level not in LOW_LEVELS
                and c.level not in NO_RETURN_LEVELS
                for c in m.calls
            )
        }
        self._raise_chain: dict[int, list[str]] = {}
        self._reach: dict[int, str] = {}
        self._null: dict[int, tuple[str, str, str]] = {}
        self._memory: dict[int, tuple[str, str]] = {}
        self._analyse_raises()
        self._analyse_null()
        self._analyse_memory()

    def resolve(self, f: Func, name: str | None) -> Func | None:
        """The definition a call to ``name`` from ``f`` reaches (None: unknown or ignored)."""
        if name is None or name in IGNORED_CALLEES or name in REPORT_MACROS:
            return None
        if name in self.forwarders:
            return None  # judged by its level at the call site (_direct)
        g = self.static_defs.get((f.path, name)) or self.global_defs.get(name)
        if g is None:
            g = self.macros.get(name)
            if g is f:
                return None
        if g is not None and g.path == ELOG_FILE and name not in RETHROW:
            return None
        return g

    def alias(self, name: str) -> str:
        """A macro whose whole body is one call (``SearchSysCacheCopy1``) stands for its callee."""
        for _ in range(3):
            m = self.macros.get(name)
            if m is None or name in self.global_defs:
                return name
            # ``((_type_ *) newNode(...))``: leading parentheses and one cast are skipped
            hit = re.match(r"^[(\s]*(?:[\w\s]+\*\s*\)\s*)?([A-Za-z_]\w*)\s*\(", m.signature)
            if not hit:
                return name
            name = hit.group(1)
        return name

    # --- raises ---------------------------------------------------------------------------
    def _direct(self, f: Func) -> str | None:
        for c in f.calls:
            if c.callee in self.forwarders and not f.macro and c.first_arg not in LOW_LEVELS:
                level = re.sub(r"\s+", " ", c.first_arg)[:24]
                return f"{c.callee}({level})@{f.shown}:{c.line}"
            if c.level == "oom":
                return f"methods->{c.first_arg}() out-of-memory ERROR@{f.shown}:{c.line}"
            if c.callee in RETHROW:
                return f"{c.callee}()@{f.shown}:{c.line}"
            if c.callee in REPORT_MACROS and c.level is not None and c.level not in LOW_LEVELS:
                level = re.sub(r"\s+", " ", c.level)[:24]
                return f"{c.callee}({level})@{f.shown}:{c.line}"
        return None

    def _analyse_raises(self) -> None:
        callers: dict[int, list[tuple[Func, int, str]]] = defaultdict(list)
        for f in self.all:
            for c in f.calls:
                g = self.resolve(f, c.callee)
                if g is not None and g is not f:
                    callers[id(g)].append((f, c.line, c.callee or ""))
        # 0-1 breadth first from the raisers: a macro is expanded in place, so calling one
        # costs no depth; each function keeps a shortest chain.
        dist: dict[int, int] = {}
        queue: deque[Func] = deque()
        for f in self.all:
            ev = self._direct(f)
            if ev is not None:
                self._raise_chain[id(f)] = [ev]
                dist[id(f)] = 0
                queue.append(f)
        while queue:
            g = queue.popleft()
            weight = 0 if g.macro else 1
            d = dist[id(g)] + weight
            if d > DEPTH:
                continue
            for f, line, name in callers[id(g)]:
                if id(f) not in dist or d < dist[id(f)]:
                    dist[id(f)] = d
                    self._raise_chain[id(f)] = [
                        f"{name}@{f.shown}:{line}",
                        *self._raise_chain[id(g)],
                    ]
                    if weight == 0:
                        queue.appendleft(f)
                    else:
                        queue.append(f)
        # Anything that reaches a raiser deeper, or a call through a pointer, is "maybe".
        seeds: deque[Func] = deque()
        for f in self.all:
            if id(f) in self._raise_chain:
                self._reach[id(f)] = "raises"
                seeds.append(f)
                continue
            for c in f.calls:
                if c.level == "indirect" or (c.callee is not None and c.callee in f.params):
                    self._reach[id(f)] = f"call through a function pointer@{f.shown}:{c.line}"
                    seeds.append(f)
                    break
        while seeds:
            g = seeds.popleft()
            for f, line, name in callers[id(g)]:
                if id(f) not in self._reach:
                    why = self._reach[id(g)]
                    self._reach[id(f)] = f"{name}@{f.shown}:{line} > " + (
                        "raises deeper than 3 calls" if why == "raises" else why.split(" > ")[-1]
                    )
                    seeds.append(f)

    def raises(self, f: Func) -> tuple[str, str]:
        chain = self._raise_chain.get(id(f))
        if chain is not None:
            return "yes", " > ".join(chain)
        why = self._reach.get(id(f))
        if why is not None:
            return "maybe", why
        return "no", ""

    # --- returns NULL ---------------------------------------------------------------------
    def is_pointer(self, f: Func) -> bool:
        return bool(f.pointer) or f.return_type in self.tree.pointer_typedefs

    def _asks(self, f: Func, g: Func, line: int, guard: str) -> str | None:
        """What the call of ``g`` at ``line`` in ``f`` passes for the parameter in ``g``'s NULL
        guard: ``""`` when it asks for the NULL (or cannot be read), ``None`` when it does not
        (``0``, ``false``, other flags, ``flags & ~FLAG``), or ``f``'s own guard when it passes
        one of ``f``'s parameters on (``palloc_extended(size, flags)``)."""
        param, _, flag = guard.partition("&")
        call = next((c for c in f.calls if c.callee == g.name and c.line == line), None)
        if call is None or param not in g.param_list:
            return ""
        index = g.param_list.index(param)
        if index >= len(call.args):
            return ""
        arg = call.args[index]
        if FALSE_ARG.fullmatch(arg) or (flag and f"~{flag}" in arg):
            return None
        if flag and FLAG_CONSTANTS.fullmatch(arg) and not re.search(rf"\b{flag}\b", arg):
            return None  # other flags only: FSV_MISSING_OK is not among them
        mine = [p for p in f.param_list if p and re.search(rf"\b{p}\b", arg)]
        if len(mine) == 1 and not (flag and re.search(rf"\|\s*{flag}\b|\b{flag}\s*\|", arg)):
            # flags passed on, or ``missing_ok ? FSV_MISSING_OK : 0`` (a bool of f's)
            return f"{mine[0]}&{flag}" if flag and "?" not in arg else mine[0]
        return ""

    def _null_source(
        self, f: Func, kind: str, line: int, known: dict[int, tuple[str, str, str]]
    ) -> tuple[str, str, str] | None:
        """(``yes`` or ``flag``, evidence, guard) of one value ``f`` returns, None when it is
        not NULL."""
        if kind == "null":
            before = self.resolve(f, f.after_call.get(line))
            if before is not None and before.macro and self._direct(before) is not None:
                return None  # NO_LZ4_SUPPORT(); return NULL;  -- the macro raises first
            guarded = f.null_guards.get(line)
            if guarded is not None:
                guard, at = guarded
                return "flag", f"when {guard}@{f.shown}:{at} > return NULL@{f.shown}:{line}", guard
            return "yes", f"return NULL@{f.shown}:{line}", ""
        if kind.startswith("call:"):
            g = self.resolve(f, self.alias(kind[5:].partition("|")[0]))
            if g is not None and id(g) in known and g is not f:
                value, ev, guard = known[id(g)]
                step = f"{g.name}@{f.shown}:{line} > {ev}"
                if value == "flag":
                    mine = self._asks(f, g, line, guard)
                    if mine is None:
                        return None
                    if mine:
                        return "flag", f"when {mine}@{f.shown}:{line} > {step}", mine
                return "yes", step, ""
        return None

    def _null_sources(
        self, f: Func, known: dict[int, tuple[str, str, str]]
    ) -> Iterator[tuple[str, str, str]]:
        for line, kind in f.returns:
            src = self._null_source(f, kind, line, known)
            if src is None and kind.startswith("var:") and kind[4:] not in f.checked:
                refills = f.refilled.get(kind[4:], [])
                for aline, akind in f.assigns.get(kind[4:], []):
                    if akind == "null" and any(aline < r < line for r in refills):
                        continue  # if (buf == NULL) buf = ...; comes between
                    src = self._null_source(f, akind, aline, known)
                    if src is not None:
                        if akind == "null":
                            value, ev, guard = src
                            head = ev.rsplit(" > ", 1)[0] + " > " if " > " in ev else ""
                            var = f"{kind[4:]} = NULL@{f.shown}:{aline}, returned@{line}"
                            src = (value, head + var, guard)
                        break
            if src is not None:
                yield src

    def _analyse_null(self) -> None:
        """Each pointer function's NULL fact: ``yes`` from the first NULL source that no
        parameter guards; else ``flag`` when every source is guarded by the same parameter
        (one evidence: the first); a function named in ``HAND_NULL_FLAGS`` whose source shows
        a NULL takes the hand-read guard.  Every round recomputes all, so a callee found to be
        ``yes`` later still turns a ``flag`` caller into ``yes``."""
        funcs = [f for f in self.tree.functions if self.is_pointer(f)]
        for _ in range(DEPTH + 1):
            known = dict(self._null)
            for f in funcs:
                sources = list(self._null_sources(f, known))
                if not sources:
                    continue
                hand = HAND_NULL_FLAGS.get(f.name)
                if hand is not None and f.path.startswith("backend/"):
                    guard, why = hand
                    self._null[id(f)] = ("flag", f"when {guard}@{f.where} > {why}", guard)
                    continue
                plain = next((s for s in sources if s[0] == "yes"), None)
                if plain is None and len({s[2] for s in sources}) > 1:
                    plain = ("yes", sources[0][1], "")
                self._null[id(f)] = plain or sources[0]

    def null(self, f: Func) -> tuple[str, str]:
        if not self.is_pointer(f):
            return "-", ""
        got = self._null.get(id(f))
        return (got[0], got[1]) if got is not None else ("no", "")

    # --- result memory --------------------------------------------------------------------
    def _classify(self, f: Func, kind: str, line: int) -> tuple[str, str] | None:
        where = f"{f.shown}:{line}"
        if kind.startswith("call:"):
            callee, _, current = kind[5:].partition("|")
            name = self.alias(callee)
            if name in CURRENT_CONTEXT_ALLOCATORS or current:
                return "palloc", f"{callee}@{where}"
            if name in CACHE_ROOTS:
                return "cache", f"{callee}@{where}"
            g = self.resolve(f, name)
            if g is not None and id(g) in self._memory:
                cls, ev = self._memory[id(g)]
                if cls == "arg":
                    return None  # the callee's argument is this function's business
                return cls, f"{callee}@{where} > {ev}"
            return None
        if kind == "string":
            return "static", f"string literal@{where}"
        if kind.startswith("addr:"):
            var = kind[5:]
            if var not in f.assigns and var not in f.params:
                return "static", f"&{var}@{where}"
        return None

    def _analyse_memory(self) -> None:
        funcs = [f for f in self.tree.functions if self.is_pointer(f)]
        for f in funcs:
            if f.name in CURRENT_CONTEXT_ALLOCATORS and f.path.startswith(
                ("backend/", "common/psprintf")
            ):
                self._memory[id(f)] = ("palloc", f"allocates in CurrentMemoryContext@{f.where}")
            elif f.name in CACHE_ROOTS and f.path.startswith("backend/"):
                self._memory[id(f)] = ("cache", f"returns a cache entry@{f.where}")
        for _ in range(DEPTH + 1):
            for f in funcs:
                if id(f) in self._memory or f.switches_context:
                    continue
                classes: list[tuple[str, str]] = []
                given: list[str] = []
                unknown = False
                for line, kind in f.returns:
                    if kind == "null":
                        continue
                    if kind.startswith("var:"):
                        var = kind[4:]
                        sources = [a for a in f.assigns.get(var, []) if a[1] != "null"]
                        if var in f.params:  # hands back the caller's own (maybe grown)
                            given.append(f"returns its argument {var}@{f.shown}:{line}")
                            if not sources:
                                continue
                        elif not sources:
                            unknown = True
                            break
                        for aline, akind in sources:
                            got = self._classify(f, akind, aline)
                            if got is None:
                                unknown = True
                                break
                            classes.append(got)
                    else:
                        got = self._classify(f, kind, line)
                        if got is None:
                            unknown = True
                            break
                        classes.append(got)
                    if unknown:
                        break
                kinds = {c for c, _ in classes}
                if unknown or not classes:
                    continue
                if given and kinds == {"palloc"}:
                    # lappend, lcons, list_concat: the list passed in, or a new one
                    self._memory[id(f)] = ("arg", f"{given[0]} > or {classes[0][1]}")
                elif not given and len(kinds) == 1:
                    self._memory[id(f)] = classes[0]

    def memory(self, f: Func) -> tuple[str, str]:
        if not self.is_pointer(f):
            return "-", ""
        return self._memory.get(id(f), ("-", ""))

    # --- all together ---------------------------------------------------------------------
    def definition(self, name: str) -> Func | None:
        return self.global_defs.get(PGRX_ALIASES.get(name, name))

    def facts(self, f: Func) -> Facts:
        r, rev = self.raises(f)
        n, nev = self.null(f)
        m, mev = self.memory(f)
        return Facts(r, rev, n, nev, m, mev, f.signature)

    def callers_with(self, first: str, second: str) -> tuple[int, int]:
        """How many functions call ``first``, and how many of those also call ``second``."""
        both = with_first = 0
        for f in self.tree.functions:
            names = {c.callee for c in f.calls}
            if first in names:
                with_first += 1
                both += second in names
        return with_first, both


def _source_for(major: int, have: Sequence[int]) -> list[int]:
    """The source majors to try for ``major``, best first: itself, else the nearest neighbour
    (the older one on a tie), then the other side."""
    if major in have:
        return [major]
    older = [m for m in have if m < major]
    newer = [m for m in have if m > major]
    sides = ([max(older)] if older else []) + ([min(newer)] if newer else [])
    return sorted(sides, key=lambda m: (abs(m - major), m))


def _span(majors: list[int]) -> str:
    parts: list[str] = []
    start = prev = majors[0]
    for m in [*majors[1:], -1]:
        if m != prev + 1:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = m
        prev = m
    return ",".join(parts)


def clean(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")


def generate(source: Path, names_path: Path) -> tuple[str, dict[str, object]]:
    """The table's text, and figures for the run."""
    trees: dict[int, tuple[str, Tree]] = {}
    for d in sorted(source.glob("postgresql-*")):
        hit = re.fullmatch(r"postgresql-(\d+)\.(\d+)", d.name)
        if d.is_dir() and hit and int(hit.group(1)) in MAJORS:
            trees[int(hit.group(1))] = (d.name.removeprefix("postgresql-"), read_tree(d))
    if not trees:
        raise SystemExit(f"no postgresql-MAJOR.MINOR source trees under {source}")
    have = sorted(trees)
    analyses = {m: Analysis(t) for m, (_, t) in trees.items()}
    names = read_names(names_path)
    origins = read_origins(names_path)
    newest = max(have)
    new_names = _new_names(analyses[newest], names)
    for name, _where in new_names:
        names[name] = {newest}
    inline = _header_inlines(analyses, names, have)
    names.update(inline)
    figures_inline = len(inline)
    rows: list[str] = []
    figures: dict[str, int] = defaultdict(int)
    for name in sorted(names):
        per_major: list[tuple[int, int, Facts]] = []
        majors = sorted(names[name] | ({newest} if analyses[newest].definition(name) else set()))
        for major in majors:
            for src in _source_for(major, have):
                f = analyses[src].definition(name)
                if f is not None:
                    per_major.append((major, src, analyses[src].facts(f)))
                    break
        if not per_major:
            figures["no_definition"] += 1
            rows.append(f"none\t{name}\t{_why_none(name, analyses[newest], origins)}")
            continue
        figures["functions"] += 1
        groups: list[list[tuple[int, int, Facts]]] = []
        for item in per_major:
            if (
                groups
                and groups[-1][-1][2].key() == item[2].key()
                and groups[-1][-1][0] + 1 == item[0]
            ):
                groups[-1].append(item)
            else:
                groups.append([item])
        for group in groups:
            major_list = [m for m, _, _ in group]
            src = max(s for _, s, _ in group)
            facts = next(f for _, s, f in group if s == src)
            rows.append(
                "\t".join(
                    [
                        "fn",
                        name,
                        _span(major_list),
                        str(src),
                        facts.raises,
                        clean(facts.raises_evidence),
                        facts.null,
                        clean(facts.null_evidence),
                        facts.memory,
                        clean(facts.memory_evidence),
                        clean(facts.signature),
                    ]
                )
            )
        last = per_major[-1][2]
        figures[f"raises_{last.raises}"] += 1
        figures[f"null_{last.null}"] += 1
        figures[f"memory_{last.memory}"] += 1
    pairs = _pairs(analyses[newest], names)
    figures["pairs_hand"] = sum(1 for p in pairs if p.split("\t")[3] == "hand")
    figures["pairs_source"] = len(pairs) - figures["pairs_hand"]
    figures["new_names"] = len(new_names)
    figures["header_inline"] = figures_inline
    header = _header(trees, have, figures)
    new_rows = [f"new\t{n}\t{newest}\t{w}" for n, w in new_names]
    text = "\n".join([*header, *rows, *pairs, *new_rows]) + "\n"
    return text, dict(figures)


def _header_inlines(
    analyses: dict[int, Analysis], names: dict[str, set[int]], have: list[int]
) -> dict[str, set[int]]:
    """Static inline functions of the headers that the names table lacks (``list_nth``,
    ``itemptr_encode``): bindgen skips them, but pgrx's C shim or hand-written Rust exposes
    some as pg_sys functions.  Each gets the majors whose source (or nearest neighbour's)
    defines it."""
    out: dict[str, set[int]] = defaultdict(set)
    for major in MAJORS:
        src = _source_for(major, have)[0]
        for f in analyses[src].tree.functions:
            if f.path.startswith("include/") and f.name not in names:
                out[f.name].add(major)
    return dict(out)


def _new_names(a: Analysis, names: dict[str, set[int]]) -> list[tuple[str, str]]:
    """Functions the newest source declares in a header that pg_sys's bindings already draw on
    (one with at least one name in the names table), defined in the server, and missing from
    the names table."""
    by_header: dict[str, list[str]] = defaultdict(list)
    for name, (header, _line) in a.tree.prototypes.items():
        by_header[header].append(name)
    out: list[tuple[str, str]] = []
    for header, declared in by_header.items():
        if not any(n in names for n in declared):
            continue
        for n in declared:
            f = a.definition(n)
            if n not in names and f is not None and f.path.startswith("backend/"):
                out.append((n, f"{header}:{a.tree.prototypes[n][1]}"))
    return sorted(out)


def _pairs(a: Analysis, names: dict[str, set[int]]) -> list[str]:
    rows: list[str] = []
    seen: set[tuple[str, str]] = set()
    for acquire, release, note in HAND_PAIRS:
        f = a.definition(release) or a.macros.get(release)
        ref = f.where if f is not None else "-"
        rows.append(f"pair\t{acquire}\t{release}\thand\t{ref}\t{note}")
        seen.add((acquire, release))
    for acquire in sorted(names):
        for old, new in VERB_SWAPS:
            if old not in acquire:
                continue
            release = acquire.replace(old, new, 1)
            if release == acquire or release not in names or (acquire, release) in seen:
                continue
            f = a.definition(release)
            if f is None or a.definition(acquire) is None:
                continue
            callers, both = a.callers_with(acquire, release)
            if callers >= 3 and both * 2 >= callers:
                seen.add((acquire, release))
                rows.append(
                    f"pair\t{acquire}\t{release}\tsource\t{f.where}\t"
                    f"{both} of {callers} PostgreSQL functions that call {acquire} call {release}"
                )
    return rows


def _header(
    trees: dict[int, tuple[str, Tree]], have: list[int], figures: dict[str, int]
) -> list[str]:
    lines = [
        "# pg_sys function contracts read from PostgreSQL's C sources with tree-sitter-c.",
        "# A static reading of C (preprocessor not run, function pointers not followed):",
        "# evidence, not proof.",
        f"# generated by: {SCRIPT_NAME}",
    ]
    for m, (version, tree) in sorted(trees.items()):
        lines.append(
            f"# source {m}: PostgreSQL {version} (Debian source package postgresql-{m}),"
            f" {tree.files} files"
        )
    for m in MAJORS:
        if m not in have:
            srcs = _source_for(m, have)
            lines.append(
                f"# neighbour {m}: no source read; facts from {srcs[0]}"
                + (f" (or {srcs[1]} where {srcs[0]} lacks the function)" if len(srcs) > 1 else "")
            )
    lines += [
        f"# read: {', '.join(SOURCE_DIRS)}",
        f"# raises depth: {DEPTH} calls",
        f"# rows: {figures['functions']} functions, {figures['pairs_hand']} hand pairs,"
        f" {figures['pairs_source']} source pairs, {figures['new_names']} new names,"
        f" {figures['header_inline']} header inline functions absent from the names table",
        "# columns fn: fn<TAB>name<TAB>majors<TAB>evidence_major<TAB>raises<TAB>raises_evidence"
        "<TAB>null<TAB>null_evidence<TAB>memory<TAB>memory_evidence<TAB>signature",
        "#   raises: yes | maybe | no; null: yes | flag | no | - (not a pointer);"
        " memory: palloc | arg | cache | static | -",
        "#   memory arg: the pointer argument the first evidence step names, handed back"
        " (grown in its own context), or a new chunk in CurrentMemoryContext on the other paths",
        "#   null flag: NULL only when the caller asks, through the parameter the first"
        " evidence step names (when flags&FLAG@file:line, or when param@file:line for a bool)",
        "#   evidence: step@file:line joined by ' > '; file is the file name, or its path from src/"
        " where two files read share the name; lines of evidence_major",
        "# columns pair: pair<TAB>acquire<TAB>release<TAB>hand|source<TAB>release defined at"
        "<TAB>note",
        "# columns new: new<TAB>name<TAB>major<TAB>declared at (absent from pg_sys_names.tsv)",
        "# columns none: none<TAB>name<TAB>why no contract: pgrx (written in Rust by pgrx),"
        " macro (a C macro), absent (no definition in the sources read)",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help="folder holding postgresql-MAJOR.MINOR source trees",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--names", type=Path, default=NAMES)
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the output file differs from what the sources give",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    text, figures = generate(args.source, args.names)
    took = time.monotonic() - started
    print(
        f"{SCRIPT_NAME}: {took:.0f} s; "
        + ", ".join(f"{k} {v}" for k, v in sorted(figures.items())),
        file=sys.stderr,
    )
    if args.check:
        current = table.read_text(args.output) if args.output.is_file() else ""
        return 0 if current == text else 1
    table.write_text(args.output, text)
    print(
        f"wrote {args.output} ({len(text.encode())} bytes of text, "
        f"{args.output.stat().st_size} compressed)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
