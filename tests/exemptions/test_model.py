"""The exemption rules, on made-up review states: what an exemption covers, what ``adopt``
adds and what ``prune`` may drop."""

from __future__ import annotations

from tests.exemptions.sites import reviewed, site_id, state_of
from unsafe_audit.diff import Status
from unsafe_audit.exemptions.model import (
    Exemption,
    Exemptions,
    Unneeded,
    adopt,
    apply_exemptions,
    unneeded,
)
from unsafe_audit.model import SiteKind
from unsafe_audit.review_state import Review


def exempt(*numbers: int, release: str = "v0.1.0", path: str = "src/lib.rs") -> Exemptions:
    entries = [Exemption(site_id(n), SiteKind.UNSAFE_BLOCK, path, release) for n in numbers]
    return Exemptions(exists=True).with_entries(entries)


def test_an_exemption_covers_an_unchanged_unsigned_site_only() -> None:
    state = state_of(
        reviewed(1),  # unchanged, missing: covered
        reviewed(2, Review.STALE),  # stale: covered
        reviewed(3, Review.SIGNED),  # signed: nothing to cover
        reviewed(4, status=Status.NEW),  # new against the base: never covered
        reviewed(5),  # not exempt
    )
    applied = apply_exemptions(state, exempt(1, 2, 3, 4), first_release=False)
    assert [(r.site.id, r.blocking, r.exempt) for r in applied.sites] == [
        (site_id(1), False, "v0.1.0"),
        (site_id(2), False, "v0.1.0"),
        (site_id(3), False, None),
        (site_id(4), True, None),
        (site_id(5), True, None),
    ]
    assert applied.sites[0].reason == "never signed off; exempt since v0.1.0 (adoption baseline)"
    assert applied.sites[0].review is Review.MISSING  # exempt is not a sign-off
    assert applied.summary()["exempt"] == 2
    assert applied.summary()["blocking"] == 2
    assert applied.ok is False


def test_without_any_base_the_id_alone_decides() -> None:
    state = state_of(reviewed(4, status=Status.NEW))
    (r,) = apply_exemptions(state, exempt(4), first_release=True).sites
    assert (r.blocking, r.exempt) == (False, "v0.1.0")


def test_no_exemptions_leave_the_state_as_it_was() -> None:
    state = state_of(reviewed(1))
    assert apply_exemptions(state, Exemptions(), first_release=False) is state


def test_adopt_adds_unsigned_sites_keeps_old_lines_and_counts_the_rest() -> None:
    state = state_of(
        reviewed(1), reviewed(2, Review.SIGNED), reviewed(3), reviewed(4, Review.STALE)
    )
    existing = exempt(3, 9, release="v0.0.1")
    adoption = adopt(state, existing, "v0.2.0")
    assert [(e.site, e.release) for e in adoption.added] == [
        (site_id(1), "v0.2.0"),
        (site_id(4), "v0.2.0"),
    ]
    assert (adoption.already, adoption.signed) == (1, 1)
    assert [(e.site, e.release) for e in adoption.exemptions.ordered()] == [
        (site_id(1), "v0.2.0"),
        (site_id(3), "v0.0.1"),
        (site_id(4), "v0.2.0"),
        (site_id(9), "v0.0.1"),
    ]


def test_unneeded_names_signed_and_gone_sites_within_the_scope() -> None:
    state = state_of(
        reviewed(1, Review.SIGNED, path="crates/a/src/lib.rs"),
        reviewed(2, path="crates/a/src/lib.rs"),
    )
    exemptions = Exemptions(exists=True).with_entries(
        [
            Exemption(site_id(1), SiteKind.UNSAFE_BLOCK, "crates/a/src/lib.rs", "v1"),
            Exemption(site_id(2), SiteKind.UNSAFE_BLOCK, "crates/a/src/lib.rs", "v1"),
            Exemption(site_id(3), SiteKind.UNSAFE_BLOCK, "crates/a/src/lib.rs", "v1"),
            Exemption(site_id(4), SiteKind.UNSAFE_BLOCK, "crates/b/src/lib.rs", "v1"),
        ]
    )
    found = unneeded(state, exemptions, "crates/a/")
    assert [(e.site, why) for e, why in found] == [
        (site_id(1), Unneeded.SIGNED),
        (site_id(3), Unneeded.GONE),
    ]
    assert [e.site for e, _ in unneeded(state, exemptions)] == [site_id(n) for n in (1, 3, 4)]
