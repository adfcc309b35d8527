"""The parameter a ``flag`` NULL result names, found in the C signature (``contracts.guard``),
on rows of the shipped table checked by hand in PostgreSQL 18.6's source."""

from __future__ import annotations

import pytest

from unsafe_audit.contracts.guard import NullGuard, null_guard, parameters
from unsafe_audit.contracts.table import load


@pytest.mark.parametrize(
    ("signature", "names"),
    [
        (
            "char *format_type_extended(Oid type_oid, int32 typemod, bits16 flags)",
            ["type_oid", "typemod", "flags"],
        ),
        ("void *palloc(Size size)", ["size"]),
        ("Oid GetUserId(void)", []),
        (
            "void f(int a[3], void (*callback)(void *arg), const char *const *names)",
            ["a", "callback", "names"],
        ),
    ],
)
def test_parameters_are_read_in_order(signature: str, names: list[str]) -> None:
    assert parameters(signature) == names


@pytest.mark.parametrize(
    ("name", "guard"),
    [
        ("format_type_extended", NullGuard("flags", 2, "FORMAT_TYPE_INVALID_AS_NULL")),
        ("GetForeignServerExtended", NullGuard("flags", 1, "FSV_MISSING_OK")),
        ("palloc_extended", NullGuard("flags", 1, "MCXT_ALLOC_NO_OOM")),
        ("MemoryContextAllocExtended", NullGuard("flags", 2, "MCXT_ALLOC_NO_OOM")),
        ("get_attname", NullGuard("missing_ok", 2, None)),
        ("GetForeignServer", None),
        ("get_rel_name", None),
    ],
)
def test_the_newest_facts_name_the_guard(name: str, guard: NullGuard | None) -> None:
    contract = load().get(name)
    assert contract is not None
    assert null_guard(contract.facts[-1]) == guard
