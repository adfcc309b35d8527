"""Fixtures for the review UI tests: real git repositories and a loaded app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import isolate_git_config
from unsafe_audit import samples
from unsafe_audit.commands.review import ReviewRequest

REVIEWER = "Rita Reviewer <rita@example.com>"
STAMP = "2025-06-01T12:00:00Z"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    isolate_git_config(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield


@pytest.fixture(scope="session")
def pg_cache_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pg_cache sample built once; tests copy it."""
    built: Path = samples.build("pg_cache", tmp_path_factory.mktemp("template") / "pg_cache")
    return built


@pytest.fixture
def pg_cache(pg_cache_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the pg_cache sample repository (main at v0.3.0, nothing signed)."""
    import shutil

    target = tmp_path / "pg_cache"
    shutil.copytree(pg_cache_template, target, symlinks=True)
    return target


def request_for(path: Path, **kwargs: object) -> ReviewRequest:
    """A review request with a pinned reviewer and clock."""
    request = ReviewRequest(path=path, reviewer=REVIEWER, clock=lambda: STAMP)
    for key, value in kwargs.items():
        setattr(request, key, value)
    return request
