"""What the snippets of the contract-based hints cannot show: which PostgreSQL major's facts
count, and which of the table's acquire/release pairs a fn is held to."""

from __future__ import annotations

import textwrap

from unsafe_audit.contracts.table import load
from unsafe_audit.extract import extract_file
from unsafe_audit.hints.acquire_without_release import _protocols
from unsafe_audit.hints.contract_lookup import majors_where, pallocs, raises, returns_null
from unsafe_audit.hints.null_result_unchecked import NullResultUnchecked
from unsafe_audit.hints.rule import HintContext

PATH = "src/lib.rs"


def _context(snippet: str) -> HintContext:
    source = textwrap.dedent(snippet).lstrip("\n").encode()
    return HintContext(PATH, source, extract_file(PATH, source).sites)


def test_a_fact_counts_when_any_major_says_so_and_names_those_majors() -> None:
    # encrypt_password may return NULL up to 16 and not from 17: the newest facts say no.
    contract = load().get("encrypt_password")
    assert contract is not None
    assert contract.facts[-1].returns_null == "no"
    assert majors_where("encrypt_password", returns_null) == "13-16"


def test_no_majors_when_the_fact_never_holds_or_there_is_no_contract() -> None:
    assert majors_where("palloc", returns_null) is None
    assert majors_where("palloc", pallocs) == "13-18"
    assert majors_where("not_a_postgres_function", raises) is None


def test_a_result_that_may_be_null_on_older_majors_only_is_flagged_with_those_majors() -> None:
    ctx = _context(
        """
        fn hashed(role: *const c_char, pw: *const c_char) -> u8 {
            let out = unsafe { pg_sys::encrypt_password(1, role, pw) };
            unsafe { *out as u8 }
        }
        """
    )
    assert [str(h) for h in NullResultUnchecked().check(ctx)] == [
        "src/lib.rs:3: [null-result-unchecked] `out` holds the result of `encrypt_password`, "
        "which may return NULL (PostgreSQL 13-16), and is dereferenced here with no NULL check "
        "since line 2."
    ]


def test_a_local_fn_named_like_a_postgres_function_is_not_looked_up() -> None:
    ctx = _context(
        """
        fn SearchSysCache1(id: i32, key: usize) -> *mut u8 { lookup(id, key) }
        fn first(key: usize) -> u8 {
            let tup = SearchSysCache1(1, key);
            unsafe { *tup }
        }
        """
    )
    assert list(NullResultUnchecked().check(ctx)) == []


def test_pairs_a_fn_is_held_to() -> None:
    protocols = _protocols()
    # Owed: reviewed pairs, and pairs most PostgreSQL callers settle (7 of 9).
    assert protocols["table_open"].releases == frozenset({"table_close"})
    assert protocols["ReplicationSlotAcquire"].releases == frozenset({"ReplicationSlotRelease"})
    assert protocols["BeginInternalSubTransaction"].releases == frozenset(
        {"ReleaseCurrentSubTransaction", "RollbackAndReleaseCurrentSubTransaction"}
    )
    # Not owed: a switch back (another hint's job), optional or conditional releases, a
    # context freed with its parent, and pairs fewer than three in four callers settle.
    for acquire in (
        "MemoryContextSwitchTo",
        "CreateTupleDescCopy",
        "SPI_prepare",
        "AllocSetContextCreateExtended",
        "ExecutorStart",
        "AcquireDeletionLock",
    ):
        assert acquire not in protocols, acquire


def test_which_pairs_hand_a_handle_to_their_release() -> None:
    protocols = _protocols()
    assert {a: protocols[a].handle for a in ("table_open", "ReadBuffer", "SearchSysCache1")} == {
        "table_open": True,
        "ReadBuffer": True,
        "SearchSysCache1": True,
    }
    assert {a: protocols[a].handle for a in ("SPI_connect", "LWLockAcquire")} == {
        "SPI_connect": False,
        "LWLockAcquire": False,
    }
