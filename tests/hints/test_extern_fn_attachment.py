"""The pg-guard evidence for an extern fn without ``unsafe`` goes with its ``extern_fn`` site,
the unit whose checklist asks pg-guard, instead of being left unattached."""

from __future__ import annotations

from tests.extract.cases import rust
from unsafe_audit.extract import extract_file
from unsafe_audit.hints.registry import hints_for
from unsafe_audit.model import SiteKind

HOOK = rust("""
    #[no_mangle]
    pub extern "C" fn on_exit(code: i32, arg: pg_sys::Datum) {
        let n = usize::try_from(code).unwrap();
        unsafe { pg_sys::pfree(arg.cast_mut_ptr()) }
        let _ = n;
    }
""")


def test_hints_of_an_unguarded_extern_fn_attach_to_its_sites() -> None:
    sites = extract_file("src/lib.rs", HOOK).sites
    by_id = {s.id: (s.kind, s.line) for s in sites}
    result = hints_for("src/lib.rs", HOOK, sites)

    attached = sorted(
        (h.hint_id, h.line, *by_id[sid]) for sid, hs in result.by_site.items() for h in hs
    )
    assert result.unattached == []
    assert [a for a in attached if a[0] != "safety-comment-missing"] == [
        # The panic sits in the fn's own code, outside the block: the extern fn holds it.
        ("panic-in-extern", 3, SiteKind.EXTERN_FN, 2),
        # The missing guard is about the whole fn: every site in it shows it.
        ("pg-guard-missing", 2, SiteKind.EXTERN_FN, 2),
        ("pg-guard-missing", 2, SiteKind.PG_SYS_CALL, 4),
        ("pg-guard-missing", 2, SiteKind.UNSAFE_BLOCK, 4),
    ]


def test_a_guarded_extern_fn_has_no_pg_guard_hint() -> None:
    guarded = b"#[pg_guard]\n" + HOOK
    sites = extract_file("src/lib.rs", guarded).sites
    result = hints_for("src/lib.rs", guarded, sites)

    assert [s.kind for s in sites] == [
        SiteKind.EXTERN_FN,
        SiteKind.UNSAFE_BLOCK,
        SiteKind.PG_SYS_CALL,
    ]
    assert {h.hint_id for h in result.all()} == {"safety-comment-missing"}
