"""Tests generated from every hint rule's VALID / INVALID snippets, as Fixit means them.

An INVALID snippet is code the rule must flag: it marks each line the rule must report with
``// <- hint``, and the rule must report exactly those lines. A VALID snippet is code that is
fine: it must produce no hint of the rule.
"""

from __future__ import annotations

import textwrap

import pytest

from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.extract import extract_file
from unsafe_audit.hints.registry import ALL_RULES
from unsafe_audit.hints.rule import HintContext, HintRule

MARKER = "// <- hint"
PATH = "src/lib.rs"


def _context(snippet: str) -> HintContext:
    source = textwrap.dedent(snippet).lstrip("\n").encode()
    return HintContext(PATH, source, extract_file(PATH, source).sites)


def _marked_lines(snippet: str) -> set[int]:
    lines = textwrap.dedent(snippet).lstrip("\n").splitlines()
    return {n for n, text in enumerate(lines, start=1) if MARKER in text}


def _cases(flagged: bool) -> list[object]:
    return [
        pytest.param(rule, snippet, id=f"{rule.id}-{i}")
        for rule in ALL_RULES
        for i, snippet in enumerate(rule.INVALID if flagged else rule.VALID)
    ]


@pytest.mark.parametrize(("rule", "snippet"), _cases(flagged=True))
def test_rule_reports_exactly_the_marked_lines(rule: HintRule, snippet: str) -> None:
    expected = _marked_lines(snippet)
    assert expected, "an INVALID snippet must mark at least one line"
    hints = list(rule.check(_context(snippet)))
    assert {h.line for h in hints} == expected
    assert all(h.hint_id == rule.id and h.items == rule.items for h in hints)
    assert all(h.path == PATH and h.message.endswith(".") for h in hints)
    assert all(h.evidence for h in hints)


@pytest.mark.parametrize(("rule", "snippet"), _cases(flagged=False))
def test_rule_stays_silent_on_valid_snippet(rule: HintRule, snippet: str) -> None:
    assert MARKER not in snippet
    assert [str(h) for h in rule.check(_context(snippet))] == []


def test_rule_ids_are_unique() -> None:
    ids = [rule.id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))


def test_every_rule_names_only_items_of_the_default_checklist() -> None:
    known = {item.id for item in default_checklist().items}
    for rule in ALL_RULES:
        assert rule.items, rule.id
        assert set(rule.items) <= known, (rule.id, set(rule.items) - known)


def test_every_rule_has_valid_and_invalid_snippets() -> None:
    for rule in ALL_RULES:
        assert rule.INVALID and rule.VALID, rule.id
        assert rule.title, rule.id
