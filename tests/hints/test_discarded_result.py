"""The discarded-result rule's list holds only functions whose C signature returns a value."""

from __future__ import annotations

import re

from unsafe_audit.contracts.table import load
from unsafe_audit.hints.discarded_result import WHY


def test_every_listed_function_returns_a_value_in_every_major() -> None:
    table = load()
    void = []
    for name in sorted(WHY):
        contract = table.get(name)
        assert contract is not None, name
        void += [(name, f.majors) for f in contract.facts if re.match(r"void\s+\w", f.signature)]
    assert void == []
