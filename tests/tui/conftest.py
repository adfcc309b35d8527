"""Fixtures for the review UI tests.

Most tests open the app on the pg_cache review prepared in memory (:mod:`tests.tui.prepared`):
a fresh session per test, over sites extracted once per test session. The end-to-end flows
(``test_end_to_end.py``) and the check that the prepared review is the real one
(``test_prepared.py``) build the sample as a git repository and load it the way
``unsafe-audit review`` does; the names they need from the commands are imported here only.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import git_dir_of, isolate_git_config
from tests.tui.prepared import REVIEWER, STAMP, Loader, Prepared, Workspace, pg_cache_review
from unsafe_audit import samples
from unsafe_audit.commands.review import ReviewRequest, load_review, make_loader

__all__ = ["git_dir_of", "load_review", "repo_loader", "request_for", "run_check"]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    isolate_git_config(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield


@pytest.fixture(autouse=True)
def _quick_idle_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let Pilot notice sooner that the app has gone idle.

    After every key, Pilot sleeps in steps of ``SLEEP_GRANULARITY`` (1/50 s) until a step
    passes with almost no CPU used; that sleeping was half the time of these tests. A step of
    1/200 s still waits for the app to go idle, only in finer steps; what a test sees after a
    key is unchanged (Pilot also waits for every widget's pending messages). If Textual drops
    the constants, this sets unused attributes and the tests only get slower.
    """
    import textual._wait

    step = 1 / 200
    monkeypatch.setattr(textual._wait, "SLEEP_GRANULARITY", step, raising=False)
    monkeypatch.setattr(textual._wait, "SLEEP_IDLE", step / 20, raising=False)


# -- the review prepared in memory -----------------------------------------------------------------


@pytest.fixture(scope="session")
def prepared_pg_cache() -> Prepared:
    """The pg_cache review (main at v0.3.0 against v0.2.1, nothing signed), built once."""
    return pg_cache_review()


@pytest.fixture
def workspace(prepared_pg_cache: Prepared, tmp_path: Path) -> Workspace:
    """A fresh review of pg_cache with its own empty ledger and drafts file."""
    return Workspace(prepared_pg_cache, tmp_path / "pg_cache")


# -- real repositories, for the end-to-end flows ---------------------------------------------------


@pytest.fixture(scope="session")
def pg_cache_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pg_cache sample built once; tests copy it."""
    built: Path = samples.build("pg_cache", tmp_path_factory.mktemp("template") / "pg_cache")
    return built


@pytest.fixture
def pg_cache(pg_cache_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the pg_cache sample repository (main at v0.3.0, nothing signed)."""
    target = tmp_path / "pg_cache"
    shutil.copytree(pg_cache_template, target, symlinks=True)
    return target


def request_for(path: Path, **kwargs: object) -> ReviewRequest:
    """A review request with a pinned reviewer and clock."""
    request = ReviewRequest(path=path, reviewer=REVIEWER, clock=lambda: STAMP)
    for key, value in kwargs.items():
        setattr(request, key, value)
    return request


def repo_loader(path: Path, **kwargs: object) -> Loader:
    """The loader ``unsafe-audit review`` runs, over the repository at ``path``."""
    return make_loader(request_for(path, **kwargs))


def run_check(path: Path) -> int:
    """``unsafe-audit check PATH``'s exit code."""
    from unsafe_audit.commands import check as check_command

    parser = argparse.ArgumentParser()
    check_command.add_parser(parser.add_subparsers())
    code: int = check_command.run(parser.parse_args(["check", str(path)]))
    return code
