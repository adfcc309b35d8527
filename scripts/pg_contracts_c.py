"""Read one PostgreSQL source tree with tree-sitter-c: the facts ``pg_contracts.py`` derives.

This is a static reading of C, not a compiler: the preprocessor does not run, so every ``#ifdef``
branch is read, function-like macros are followed by the names they call (read from their
``#define`` text), and calls through function pointers are unknown except the memory-context
``alloc``/``realloc`` methods, which are modelled by hand (``INDIRECT_MODELS``).  What comes out is
evidence with a file:line, not proof.

Only ``scripts/pg_contracts.py`` imports this module; the installed tool never does.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_c
from tree_sitter import Language, Node, Parser, Query, QueryCursor

C = Language(tree_sitter_c.language())

SOURCE_DIRS = (
    *("src/backend", "src/common", "src/port", "src/timezone", "src/include"),
    "src/pl/plpgsql/src",
)
"""What is read of each tree: the server, its shared libraries and every header."""

LOW_LEVELS = frozenset(
    [
        *("DEBUG5", "DEBUG4", "DEBUG3", "DEBUG2", "DEBUG1", "LOG", "LOG_SERVER_ONLY"),
        *("COMMERROR", "INFO", "NOTICE", "WARNING", "WARNING_CLIENT_ONLY"),
    ]
)
"""ereport/elog levels below ERROR: they return.  Any other level (ERROR, FATAL, PANIC or a
variable such as ``elevel``) is taken as one that may not return."""

NO_RETURN_LEVELS = frozenset({"ERROR", "FATAL", "PANIC"})
REPORT_MACROS = frozenset({"ereport", "elog", "ereport_domain"})
RETHROW = frozenset({"pg_re_throw", "PG_RE_THROW", "ReThrowError"})
"""Calls that always leave by longjmp."""

NO_RETURN_CALLS = frozenset(
    [
        *RETHROW,
        *("pg_unreachable", "proc_exit", "abort", "exit", "_exit", "DeadLockReport"),
        *("errorConflictingDefElem", "errorMissingColumn", "errorMissingRTE"),
        *("float_overflow_error", "float_underflow_error", "float_zero_divide_error"),
        *("report_invalid_encoding", "report_untranslatable_char", "MemoryContextSizeFailure"),
        *("scanner_yyerror", "boot_yyerror", "replication_yyerror"),
    ]
)
"""Calls that never come back (declared ``pg_noreturn``/``pg_attribute_noreturn()`` in the
headers of 13 to 18, less the process ``*Main`` functions): a statement after one in the same
block is unreachable."""

ELOG_FILE = "backend/utils/error/elog.c"
"""Callees defined here (errmsg, errstart, errfinish, ...) are the reporting machinery itself:
following them would make every ``ereport(WARNING)`` look like an ERROR."""

IGNORED_CALLEES = frozenset(
    {"Assert", "AssertArg", "AssertState", "AssertMacro", "AssertPointerAlignment"}
)
"""Assertions exist only in cassert builds, which pgrx extensions are not run against in
production."""

OOM_METHODS = frozenset({"alloc", "realloc"})
"""``context->methods->alloc(...)``: since PostgreSQL 17 palloc leaves out-of-memory handling to
the context's method (mcxt.c, ``palloc``: "We expect OOM to be handled by the alloc function"), so
the call is taken as a raise (aset.c, ``AllocSetAllocLarge`` -> ``MemoryContextAllocationFailure``
-> ``ereport(ERROR)``)."""

INDIRECT_MODELS = {"free_p": "AllocSetFree"}
"""Other memory-context methods, followed into aset.c's implementation."""

CURRENT_CONTEXT_ALLOCATORS = frozenset(
    {
        "palloc",
        "palloc0",
        "palloc_extended",
        "pstrdup",
        "pnstrdup",
        "pchomp",
        "psprintf",
        "palloc_aligned",
        "palloc0fast",
        "newNode",
    }
)
"""Functions and macros whose result is a new chunk in ``CurrentMemoryContext``."""

CONTEXT_ALLOC_FUNCS = frozenset(
    {
        "MemoryContextAlloc",
        "MemoryContextAllocZero",
        "MemoryContextAllocZeroAligned",
        "MemoryContextAllocExtended",
        "MemoryContextAllocAligned",
    }
)
"""Allocate in the context named by the first argument (current only if it is
``CurrentMemoryContext``)."""

