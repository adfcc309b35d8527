"""Write ledger files by hand and read the error that loading them gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ledger.example import SITE
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.store import Ledger


def ledger_file(root: Path, text: str, name: str = f"{SITE}.yaml") -> Path:
    target = root / ".unsafe-audit" / "ledger" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def load_error(root: Path) -> str:
    with pytest.raises(LedgerError) as e:
        Ledger.load(root)
    return str(e.value)
