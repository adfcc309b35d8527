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
    source.parent.mkdir(parents=True)
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