CACHE_ROOTS = frozenset(
    {
        "SearchCatCache",
        "SearchCatCache1",
        "SearchCatCache2",
        "SearchCatCache3",
        "SearchCatCache4",
        "RelationIdGetRelation",
        "lookup_type_cache",
        "RelationIdCacheLookup",
    }
)
"""Functions whose result points into a backend cache (catcache, relcache, typcache)."""

QUERY = Query(
    C,
    """
(function_definition body: (compound_statement) @body) @fn
(call_expression function: (_) @callee arguments: (argument_list) @args) @call
(return_statement) @ret
(assignment_expression left: (identifier) @lhs right: (_) @rhs) @assign
(init_declarator declarator: (_) @decl value: (_) @init) @initdecl
(if_statement condition: (_) @cond consequence: (_) @then) @if
(if_statement condition: (_) @ncond consequence: (return_statement (identifier) @nret))
(preproc_function_def name: (identifier) @macro_name value: (preproc_arg) @macro_value) @macro
(type_definition declarator: (pointer_declarator) @ptr_typedef)
(declaration declarator: [
  (function_declarator declarator: (identifier) @proto)
  (pointer_declarator declarator: (function_declarator declarator: (identifier) @proto))
  (pointer_declarator declarator: (pointer_declarator
    declarator: (function_declarator declarator: (identifier) @proto)))])
""",
)
CALL_NAME = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


@dataclass
class Call:
    """One call in a function body."""

    callee: str | None
    """The name called, or None for a call through a pointer."""
    line: int
    level: str | None = None
    """For ereport/elog: the text of the level argument."""
    first_arg: str = ""
    args: tuple[str, ...] = ()
    """The text of each argument, whitespace removed."""


@dataclass
class Func:
    """One C function (or function-like macro) definition with what its body shows."""

    name: str
    path: str
    line: int
    static: bool
    signature: str
    pointer: bool | None
    """True when the result is a pointer, None when the return type is a typedef to decide later."""
    return_type: str = ""
    params: frozenset[str] = frozenset()
    param_list: tuple[str, ...] = ()
    """The parameter names in order."""
    calls: list[Call] = field(default_factory=list)
    returns: list[tuple[int, str]] = field(default_factory=list)
    """(line, kind): kind is null, call:NAME, var:NAME, string, addr:NAME or other."""
    assigns: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    """variable -> (line, kind) of each value given to it (kinds as for ``returns``)."""
    checked: set[str] = field(default_factory=set)
    """Variables tested in an ``if`` whose branch raises: a NULL from them never gets out."""
    after_call: dict[int, str] = field(default_factory=dict)
    """Return line -> the function or macro called by the statement just before it (a
    ``NO_LZ4_SUPPORT(); return NULL;`` is only reached if that call returns)."""
    null_returns: set[int] = field(default_factory=set)
    """Lines of ``if (!HeapTupleIsValid(tuple)) return tuple;``: the variable is NULL there."""
    null_guards: dict[int, tuple[str, int]] = field(default_factory=dict)
    """Line of a ``return NULL`` or ``var = NULL`` -> (guard, line of the test) when that NULL is
    reached only if a parameter says so: ``flags&FSV_MISSING_OK`` for a bit of a flags
    parameter, ``missing_ok`` for a bool one (``_null_guard``)."""
    refilled: dict[str, list[int]] = field(default_factory=dict)
    """Variable -> lines of ``if (v == NULL) v = ...;``: a NULL given to it before is replaced
    (``buf = NULL; /* flag for no special case */`` in ``format_type_extended``)."""
    switches_context: bool = False
    macro: bool = False

    shown: str = ""
    """``path`` as evidence gives it: the file name alone when no other file read has it."""

    @property
    def where(self) -> str:
        return f"{self.shown or self.path}:{self.line}"


