"""The one atomic writer: the old file or the new one, never half, never a stray temporary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from unsafe_audit.atomic import write_atomically


def test_writes_the_exact_text_and_creates_missing_directories(tmp_path: Path) -> None:
    target = tmp_path / "state" / "drafts.json"
    write_atomically(target, '{"a": "ü"}\n')
    write_atomically(target, '{"b": 1}\n')
    assert target.read_bytes() == b'{"b": 1}\n'
    assert os.listdir(target.parent) == ["drafts.json"]


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    # A non-empty directory where the file should go: os.replace really fails.
    target = tmp_path / "entry.yaml"
    target.mkdir()
    (target / "kept").write_text("old")
    with pytest.raises(OSError):
        write_atomically(target, "new\n")
    assert sorted(os.listdir(tmp_path)) == ["entry.yaml"]
    assert (target / "kept").read_text() == "old"
