"""``scripts/pg_contracts.py`` reads small C files as it reads PostgreSQL's: each quirk of the
contracts table that was fixed has a C shape here that would bring it back.  Needs tree-sitter-c
(the ``[contracts]`` extra); skipped without it."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip(
    "tree_sitter_c", reason="tree-sitter-c is not installed: pip install -e '.[contracts]'"
)

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import pg_contracts
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return pg_contracts


def _facts(tmp_path: Path, code: str, name: str) -> tuple[str, str, str, str]:
    """(null, null evidence, memory, memory evidence) of ``name`` defined in ``code``."""
    script = _script()
    source = tmp_path / "postgresql-18.1" / "src" / "backend" / "x.c"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(code, encoding="utf-8")
    analysis = script.Analysis(script.read_tree(source.parents[2]))
    f = analysis.definition(name)
    assert f is not None
    facts = analysis.facts(f)
    return facts.null, facts.null_evidence, facts.memory, facts.memory_evidence


def test_a_null_assigned_after_an_error_in_the_same_block_is_unreachable(tmp_path: Path) -> None:
    code = """
    FuncCallContext *
    init_MultiFuncCall(PG_FUNCTION_ARGS)
    {
        FuncCallContext *retval;
        if (fcinfo->flinfo->fn_extra == NULL)
            retval = (FuncCallContext *) palloc(sizeof(FuncCallContext));
        else
        {
            elog(ERROR, "init_MultiFuncCall cannot be called more than once");

            /* never reached, but keep compiler happy */
            retval = NULL;
        }
        return retval;
    }
    """
    assert _facts(tmp_path, code, "init_MultiFuncCall") == ("no", "", "palloc", "palloc@x.c:7")


def test_a_return_null_after_a_noreturn_call_is_unreachable(tmp_path: Path) -> None:
    code = """
    char *
    name_or_die(int n)
    {
        if (n > 0)
            return pstrdup("x");
        float_overflow_error();
        n++;
        return NULL;
    }
    """
    assert _facts(tmp_path, code, "name_or_die")[:2] == ("no", "")


def test_a_label_between_the_error_and_the_null_keeps_it_reachable(tmp_path: Path) -> None:
    code = """
    char *
    maybe_name(int n)
    {
        if (n > 0)
            goto fail;
        elog(ERROR, "bad");
    fail:
        n++;
        return NULL;
    }
    """
    assert _facts(tmp_path, code, "maybe_name")[:2] == ("yes", "return NULL@x.c:10")


FOREIGN = """
ForeignServer *
GetForeignServerExtended(Oid serverid, bits16 flags)
{
    HeapTuple tp = SearchSysCache1(FOREIGNSERVEROID, ObjectIdGetDatum(serverid));
    if (!HeapTupleIsValid(tp))
    {
        if ((flags & FSV_MISSING_OK) == 0)
            elog(ERROR, "cache lookup failed for foreign server %u", serverid);
        return NULL;
    }
    return (ForeignServer *) palloc(sizeof(ForeignServer));
}

ForeignServer *
GetForeignServer(Oid serverid)
{
    return GetForeignServerExtended(serverid, 0);
}

ForeignServer *
GetServerMaybe(Oid serverid, bool missing_ok)
{
    return GetForeignServerExtended(serverid, missing_ok ? FSV_MISSING_OK : 0);
}