def _text(node: Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text else ""


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _unwrap(node: Node) -> Node:
    """Strip casts and parentheses around an expression."""
    while node.type in ("cast_expression", "parenthesized_expression"):
        inner = node.child_by_field_name("value") if node.type == "cast_expression" else None
        if inner is None:
            named = [c for c in node.named_children if c.type != "comment"]
            inner = named[-1] if named else None
        if inner is None:
            break
        node = inner
    return node


def value_kind(node: Node) -> str:
    """Classify an expression given as a result: ``null``, ``call:NAME``, ``var:NAME``,
    ``string``, ``addr:NAME`` or ``other``; ``call:NAME|current`` for an allocator given
    ``CurrentMemoryContext`` (``MemoryContextAlloc(CurrentMemoryContext, n)``)."""
    node = _unwrap(node)
    if node.type == "null" or (node.type == "identifier" and _text(node) in ("NULL", "NIL")):
        return "null"
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        if fn is not None and fn.type == "identifier":
            name = _text(fn)
            if name in CONTEXT_ALLOC_FUNCS:
                args = node.child_by_field_name("arguments")
                first = args.named_children[0] if args and args.named_children else None
                if first is not None and _text(first) == "CurrentMemoryContext":
                    return f"call:{name}|current"
            return f"call:{name}"
        return "other"
    if node.type == "identifier":
        return f"var:{_text(node)}"
    if node.type in ("string_literal", "concatenated_string"):
        return "string"
    if node.type == "pointer_expression" and node.child_by_field_name("argument") is not None:
        arg = node.child_by_field_name("argument")
        if _text(node).startswith("&") and arg is not None and arg.type == "identifier":
            return f"addr:{_text(arg)}"
    return "other"


def _function_name(declarator: Node) -> tuple[str | None, bool, Node | None]:
    """(name, result is a pointer, parameter list) of a function definition's declarator."""
    pointer = False
    node: Node | None = declarator
    while node is not None:
        if node.type == "pointer_declarator":
            pointer = True
            node = node.child_by_field_name("declarator")
        elif node.type == "function_declarator":
            inner = node.child_by_field_name("declarator")
            params = node.child_by_field_name("parameters")
            if inner is not None and inner.type == "identifier":
                return _text(inner), pointer, params
            if inner is not None and inner.type == "parenthesized_declarator":
                return None, pointer, None  # returns a function pointer: out of scope
            node = inner
        else:
            return None, pointer, None
    return None, pointer, None


def _signature(fn_node: Node, body: Node, source: bytes) -> str:
    head = source[fn_node.start_byte : body.start_byte].decode("utf-8", "replace")
    head = re.sub(r"/\*.*?\*/", " ", head, flags=re.S)
    words = [w for w in head.split() if w not in ("static", "inline", "extern", "pg_noinline")]
    sig = " ".join(words)
    for pattern, repl in ((r"\(\s+", "("), (r"\s+\)", ")"), (r"\s+,", ","), (r"\*\s+", "*")):
        sig = re.sub(pattern, repl, sig)
    return sig


@dataclass
class FileFacts:
    """What one file defines."""

    functions: list[Func]
    macros: list[Func]
    pointer_typedefs: set[str]
    prototypes: list[tuple[str, int]]
    """Functions declared (not defined) in the file, with their line."""


def _params(params: Node | None) -> tuple[str, ...]:
    """The parameter names in order (an unnamed or odd parameter is ``""``)."""
    if params is None:
        return ()
    names: list[str] = []
    for p in params.named_children:
        if p.type == "comment":
            continue
        decl = p.child_by_field_name("declarator")
        while decl is not None and decl.type != "identifier":
            decl = decl.child_by_field_name("declarator")
        names.append(_text(decl) if decl is not None else "")
    return tuple(names)


_HINTS = re.compile(r"^(?:un)?likely\((.*)\)$")
_POSITIVE = (
    re.compile(r"^(?P<p>\w+)(?:==true|!=false|!=0)?$"),
    re.compile(r"^(?P<p>\w+)&(?P<f>[A-Z]\w*)$"),
    re.compile(r"^\((?P<p>\w+)&(?P<f>[A-Z]\w*)\)!=0$"),
)
_NEGATIVE = (
    re.compile(r"^!(?P<p>\w+)$"),
    re.compile(r"^(?P<p>\w+)(?:==false|==0)$"),
    re.compile(r"^!\((?P<p>\w+)&(?P<f>[A-Z]\w*)\)$"),
    re.compile(r"^\((?P<p>\w+)&(?P<f>[A-Z]\w*)\)==0$"),
)


def _strip(cond: str) -> str:
    """``cond`` without whitespace, outer parentheses and ``likely()``/``unlikely()``."""
    cond = re.sub(r"\s+", "", cond)
    while True:
        hint = _HINTS.match(cond)
        if hint is not None:
            cond = hint.group(1)
        elif cond.startswith("(") and cond.endswith(")") and _balanced(cond[1:-1]):
            cond = cond[1:-1]
        else:
            return cond


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _param_test(cond: str, params: tuple[str, ...], positive: bool) -> str | None:
    """``P`` or ``P&FLAG`` when ``cond`` holds only if parameter ``P`` is true (``positive``) or
    false (not ``positive``): a conjunct of ``a && b`` is enough when positive, the whole
    condition must be the test when negative."""
    text = _strip(cond)
    parts = [_strip(c) for c in text.split("&&")] if positive and "||" not in text else [text]
    for part in parts:
        for pattern in _POSITIVE if positive else _NEGATIVE:
            hit = pattern.match(part)
            if hit is not None and hit.group("p") in params:
                flag = hit.groupdict().get("f")
                return f"{hit.group('p')}&{flag}" if flag else hit.group("p")
    return None


def _null_guard(stmt: Node, params: tuple[str, ...]) -> tuple[str, int] | None:
    """(guard, line) when ``stmt`` (a ``return NULL`` or ``x = NULL;``) is reached only if a
    parameter asks for it: it lies in the branch of ``if (missing_ok)`` or ``if ((flags &
    FLAG) != 0)``, or follows ``if (!missing_ok) elog(ERROR, ...);`` in its block or an
    enclosing one (``GetForeignServerExtended``, ``format_type_extended``)."""
    node: Node | None = stmt
    while node is not None and node.type != "function_definition":
        prev = node.prev_named_sibling
        while prev is not None and prev.type not in ("labeled_statement", "case_statement"):
            cond = prev.child_by_field_name("condition")
            then = prev.child_by_field_name("consequence")
            if (
                prev.type == "if_statement"
                and cond is not None
                and then is not None
                and prev.child_by_field_name("alternative") is None
                and _raises_in(then, strict=True)
            ):
                guard = _param_test(_text(cond), params, positive=False)
                if guard is not None:
                    return guard, _line(prev)
            prev = prev.prev_named_sibling
        parent = node.parent
        if parent is not None and parent.type == "if_statement":
            cond = parent.child_by_field_name("condition")
            then = parent.child_by_field_name("consequence")
            if cond is not None and then is not None and then.id == node.id:
                guard = _param_test(_text(cond), params, positive=True)
                if guard is not None:
                    return guard, _line(parent)
        node = parent
    return None


def _nested(node: Node) -> bool:
    """C has no nested functions: one inside another is a misparse of a statement macro such
    as ``foreach (lc, list) { ... }``."""
    parent = node.parent
    while parent is not None:
        if parent.type == "function_definition":
            return True
        parent = parent.parent
    return False


def _raises_in(node: Node, strict: bool = False) -> bool:
    """True when ``node`` holds an ereport/elog at a level that may not return (``strict``:
    one that never returns, ERROR or above written as such)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            fn = n.child_by_field_name("function")
            name = _text(fn) if fn is not None and fn.type == "identifier" else ""
            if name in NO_RETURN_CALLS:
                return True
            if name in REPORT_MACROS:
                args = n.child_by_field_name("arguments")
                first = args.named_children[0] if args and args.named_children else None
                level = _text(first) if first is not None else ""
                if level in NO_RETURN_LEVELS or (not strict and level not in LOW_LEVELS):
                    return True
        stack.extend(n.named_children)
    return False


def _unreachable(stmt: Node) -> bool:
    """True when a statement before ``stmt`` in its block never returns (``elog(ERROR)``,
    ``pg_re_throw()``, a noreturn call) and no label lies between them: ``stmt`` is dead code,
    such as ``retval = NULL;  /* keep compiler happy */`` (``init_MultiFuncCall``)."""
    prev = stmt.prev_named_sibling
    while prev is not None:
        if prev.type in ("labeled_statement", "case_statement"):
            return False
        if prev.type == "expression_statement" and _raises_in(prev, strict=True):
            return True
        prev = prev.prev_named_sibling
    return False


def read_file(path: Path, rel: str, parser: Parser) -> FileFacts:
    """Parse one .c or .h file."""
    source = path.read_bytes()
    tree = parser.parse(source)
    funcs: list[Func] = []
    spans: list[tuple[int, int, Func]] = []
    macros: list[Func] = []
    typedefs: set[str] = set()
    protos: list[tuple[str, int]] = []
    matches = QueryCursor(QUERY).matches(tree.root_node)
    for _, caps in matches:
        if "fn" in caps:
            fn_node, body = caps["fn"][0], caps["body"][0]
            decl = fn_node.child_by_field_name("declarator")
            if decl is None or _nested(fn_node) or fn_node.child_by_field_name("type") is None:
                continue  # no return type: a misparsed statement macro, not a function
            name, pointer, params = _function_name(decl)
            if name is None:
                continue
            specs = {_text(c) for c in fn_node.children if c.type == "storage_class_specifier"}
            rtype = fn_node.child_by_field_name("type")
            f = Func(
                name=name,
                path=rel,
                line=_line(decl),
                static="static" in specs,
                signature=_signature(fn_node, body, source),
                pointer=True if pointer else None,
                return_type=_text(rtype) if rtype is not None else "",
                params=frozenset(_params(params)),
                param_list=_params(params),
            )
            funcs.append(f)
            spans.append((body.start_byte, body.end_byte, f))
        elif "macro" in caps:
            name = _text(caps["macro_name"][0])
            value = _text(caps["macro_value"][0])
            m = Func(
                name=name,
                path=rel,
                line=_line(caps["macro"][0]),
                static=False,
                signature=value.strip(),
                pointer=None,
                macro=True,
            )
            for callee in CALL_NAME.findall(value):
                if callee in REPORT_MACROS:
                    arg = value.split(callee, 1)[1].lstrip(" (\\\n\t").split(",", 1)[0].strip()
                    m.calls.append(Call(callee, m.line, level=arg))
                else:
                    m.calls.append(Call(callee, m.line))
            macros.append(m)
        elif "proto" in caps:
            protos.append((_text(caps["proto"][0]), _line(caps["proto"][0])))
        elif "ptr_typedef" in caps:
            target: Node | None = caps["ptr_typedef"][0]
            while target is not None and target.type == "pointer_declarator":
                target = target.child_by_field_name("declarator")
            if target is not None and target.type == "type_identifier":
                typedefs.add(_text(target))
    spans.sort(key=lambda s: s[0])
    starts = [s[0] for s in spans]

    def owner(node: Node) -> Func | None:
        i = bisect.bisect_right(starts, node.start_byte) - 1
        if i >= 0 and spans[i][0] <= node.start_byte < spans[i][1]:
            return spans[i][2]
        return None

    for _, caps in matches:
        if "fn" in caps or "macro" in caps or "ptr_typedef" in caps or "proto" in caps:
            continue
        anchor = next(iter(caps.values()))[0]
        found = owner(anchor)
        if found is None:
            continue
        f = found
        if "call" in caps:
            fn = caps["callee"][0]
            args = caps["args"][0]
            first = args.named_children[0] if args.named_children else None
            first_text = _text(first) if first is not None else ""
            if fn.type == "identifier":
                name = _text(fn)
                if name == "MemoryContextSwitchTo":
                    f.switches_context = True
                level = first_text if name in REPORT_MACROS else None
                texts = tuple(
                    re.sub(r"\s+", "", _text(a)) for a in args.named_children if a.type != "comment"
                )
                f.calls.append(Call(name, _line(fn), level=level, first_arg=first_text, args=texts))
            else:
                method = ""
                if fn.type == "field_expression":
                    fld = fn.child_by_field_name("field")
                    method = _text(fld) if fld is not None else ""
                elif fn.type == "call_expression" and _text(fn).startswith("MCXT_METHOD("):
                    inner = fn.child_by_field_name("arguments")
                    if inner is not None and inner.named_children:
                        method = _text(inner.named_children[-1])
                if method in OOM_METHODS:
                    f.calls.append(Call(None, _line(fn), level="oom", first_arg=method))
                else:
                    model = INDIRECT_MODELS.get(method)
                    f.calls.append(
                        Call(model, _line(fn), level="indirect" if model is None else None)
                    )
        elif "ret" in caps:
            ret = caps["ret"][0]
            expr = next((c for c in ret.named_children if c.type != "comment"), None)
            prev = ret.prev_named_sibling
            while prev is not None and prev.type == "comment":
                prev = prev.prev_named_sibling
            if _unreachable(ret):
                continue  # "return NULL; /* keep compiler quiet */" after an ERROR
            if prev is not None and prev.type == "expression_statement":
                call = prev.named_children[0] if prev.named_children else None
                head = call.child_by_field_name("function") if call is not None else None
                if call is not None and call.type == "call_expression" and head is not None:
                    f.after_call[_line(ret)] = _text(head)
            if expr is not None:
                kind = value_kind(expr)
                f.returns.append((_line(ret), kind))
                if kind == "null":
                    guard = _null_guard(ret, f.param_list)
                    if guard is not None:
                        f.null_guards[_line(ret)] = guard
        elif "assign" in caps:
            stmt = caps["assign"][0].parent
            if stmt is not None and stmt.type == "expression_statement" and _unreachable(stmt):
                continue
            kind = value_kind(caps["rhs"][0])
            f.assigns.setdefault(_text(caps["lhs"][0]), []).append((_line(caps["assign"][0]), kind))
            if kind == "null" and stmt is not None:
                guard = _null_guard(stmt, f.param_list)
                if guard is not None:
                    f.null_guards[_line(caps["assign"][0])] = guard
        elif "initdecl" in caps:
            d = caps["decl"][0]
            while d.type == "pointer_declarator" and d.child_by_field_name("declarator"):
                d = d.child_by_field_name("declarator")  # type: ignore[assignment]
            if d.type == "identifier":
                f.assigns.setdefault(_text(d), []).append(
                    (_line(caps["initdecl"][0]), value_kind(caps["init"][0]))
                )
        elif "nret" in caps:
            var = _text(caps["nret"][0])
            cond = _text(caps["ncond"][0]).replace(" ", "")
            if var in cond and ("!" in cond or "NULL" in cond):
                f.null_returns.add(_line(caps["nret"][0]))
        elif "if" in caps:
            cond, then = _text(caps["cond"][0]), caps["then"][0]
            if _raises_in(then):
                f.checked.update(IDENT.findall(cond))
            tested = re.fullmatch(r"(\w+)==NULL|!(\w+)", _strip(cond))
            name = (tested.group(1) or tested.group(2)) if tested is not None else ""
            if name and re.search(rf"\b{name}\s*=[^=]", _text(then)):
                f.refilled.setdefault(name, []).append(_line(caps["if"][0]))
    for f in funcs:
        if f.null_returns:
            f.returns = [(ln, "null" if ln in f.null_returns else k) for ln, k in f.returns]
    return FileFacts(funcs, macros, typedefs, protos)


def source_files(root: Path) -> Iterator[tuple[Path, str]]:
    """The .c and .h files read, with their path relative to ``src/`` (sorted: stable output)."""
    for sub in SOURCE_DIRS:
        base = root / sub
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix in (".c", ".h") and path.is_file():
                yield path, path.relative_to(root / "src").as_posix()


@dataclass
class Tree:
    """Everything read from one source tree."""

    functions: list[Func] = field(default_factory=list)
    macros: list[Func] = field(default_factory=list)
    pointer_typedefs: set[str] = field(default_factory=set)
    prototypes: dict[str, tuple[str, int]] = field(default_factory=dict)
    """name -> (header, line) of its first declaration in src/include."""
    files: int = 0


def read_tree(root: Path) -> Tree:
    """Every function, macro, pointer typedef and header prototype of one source tree."""
    parser = Parser(C)
    tree = Tree()
    bases: Counter[str] = Counter()
    for path, rel in source_files(root):
        bases[path.name] += 1
        facts = read_file(path, rel, parser)
        tree.functions.extend(facts.functions)
        tree.macros.extend(facts.macros)
        tree.pointer_typedefs |= facts.pointer_typedefs
        if rel.startswith("include/"):
            for name, line in facts.prototypes:
                tree.prototypes.setdefault(name, (rel, line))
        tree.files += 1
    for f in [*tree.functions, *tree.macros]:
        base = f.path.rsplit("/", 1)[-1]
        f.shown = base if bases[base] == 1 else f.path
    return tree
