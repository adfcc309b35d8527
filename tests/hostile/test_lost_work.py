"""Nothing typed is lost: ``review`` in a real pseudo-terminal, killed or hung up mid-edit.

Each case builds the pg_cache sample as a git repository, runs ``python -m unsafe_audit review``
in a pseudo-terminal (:mod:`tests.hostile.terminal`), opens the justification editor (``e``)
and types, then ends the process the hard way: SIGKILL after the autosave delay, SIGHUP or
SIGTERM at once, or the terminal closed at once. The drafts file must hold exactly what was
typed, a second ``review`` must show it, and nothing in the work tree may change.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.harness import TRACEBACK, Tree, untouched
from tests.hostile.terminal import Terminal, terminal, until
from unsafe_audit import samples

FIRST = "4547316a557f82f9"
"""The site typed into: the unsafe block in ``pg_cache_key_len``, new in v0.3.0 (found with
``/`` and its id)."""
OPENING = "the caller promises a NUL-terminated string."
"""Its SAFETY comment, which the justification editor opens with."""
TYPED = " kept_after_kill"
CTRL_Q = "\x11"
"""Quit, even from the editor."""
LEFT_ALTERNATE_SCREEN = "\x1b[?1049l"
"""What Textual writes when it restores the terminal on a clean exit."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built: Path = samples.build("pg_cache", tmp_path_factory.mktemp("lost-work") / "pg_cache")
    return built


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the pg_cache sample (main at v0.3.0, nothing signed, no drafts)."""
    import shutil

    target = tmp_path / "pg_cache"
    shutil.copytree(template, target, symlinks=True)
    return target


def _drafts(repo: Path) -> dict[str, Any]:
    """The drafts on disk now, by site id ({} without a file)."""
    path = repo / ".git" / "unsafe-audit" / "drafts.json"
    if not path.exists():
        return {}
    drafts: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["drafts"]
    return drafts


def _justification(repo: Path) -> str | None:
    draft = _drafts(repo).get(FIRST)
    return None if draft is None else str(draft["justification"])


def _review(repo: Path) -> Any:
    return terminal("review", str(repo), cwd=repo.parent)


def _loaded(term: Terminal) -> None:
    """Wait until the queue is shown (the progress counter appears once the review loaded)."""
    term.wait_for("signed", timeout=90)


def _type_in_the_editor(term: Terminal) -> None:
    _loaded(term)
    mark = term.mark()
    term.send("/")
    term.wait_for("Search", since=mark)
    mark = term.mark()
    term.send(FIRST[:8] + "\r")
    term.wait_for(f"/{FIRST[:8]} (1)", since=mark)  # the queue shows that site alone
    mark = term.mark()
    term.send("e")
    term.wait_for("say why the code is sound", since=mark)
    mark = term.mark()
    term.send(TYPED)
    term.wait_for(TYPED.strip(), since=mark)  # the app has read every key


def _resumes_with_the_typed_text(repo: Path) -> None:
    """A second review opens on the draft, takes the dead review's lock, and its editor holds
    the typed text; ctrl+q quits cleanly from the editor and leaves the draft as it was."""
    with _review(repo) as term:
        _loaded(term)
        assert "READ-ONLY" not in term.output.decode("utf-8", "replace")
        mark = term.mark()
        term.send("e")
        term.wait_for(OPENING + TYPED, since=mark)
        term.send(CTRL_Q)
        assert term.wait() == 0
        assert TRACEBACK.encode() not in term.output
    assert _justification(repo) == OPENING + TYPED


def test_sigkill_after_typing_loses_nothing(repo: Path) -> None:
    work_tree = Tree(repo, repo / ".git")
    with _review(repo) as term:
        _type_in_the_editor(term)
        # The editor is still open: only the autosave can have written this.
        until(lambda: _justification(repo) == OPENING + TYPED, 10, "typed text in the draft")
        term.signal(signal.SIGKILL)
        assert term.wait() == -signal.SIGKILL
    assert set(_drafts(repo)) == {FIRST}
    assert _justification(repo) == OPENING + TYPED
    _resumes_with_the_typed_text(repo)
    untouched(work_tree)


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_hang_up_at_once_writes_the_text_and_exits_cleanly(repo: Path, signum: int) -> None:
    work_tree = Tree(repo, repo / ".git")
    with _review(repo) as term:
        _type_in_the_editor(term)
        mark = term.mark()
        term.signal(signum)  # before the autosave delay has passed
        assert term.wait() == 128 + signum
        until(lambda: LEFT_ALTERNATE_SCREEN.encode() in term.output[mark:], 5, "terminal reset")
        assert TRACEBACK.encode() not in term.output
    assert _justification(repo) == OPENING + TYPED
    assert not (repo / ".git" / "unsafe-audit" / "review.lock").exists()  # released
    untouched(work_tree)


def test_closing_the_terminal_at_once_keeps_the_text(repo: Path) -> None:
    work_tree = Tree(repo, repo / ".git")
    with _review(repo) as term:
        _type_in_the_editor(term)
        term.hang_up()  # the window closed: the kernel sends SIGHUP, input and output fail
        assert term.wait() == 128 + signal.SIGHUP
    assert _justification(repo) == OPENING + TYPED
    assert not (repo / ".git" / "unsafe-audit" / "review.lock").exists()
    _resumes_with_the_typed_text(repo)
    untouched(work_tree)
