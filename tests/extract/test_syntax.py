"""The syntax view the hints read (unsafe_audit.extract.syntax): exact values per helper."""

from __future__ import annotations

import textwrap
import time

from unsafe_audit.extract.parser import parse_file
from unsafe_audit.extract.syntax import RustSyntax

SOURCE = (
    textwrap.dedent("""
    thread_local! {
        static ROW: Cell<*mut u8> = Cell::new(ptr::null_mut());
    }
    static mut CTX: pg_sys::MemoryContext = ptr::null_mut();

    /// Docs.
    ///
    /// # Safety
    /// `p` is valid.
    #[pg_guard]
    #[unsafe(no_mangle)]
    pub unsafe extern "C-unwind" fn hook(p: *mut Foo, n: usize) -> Option<u8> {
        let prev = pg_sys::MemoryContextSwitchTo(ctx());
        let v = get()?;
        // p.is_null() in a comment does not count
        log!("{}", x.unwrap());
        for i in 0..n {
            if i > 2 { break; }
        }
        pg_sys::MemoryContextSwitchTo(prev);
        Some((*p).field)
    }
""")
    .lstrip("\n")
    .encode()
)


def test_fns_carry_abi_attributes_doc_and_params() -> None:
    [fn] = RustSyntax(SOURCE).fns
    assert (fn.name, fn.abi, fn.attributes, fn.is_unsafe, fn.has_pg_guard) == (
        "hook",
        'extern "C-unwind"',
        ("pg_guard", "no_mangle"),
        True,
        True,
    )
    assert fn.params == (("p", "*mut Foo"), ("n", "usize"))
    assert fn.doc == "Docs.\n\n# Safety\n`p` is valid."


def test_statics_include_thread_local_with_type_text() -> None:
    statics = RustSyntax(SOURCE).statics
    assert [(s.name, s.kind, s.type_text, s.line) for s in statics] == [
        ("ROW", "thread_local", "Cell<*mut u8>", 2),
        ("CTX", "static mut", "pg_sys::MemoryContext", 4),
    ]


def test_calls_know_where_their_value_goes_and_macro_calls_are_found() -> None:
    syntax = RustSyntax(SOURCE)
    switches = syntax.calls({"MemoryContextSwitchTo"})
    assert [(c.line, c.args, c.bound_to, c.discarded) for c in switches] == [
        (13, ("ctx()",), "prev", False),
        (20, ("prev",), None, True),
    ]
    assert [(c.line, c.in_macro) for c in syntax.calls({"unwrap"})] == [(16, True)]


def test_exits_derefs_and_null_checks() -> None:
    syntax = RustSyntax(SOURCE)
    assert [(e.kind, e.line) for e in syntax.exits()] == [("?", 14), ("break", 18)]
    assert [(d.form, d.base, d.in_unsafe, d.line) for d in syntax.derefs()] == [
        ("*", "p", True, 21)
    ]
    assert syntax.null_checks("p") == []


def _walk_seconds(depth: int) -> tuple[float, int]:
    """The best of three walks of a fn nested ``depth`` blocks deep, with a call bound by a
    ``let`` on every level."""
    body = "".join(f"{{ let x{i} = g({i});\n" for i in range(depth))
    source = ("fn f() {\n" + body + "}" * depth + "\n}\n").encode()
    best, calls = float("inf"), 0
    for _ in range(3):
        syntax = RustSyntax(source, parse_file(source))  # parsed here, walked in the timing
        start = time.process_time()
        found = syntax.calls({"g"})
        best = min(best, time.process_time() - start)
        calls = sum(1 for c in found if c.bound_to == f"x{c.args[0]}")
    return best, calls


def test_the_walk_takes_time_linear_in_nesting_depth() -> None:
    """What encloses a call (the ``let`` it is bound by) comes from one walk down the tree, not
    from ``Node.parent``, which searches from the root: at four times the depth the walk may take
    about four times as long, never the sixteen a search per call would."""
    shallow, shallow_bound = _walk_seconds(1_000)
    deep, deep_bound = _walk_seconds(4_000)
    assert (shallow_bound, deep_bound) == (1_000, 4_000)
    assert deep < 8 * max(shallow, 0.005), (shallow, deep)
