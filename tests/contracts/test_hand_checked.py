"""The shipped contracts agree with facts checked by hand against PostgreSQL's C source
(``hand_checked.tsv``: each row says what was read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from unsafe_audit.contracts.table import MajorFacts, load

HAND = Path(__file__).with_name("hand_checked.tsv")


def _rows() -> list[tuple[str, int, str, str, str]]:
    rows = []
    for line in HAND.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, major, raises, null, memory, _why = line.split("\t")
            rows.append((name, int(major), raises, null, memory))
    return rows


def _covers(facts: MajorFacts, major: int) -> bool:
    for part in facts.majors.split(","):
        first, _, last = part.partition("-")
        if int(first) <= major <= int(last or first):
            return True
    return False


def test_the_hand_checked_table_has_at_least_60_functions() -> None:
    assert len({name for name, *_ in _rows()}) >= 60


@pytest.mark.parametrize(("name", "major", "raises", "null", "memory"), _rows())
def test_contract_matches_the_hand_checked_facts(
    name: str, major: int, raises: str, null: str, memory: str
) -> None:
    contract = load().get(name)
    assert contract is not None, f"{name} has no contract"
    facts = [f for f in contract.facts if _covers(f, major)]
    assert len(facts) == 1
    got = facts[0]
    assert (got.raises, got.returns_null, got.memory) == (raises, null, memory)
