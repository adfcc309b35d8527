"""Shared by every test: no test sees the CI environment this suite itself may run in."""

from __future__ import annotations

import pytest

CI_LOCATION = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")
"""GitHub Actions' variables that make Markdown reports link to the code
(:mod:`unsafe_audit.report.links`): tests that want links set them."""


@pytest.fixture(autouse=True)
def _no_ci_links(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_LOCATION:
        monkeypatch.delenv(name, raising=False)
