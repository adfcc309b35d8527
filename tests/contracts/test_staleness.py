"""When recorded contracts no longer hold, and the words that say which function and major."""

from __future__ import annotations

from tests.contracts.test_digest import TABLE
from unsafe_audit.contracts.digest import unit_contracts
from unsafe_audit.contracts.staleness import contract_changes
from unsafe_audit.contracts.table import parse


def _signed(called: list[str], majors: list[int]) -> tuple[tuple[int, str], ...]:
    return unit_contracts(called, majors, TABLE)


def test_nothing_changed_nothing_is_stale() -> None:
    recorded = _signed(["palloc", "pfree"], [16, 17])
    assert contract_changes(recorded, ["palloc", "pfree"], [16, 17], TABLE) is None


def test_a_new_major_whose_contracts_match_a_recorded_one_leaves_the_sign_off_alone() -> None:
    # pfree's contract in 18 is its contract in 17, which the reviewer saw.
    recorded = _signed(["palloc", "pfree"], [16, 17])
    assert contract_changes(recorded, ["pfree", "palloc"], [16, 17, 18], TABLE) is None


def test_a_new_major_with_other_contracts_is_stale_naming_function_and_majors() -> None:
    assert contract_changes(_signed(["pfree"], [16]), ["pfree"], [16, 18], TABLE) == (
        "pg18 added: pfree's contract in 18 differs from 16: raises no -> yes"
    )
    # errstart has no contract before 18; a new major below every recorded one compares with
    # the lowest recorded.
    assert (
        contract_changes(
            _signed(["errstart", "palloc"], [16, 17]), ["palloc", "errstart"], [16, 17, 18], TABLE
        )
        == "pg18 added: errstart has a contract in 18 and none in 17"
    )
    assert contract_changes(_signed(["errstart"], [18]), ["errstart"], [16, 18], TABLE) == (
        "pg16 added: errstart has no contract in 16 (it has one in 18)"
    )


def test_a_signature_change_shows_the_new_signature() -> None:
    table = parse(
        "# source 16: x\n# source 17: x\n"
        "fn\tAlterRole\t16\t16\tyes\t\t-\t\t-\t\tOid AlterRole(AlterRoleStmt *stmt)\n"
        "fn\tAlterRole\t17\t17\tyes\t\t-\t\t-\t\tOid AlterRole(ParseState *p, AlterRoleStmt *s)\n"
    )
    recorded = unit_contracts(["AlterRole"], [16], table)
    assert contract_changes(recorded, ["AlterRole"], [16, 17], table) == (
        "pg17 added: AlterRole's contract in 17 differs from 16: signature "
        "Oid AlterRole(ParseState *p, AlterRoleStmt *s)"
    )


def test_a_recorded_major_whose_contracts_changed_is_stale() -> None:
    recorded = ((16, "00000000"), (17, _signed(["palloc"], [17])[0][1]))
    assert contract_changes(recorded, ["palloc"], [16, 17], TABLE) == (
        "palloc's contract changed in pg16 (the contracts table was updated)"
    )
    assert contract_changes(
        ((16, "00000000"),), ["palloc", "pfree", "errstart", "x"], [16], TABLE
    ) == (
        "the contract of one of errstart, palloc, pfree and 1 more changed in pg16 (the "
        "contracts table was updated)"
    )


def test_a_dropped_major_no_record_or_no_call_is_never_stale() -> None:
    recorded = _signed(["pfree"], [16, 17, 18])
    assert contract_changes(recorded, ["pfree"], [17], TABLE) is None
    assert contract_changes(recorded, ["pfree"], [], TABLE) is None
    assert contract_changes((), ["pfree"], [16, 18], TABLE) is None  # recorded nothing
    assert contract_changes(recorded, [], [16, 18], TABLE) is None  # calls nothing now
