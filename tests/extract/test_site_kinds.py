"""Every site kind: VALID snippets produce exactly their sites, INVALID ones none of the kind."""

from __future__ import annotations

import pytest

from tests.extract.cases import INVALID, VALID, Invalid, Valid, summary
from unsafe_audit.extract import extract_file
from unsafe_audit.model import SiteKind

_VALID = [
    pytest.param(kind, case, id=f"{kind.value}-{case.id}")
    for kind, cases in VALID.items()
    for case in cases
]
_INVALID = [
    pytest.param(kind, case, id=f"{kind.value}-{case.id}")
    for kind, cases in INVALID.items()
    for case in cases
]


def test_every_site_kind_has_valid_and_invalid_cases() -> None:
    assert set(VALID) == set(SiteKind) - {SiteKind.PG_SYS_CALL, SiteKind.PG_SYS_STATIC}
    assert set(INVALID) == set(VALID)
    assert all(VALID[k] and INVALID[k] for k in VALID)


def test_case_ids_are_unique() -> None:
    ids = [f"{k}-{c.id}" for k, cs in VALID.items() for c in cs]
    ids += [f"{k}-{c.id}" for k, cs in INVALID.items() for c in cs]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("kind", "case"), _VALID)
def test_valid_snippet_produces_exactly_its_sites(kind: SiteKind, case: Valid) -> None:
    result = extract_file(case.path, case.source)
    assert [summary(s) for s in result.sites] == list(case.sites)
    assert kind in {s[0] for s in case.sites}
    assert result.warnings == ()


@pytest.mark.parametrize(("kind", "case"), _INVALID)
def test_invalid_snippet_produces_no_site_of_its_kind(kind: SiteKind, case: Invalid) -> None:
    result = extract_file(case.path, case.source)
    assert [summary(s) for s in result.sites if s.kind is kind] == []
