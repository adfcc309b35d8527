"""Every hostile-input test: git config isolated, a private cache, a pinned clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands.test_sign_off import EPOCH
from tests.gitrepo import isolate_git_config


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git_config(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
