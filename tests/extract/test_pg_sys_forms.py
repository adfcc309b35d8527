"""Every way of reaching pg_sys: VALID snippets produce exactly their sites (calls, statics and
the unsafe sites around them); INVALID ones produce no pg_sys site at all."""

from __future__ import annotations

import pytest

from tests.extract.cases import PG_INVALID, PG_VALID, Invalid, Valid, summary
from unsafe_audit.extract import extract_file

_VALID = [
    pytest.param(case, id=f"{form}-{case.id}") for form, cases in PG_VALID.items() for case in cases
]
_INVALID = [
    pytest.param(case, id=f"{form}-{case.id}")
    for form, cases in PG_INVALID.items()
    for case in cases
]


@pytest.mark.parametrize("case", _VALID)
def test_valid_snippet_produces_exactly_its_sites(case: Valid) -> None:
    result = extract_file(case.path, case.source)
    assert [summary(s) for s in result.sites] == list(case.sites)
    assert any(s[0].is_pg_sys for s in case.sites)
    assert result.warnings == ()


@pytest.mark.parametrize("case", _INVALID)
def test_invalid_snippet_produces_no_pg_sys_site(case: Invalid) -> None:
    result = extract_file(case.path, case.source)
    assert [summary(s) for s in result.sites if s.kind.is_pg_sys] == []
