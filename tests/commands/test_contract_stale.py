"""Sign-offs go stale when the C side changes, on a real repository: the pg_cache sample, every
unit signed off for the majors its Cargo.toml names (16 and 17), then a commit that makes it
build for PostgreSQL 18. ``check`` reopens exactly the units whose callees' contracts in 18 are
none the reviewer saw — worked out here from the contracts table directly — and no other."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.commands.test_check import check_json
from tests.commands.test_sign_off import _isolated, run
from tests.gitrepo import GitRepo
from unsafe_audit import samples
from unsafe_audit.audit import AuditRequest, load_audit
from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.contracts.table import load
from unsafe_audit.ledger.entry import Answer, Verdict
from unsafe_audit.ledger.store import Ledger
from unsafe_audit.model import SiteId, SiteKind
from unsafe_audit.review.session import ReviewSession
from unsafe_audit.review_loader import ReviewRequest, load_review
from unsafe_audit.scan import ScanOptions
from unsafe_audit.signoff import Proposal, SignOffIdentity, build_entry
from unsafe_audit.units import unit_items, unit_kinds, unit_pattern_applies

__all__ = ["_isolated"]  # the autouse fixture: isolated git config, cache and clock

REVIEWER = "Ada Example <ada@example.com>"
PG17 = 'pg17 = ["pgrx/pg17", "pgrx-tests/pg17"]\n'
PG18 = 'pg18 = ["pgrx/pg18", "pgrx-tests/pg18"]\n'
Facts = tuple[str, str, str, str] | None


def _facts(name: str, major: int) -> Facts:
    """What the table says of ``name`` in ``major``, read here without the digest module."""
    contract = load().get(name)
    for f in contract.facts if contract is not None else ():
        low, _, high = f.majors.partition("-")
        if int(low) <= major <= int(high or low):
            return (f.signature, f.raises, f.returns_null, f.memory)
    return None


def _in(called: frozenset[str], major: int) -> tuple[tuple[str, Facts], ...]:
    return tuple((name, _facts(name, major)) for name in sorted(called))


def _sample(tmp_path: Path) -> GitRepo:
    repo = GitRepo(samples.build("pg_cache", tmp_path / "pg_cache"))
    repo.git("config", "user.name", "Ada Example")
    repo.git("config", "user.email", "ada@example.com")
    return repo


def _sign_all(path: Path) -> dict[SiteId, frozenset[str]]:
    """Sign off every unit through the sign-off core, as ``sign-off`` and ``review`` do; each
    unit's id -> the pg_sys functions it calls."""
    checklist = default_checklist()
    request = AuditRequest(path, checklist=checklist, identity=True, options=ScanOptions(False))
    audit = load_audit(request)
    assert audit.comparison.majors == (16, 17)
    identity = SignOffIdentity(
        REVIEWER, audit.comparison.release, checklist.label, "unsafe-audit test",
        lambda: "2026-11-19T15:04:05Z", audit.comparison.majors,
    )  # fmt: skip
    called: dict[SiteId, frozenset[str]] = {}
    for r in audit.state.sites:
        kinds = unit_kinds(r.site, r.member_sites)
        items = unit_items(checklist, kinds)
        answers: dict[str, Answer] = {i.id: Answer(Verdict.PASS) for i in items}
        patterns = [p.id for p in checklist.lifetime_patterns]
        applies = unit_pattern_applies(checklist, kinds)
        proposal = Proposal(
            r.site, items, applies, patterns, answers, "n/a", "Reviewed.", True, r.member_sites
        )
        audit.ledger.save(build_entry(proposal, identity))
        sites = (r.site, *r.member_sites)
        called[r.site.id] = frozenset(
            s.name for s in sites if s.kind is SiteKind.PG_SYS_CALL and s.name is not None
        )
    return called


def _states(data: dict[str, Any]) -> dict[SiteId, tuple[str, str]]:
    """Each review unit's review state and reason in ``check --format json``."""
    return {
        SiteId(s["id"]): (s["review"], s["reason"]) for s in data["sites"] if s["unit"] == s["id"]
    }


