"""Checklist files for the tests: the repository's own, and small team files to mutate."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from unsafe_audit.checklist.load import load_checklist
from unsafe_audit.errors import ChecklistError
from unsafe_audit.model import SiteKind

REPO_CHECKLIST = Path(__file__).resolve().parents[2] / "checklists" / "pgrx-ffi.yaml"

EXPECTED_IDS = {
    "A": [
        "ctx-owner",
        "no-stored-borrow",
        "copy-to-outlive",
        "reset-no-dangling",
        "no-drop-on-reset",
    ],
    "B": [
        "safety-comment",
        "null-check",
        "short-pointer-life",
        "safe-wrapper-first",
        "struct-cast-isolated",
    ],
    "C": [
        "pg-guard",
        "pgrx-error-macros",
        "no-use-after-throw",
        "minimal-unsafe",
        "reread-this-release",
    ],
}

UNSAFE_KEYWORD_KINDS = {kind for kind in SiteKind if kind.has_unsafe_keyword}


def write(tmp_path: Path, text: str, name: str = "team.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# A valid file to mutate: line numbers in the error tests below count from its first line.
VALID = """
id: team
version: 2
title: Team checks
sections:
  - id: T
    title: Team rules
items:
  - id: guc-registered
    section: T
    question: Is the GUC registered in _PG_init?
    guidance: |
      Pass when it is.
    applies_to: [unsafe_block, pg_sys_call]
"""


def error_for(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    with pytest.raises(ChecklistError) as excinfo:
        load_checklist(path)
    return path, str(excinfo.value)


TEAM_ON_BASE = """
id: acme
version: 3
title: Acme additions
items:
  - id: spi-readonly
    section: C
    question: Does SPI run read-only where the caller expects no writes?
    guidance: Pass when SPI is read-only.
    applies_to: [unsafe_block]
"""
