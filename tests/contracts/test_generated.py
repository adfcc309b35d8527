"""The checked-in ``data/pg_contracts.tsv.gz`` is exactly what ``scripts/pg_contracts.py`` makes
from PostgreSQL's sources.  The sources are not in the repository (``apt-get source
postgresql-NN`` into a folder; see the README): without them, or without tree-sitter-c (the
``[contracts]`` extra), the test is skipped and says why."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from unsafe_audit.contracts.table import read_text

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(os.environ.get("PG_CONTRACTS_SOURCE", "/work/pgsrc"))
TABLE = ROOT / "src/unsafe_audit/data/pg_contracts.tsv.gz"


def _source_versions() -> list[str]:
    lines = read_text(TABLE).splitlines()
    return [
        line.split("PostgreSQL ", 1)[1].split(" ", 1)[0]
        for line in lines
        if line.startswith("# source ")
    ]


def test_the_table_is_what_the_script_generates_from_the_sources() -> None:
    if importlib.util.find_spec("tree_sitter_c") is None:
        pytest.skip("tree-sitter-c is not installed: pip install -e '.[contracts]'")
    wanted = [SOURCE / f"postgresql-{v}" for v in _source_versions()]
    absent = [str(p) for p in wanted if not p.is_dir()]
    if absent:
        pytest.skip(
            f"PostgreSQL sources absent ({', '.join(absent)}): run apt-get source "
            "postgresql-NN there or set PG_CONTRACTS_SOURCE"
        )
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import pg_contracts
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    text, _figures = pg_contracts.generate(SOURCE, pg_contracts.NAMES)
    assert text == read_text(TABLE)