def test_building_for_pg18_reopens_exactly_the_units_whose_contracts_differ_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _sample(tmp_path)
    called = _sign_all(repo.path)
    entry_text = (repo.path / ".unsafe-audit/ledger" / f"{next(iter(called))}.yaml").read_text()
    assert "schema_version: 3\n" in entry_text
    expected = {
        unit
        for unit, names in called.items()
        if names and _in(names, 18) not in (_in(names, 16), _in(names, 17))
    }
    assert expected, "the sample must call a function whose contract differs in 18"
    repo.commit("sign off every unit")
    document = check_json(capsys, repo.path, code=0)
    assert document["head"]["postgres_majors"] == [16, 17]  # the majors the check held them to
    states = _states(document)
    assert {review for review, _ in states.values()} == {"signed"}

    # Dropping a major reopens nothing.
    manifest = repo.path / "Cargo.toml"
    signed_for = manifest.read_text()
    manifest.write_text(signed_for.replace('pg16 = ["pgrx/pg16", "pgrx-tests/pg16"]\n', ""))
    document = check_json(capsys, repo.path, code=0)
    assert document["head"]["postgres_majors"] == [17]
    states = _states(document)
    assert {review for review, _ in states.values()} == {"signed"}

    # A major the table does not read is not one the sign-offs are held to, and reopens nothing.
    manifest.write_text(signed_for.replace(PG17, PG17 + 'pg12 = ["pgrx/pg12"]\n'))
    document = check_json(capsys, repo.path, code=0)
    assert document["head"]["postgres_majors"] == [16, 17]
    assert {review for review, _ in _states(document).values()} == {"signed"}

    manifest.write_text(signed_for.replace(PG17, PG17 + PG18))
    repo.commit("build for PostgreSQL 18")
    document = check_json(capsys, repo.path, code=1)
    assert document["head"]["postgres_majors"] == [16, 17, 18]
    states = _states(document)
    stale = {unit for unit, (review, _) in states.items() if review == "stale"}
    assert stale == expected
    assert {unit for unit, (review, _) in states.items() if review != "signed"} == stale
    # A unit that calls no pg_sys function never goes stale for its contracts.
    assert all(states[u][0] == "signed" for u, names in called.items() if not names)
    for unit in stale:
        reason = states[unit][1]
        assert reason.startswith(
            "its contracts changed since it was signed off for working tree of v0.3.0: pg18 added: "
        )
        differ = [n for n in sorted(called[unit]) if _facts(n, 18) != _facts(n, 17)]
        assert differ and all(name in reason for name in differ)

    capsys.readouterr()
    assert run("check", str(repo.path), "--format", "markdown") == 1
    shown = capsys.readouterr().out
    assert shown.count("pg18 added: ") == len(stale)


def _complete(session: ReviewSession, unit: SiteId) -> None:
    item = session.item(unit)
    if item.pattern_applies:
        session.set_pattern(unit, "borrow")
    for checklist_item in item.items:
        session.set_answer(unit, checklist_item.id, Verdict.PASS)
    session.set_justification(unit, "Checked against PostgreSQL 18 too.")


def test_review_and_sign_off_record_the_contracts_of_every_major_built_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _sample(tmp_path)
    called = _sign_all(repo.path)
    manifest = repo.path / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace(PG17, PG17 + PG18))
    repo.commit("signed off; build for PostgreSQL 18")
    states = _states(check_json(capsys, repo.path, code=1))
    (first,) = [u for u, (review, _) in states.items() if review == "stale"]

    loaded = load_review(ReviewRequest(path=repo.path, reviewer=REVIEWER, use_cache=False))
    try:
        session = loaded.session
        assert session.item(first).reason == states[first][1]
        _complete(session, first)
        entry = session.entry_for(first)
        session.sign_off(entry)
    finally:
        loaded.close()
    assert [major for major, _ in entry.contracts] == [16, 17, 18]
    digests = dict(entry.contracts)
    # The digest follows the facts: equal where the callees' contracts agree, not otherwise.
    names = called[first]
    assert (digests[16] == digests[17]) is (_in(names, 16) == _in(names, 17))
    assert digests[18] not in (digests[16], digests[17])

    assert _states(check_json(capsys, repo.path, code=0))[first][0] == "signed"

    # The command line signs through the same core: the same contracts, on one line.
    assert (
        run(
            "sign-off",
            first,
            str(repo.path),
            "--all-pass",
            "--pattern",
            "borrow",
            "--justification",
            "Again.",
        )
        == 0
    )
    text = (repo.path / ".unsafe-audit/ledger" / f"{first}.yaml").read_text()
    line = re.search(r"^contracts: \{pg16: (\S+), pg17: (\S+), pg18: (\S+)\}$", text, re.M)
    assert line is not None
    assert [d.strip("'") for d in line.groups()] == [d for _, d in entry.contracts]
    assert Ledger.load(repo.path).entries[first].contracts == entry.contracts


def test_an_entry_from_before_contracts_were_recorded_is_not_reopened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _sample(tmp_path)
    _sign_all(repo.path)
    ledger = repo.path / ".unsafe-audit/ledger"
    rewritten = 0
    for path in ledger.glob("*.yaml"):  # as schema 2 wrote them: no contracts
        text = path.read_text()
        old = re.sub(r"contracts: \{.*\}\n", "", text).replace(
            "schema_version: 3", "schema_version: 2"
        )
        rewritten += old != text.replace("schema_version: 3", "schema_version: 2")
        path.write_text(old)
    assert rewritten > 0
    manifest = repo.path / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace(PG17, PG17 + PG18))
    repo.commit("schema-2 sign-offs; build for PostgreSQL 18")
    states = _states(check_json(capsys, repo.path, code=0))
    assert {review for review, _ in states.values()} == {"signed"}
