"""The ``.scm`` queries that locate candidate nodes, run through ``candidates.locate`` on real
tree-sitter trees: each word gets the owner its syntax gives it, and no other."""

from __future__ import annotations

from unsafe_audit.extract import candidates
from unsafe_audit.extract.ancestry import Ancestry
from unsafe_audit.extract.candidates import alias_paths, locate, query
from unsafe_audit.extract.parser import parse
from unsafe_audit.extract.query_files import query_files

OWNERS = b"""\
unsafe fn raw() {
    unsafe { inner() }
}
unsafe impl Send for Cache {}
unsafe trait Zeroable {}
trait Hooks { unsafe fn hook(&self); }
unsafe extern "C" { fn decl(); }
#[unsafe(no_mangle)]
pub extern "C" fn exported() {}
#[cfg_attr(feature = "x", unsafe(export_name = "y"))]
fn renamed() {}
type Callback = Option<unsafe extern "C" fn(i32)>;
macro_rules! m { (unsafe $e:expr) => { unsafe { $e } }; }
// unsafe { in a comment }
const S: &str = "unsafe { in a string }";
"""


def _owners(source: bytes) -> list[tuple[str, str, int]]:
    tree = parse(source)
    found = locate(Ancestry(tree.root_node), source)
    return [(o.role, o.owner.type, o.keyword.start_point.row + 1) for o in found.unsafe_owners]


def test_every_query_file_compiles_against_the_installed_grammar() -> None:
    names = [p.stem for p in query_files()]
    assert names == ["extern", "macros", "module_paths", "syntax", "unsafe"]
    for name in names:
        assert query(name).pattern_count > 0


def test_unsafe_scm_names_the_roles_the_walker_handles() -> None:
    q = query("unsafe")
    roles = {q.capture_name(i) for i in range(q.capture_count)} - {"keyword"}
    assert roles == {
        "unsafe_block",
        "unsafe_fn",
        "unsafe_impl",
        "unsafe_trait",
        "unsafe_extern_block",
        "unsafe_attribute",
        "fn_pointer_type",
        "matcher_token",
        "token_tree",
    }


def test_each_unsafe_word_in_code_gets_its_own_owner_and_comments_and_strings_none() -> None:
    assert _owners(OWNERS) == [
        ("unsafe_fn", "function_item", 1),
        ("unsafe_block", "unsafe_block", 2),
        ("unsafe_impl", "impl_item", 4),
        ("unsafe_trait", "trait_item", 5),
        ("unsafe_fn", "function_signature_item", 6),
        ("unsafe_extern_block", "foreign_mod_item", 7),
        ("unsafe_attribute", "attribute", 8),
        ("token_tree", "token_tree", 10),
        ("fn_pointer_type", "function_type", 12),
        ("matcher_token", "token_tree_pattern", 13),
        ("token_tree", "token_tree", 13),
    ]
    found = locate(Ancestry(parse(OWNERS).root_node), OWNERS)
    assert len(found.unsafe_positions) == 13  # the comment's and the string's are words too


def test_extern_blocks_with_and_without_unsafe_but_not_fn_pointer_abis() -> None:
    source = b"""\
extern "C" { fn a(); }
unsafe extern "C-unwind" { fn b(); }
pub extern "C" fn c() {}
type F = extern "C" fn();
"""
    found = locate(Ancestry(parse(source).root_node), source)
    assert [(n.type, n.start_point.row + 1) for n in found.extern_blocks] == [
        ("foreign_mod_item", 1),
        ("foreign_mod_item", 2),
    ]


def test_extern_fn_definitions_but_not_declarations_pointers_unsafe_or_rust_abi() -> None:
    source = b"""\
extern "C" { fn a(); }
pub extern "C" fn c() {}
type F = extern "C" fn();
unsafe extern "C" fn d() {}
extern "Rust" fn e() {}
trait T { extern "C" fn f(); extern fn g() {} }
"""
    found = locate(Ancestry(parse(source).root_node), source)
    assert [(n.type, n.text) for n in found.extern_fns] == [
        ("function_item", b'pub extern "C" fn c() {}'),
        ("function_item", b"extern fn g() {}"),
    ]


def test_pg_sys_paths_and_uses_through_every_spelling() -> None:
    source = b"""\
use pgrx::pg_sys;
use pgrx::pg_sys::{palloc, pfree as free};
fn f() {
    pg_sys::palloc(1);
    pgrx::pg_sys::pfree(p);
    ::pgrx::pg_sys::MyProcPid;
    crate::pg_sys::Datum::from(0);
    let pg_sys = 1; // pg_sys::not_code()
}
"""
    found = locate(Ancestry(parse(source).root_node), source)
    assert [(n.text, n.start_point.row + 1) for n in found.pg_sys_paths] == [
        (b"pg_sys::palloc", 4),
        (b"pgrx::pg_sys::pfree", 5),
        (b"::pgrx::pg_sys::MyProcPid", 6),
        (b"crate::pg_sys::Datum", 7),
    ]
    assert [n.start_point.row + 1 for n in found.uses] == [1, 2]


def test_macro_arguments_and_each_rule_body() -> None:
    source = b"""\
macro_rules! twice {
    ($e:expr) => { unsafe { $e } };
    () => { pg_sys::pfree(p) };
}
fn f() { format!("{}", unsafe { g() }); vec![1]; not_a_macro (x); }
"""
    found = locate(Ancestry(parse(source).root_node), source)
    assert [n.text for n in found.macro_bodies] == [b"{ unsafe { $e } }", b"{ pg_sys::pfree(p) }"]
    assert [n.text for n in found.macro_args] == [b'("{}", unsafe { g() })', b"[1]"]


def test_alias_paths_reach_items_through_a_renamed_pg_sys() -> None:
    source = b"use pgrx::pg_sys as sys;\nfn f() { sys::palloc(8); let sys = 2; sys + 1; }\n"
    paths = alias_paths(Ancestry(parse(source).root_node), source, ["sys"])
    assert [n.text for n in paths] == [b"sys::palloc"]
    assert alias_paths(Ancestry(parse(source).root_node), source, []) == []


def test_a_word_inside_a_large_enclosing_match_is_not_taken_for_it() -> None:
    # The ranged cursor also returns the enclosing `unsafe fn` for the inner word; only the
    # match whose @keyword is the word itself counts.
    source = b"unsafe fn outer() {\n" + b"    unsafe { x() };\n" * 50 + b"}\n"
    owners = _owners(source)
    assert owners[0] == ("unsafe_fn", "function_item", 1)
    assert owners[1:] == [("unsafe_block", "unsafe_block", row) for row in range(2, 52)]
    found = locate(Ancestry(parse(source).root_node), source)
    assert candidates.word_positions(source, b"unsafe") == [
        o.keyword.start_byte for o in found.unsafe_owners
    ]