ForeignServer *
GetServerOrNull(Oid serverid)
{
    return GetForeignServerExtended(serverid, FSV_MISSING_OK);
}
"""


@pytest.mark.parametrize(
    ("name", "null", "evidence"),
    [
        (
            "GetForeignServerExtended",
            "flag",
            "when flags&FSV_MISSING_OK@x.c:8 > return NULL@x.c:10",
        ),
        ("GetForeignServer", "no", ""),
        (
            "GetServerMaybe",
            "flag",
            "when missing_ok@x.c:24 > GetForeignServerExtended@x.c:24"
            " > when flags&FSV_MISSING_OK@x.c:8 > return NULL@x.c:10",
        ),
        (
            "GetServerOrNull",
            "yes",
            "GetForeignServerExtended@x.c:30 > when flags&FSV_MISSING_OK@x.c:8"
            " > return NULL@x.c:10",
        ),
    ],
)
def test_a_null_asked_for_by_a_flag_is_flag_and_a_wrapper_passing_0_never_returns_it(
    tmp_path: Path, name: str, null: str, evidence: str
) -> None:
    assert _facts(tmp_path, FOREIGN, name)[:2] == (null, evidence)


def test_a_null_in_the_branch_of_a_flag_test_is_flag(tmp_path: Path) -> None:
    code = """
    char *
    format_type_extended(Oid type_oid, int32 typemod, bits16 flags)
    {
        if (type_oid == InvalidOid && (flags & FORMAT_TYPE_INVALID_AS_NULL) != 0)
            return NULL;
        return pstrdup("int4");
    }
    """
    assert _facts(tmp_path, code, "format_type_extended")[:2] == (
        "flag",
        "when flags&FORMAT_TYPE_INVALID_AS_NULL@x.c:5 > return NULL@x.c:6",
    )


def test_a_null_behind_a_bool_parameter_is_flag_and_an_unguarded_one_wins(
    tmp_path: Path,
) -> None:
    code = """
    Node *
    lookup(Oid id, bool missing_ok)
    {
        Node *result = NULL;
        if (!OidIsValid(id))
        {
            if (!missing_ok)
                ereport(ERROR, (errmsg("missing")));
            return NULL;
        }
        return (Node *) palloc(8);
    }

    Node *
    lookup_twice(Oid id, bool missing_ok)
    {
        if (id == 1)
            return NULL;
        return lookup(id, missing_ok);
    }
    """
    assert _facts(tmp_path, code, "lookup")[:2] == (
        "flag",
        "when missing_ok@x.c:8 > return NULL@x.c:10",
    )
    assert _facts(tmp_path, code, "lookup_twice")[:2] == ("yes", "return NULL@x.c:19")


def test_a_null_replaced_under_a_null_test_before_the_return_is_not_returned(
    tmp_path: Path,
) -> None:
    code = """
    char *
    type_name(Oid id)
    {
        char *buf = NULL;
        if (id == 1)
            buf = pstrdup("one");
        if (buf == NULL)
            buf = psprintf("%u", id);
        return buf;
    }

    void *
    aligned(Size size, int flags)
    {
        return MemoryContextAllocExtended(CurrentMemoryContext, size, flags);
    }
    """
    assert _facts(tmp_path, code, "type_name")[:2] == ("no", "")
    assert _facts(tmp_path, code, "aligned")[2:] == (
        "palloc",
        "MemoryContextAllocExtended@x.c:16",
    )


LIST = """
List *
new_list(NodeTag type, int min_size)
{
    List *newlist = (List *) palloc(sizeof(List));
    return newlist;
}

List *
lappend(List *list, void *datum)
{
    if (list == NIL)
        list = new_list(T_List, 1);
    else
        new_tail_cell(list);
    return list;
}

List *
list_truncate(List *list, int new_size)
{
    list->length = new_size;
    return list;
}

List *
add_one(void *datum)
{
    return lappend(global_list, datum);
}
"""


@pytest.mark.parametrize(
    ("name", "memory", "evidence"),
    [
        (
            "lappend",
            "arg",
            "returns its argument list@x.c:16 > or new_list@x.c:13 > palloc@x.c:5",
        ),
        ("list_truncate", "-", ""),
        ("add_one", "-", ""),
    ],
)
def test_a_list_handed_back_or_made_new_is_arg(
    tmp_path: Path, name: str, memory: str, evidence: str
) -> None:
    assert _facts(tmp_path, LIST, name)[2:] == (memory, evidence)
