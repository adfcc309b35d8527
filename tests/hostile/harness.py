"""What every hostile-input test needs: a real repository, the real CLI, and proof of no damage.

- :func:`released` builds a git repository whose head is one commit past release ``v0.1.0``, with
  four sites (two unsafe blocks, two pg_sys calls) and the reviewer configured;
- :func:`cli` runs ``unsafe-audit`` in this process through :func:`unsafe_audit.cli.main` (its
  error handling included) and returns exit code, stdout and stderr;
- :func:`spawn` runs ``python -m unsafe_audit`` as a real process with a time limit, for the
  cases that could hang or crash the interpreter;
- :class:`Tree` records every file under a directory (bytes and mode) so a test can assert that
  nothing was lost, changed or written — in the repository or next to it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from tests.commands.test_sign_off import EPOCH, LIB, make_repo, sites_of
from tests.gitrepo import CONFIG_ISOLATION, GitRepo
from unsafe_audit.checklist.load import default_checklist
from unsafe_audit.cli import main
from unsafe_audit.ledger.entry import Answer, Entry, Verdict
from unsafe_audit.ledger.yaml_io import entry_text
from unsafe_audit.model import Site, SiteKind

LEDGER = ".unsafe-audit/ledger"
TRACEBACK = "Traceback (most recent call last)"


BASE_CHOICE = (
    "unsafe-audit: comparing working tree with v0.1.0: v0.1.0 is the highest release tag "
    "(the revision under audit is not tagged; pre-releases skipped)\n"
)
"""What ``check`` and ``diff`` say on stderr of the base they use in a :func:`released`
repository."""


def released(path: Path, lib: str = LIB) -> GitRepo:
    """A repository one commit past release v0.1.0 (so ``check`` diffs head with it)."""
    repo = make_repo(path, lib)
    repo.commit("start of the next release")
    return repo


def site_of(repo: GitRepo, kind: SiteKind, item: str) -> Site:
    """The one site of ``kind`` in the function ``item``."""
    (found,) = [s for s in sites_of(repo) if s.kind is kind and s.item == item]
    return found


def ledger_dir(repo: GitRepo) -> Path:
    return repo.path / LEDGER


def entry_for(site: Site, /, **changes: Any) -> Entry:
    """A complete sign-off of ``site`` under the default checklist, as ``sign-off`` wrote it
    before review units (schema 1: no list of the pg_sys uses it covers, so it is judged by its
    code alone, and an entry of a pg_sys use inside an unsafe site is covered by that site's);
    ``changes`` replace fields (the hostile part of a test). Schema 2 entries, with members, are
    tested in ``tests/commands/test_units.py`` and ``tests/ledger/``."""
    checklist = default_checklist()
    entry = Entry(
        site=site.id,
        kind=site.kind,
        path=site.path,
        item=site.item,
        token_hash=site.token_hash,
        release="v0.1.0",
        checklist="pgrx-ffi@1",
        tool="unsafe-audit 0.1.0",
        reviewer="Ada Example <ada@example.com>",
        reviewed_at="2026-11-19T15:04:05Z",
        lifetime_pattern="own" if checklist.pattern_applies(site.kind) else "n/a",
        answers=tuple((i.id, Answer(Verdict.PASS)) for i in checklist.items_for(site.kind)),
        justification="Reviewed.",
        members=None,
        schema_version=1,
    )
    return replace(entry, **changes)


def write_entry(repo: GitRepo, site_id: str, content: Entry | str | bytes) -> Path:
    """Put an entry file for ``site_id`` in the ledger: an entry, or text or bytes by hand."""
    target = ledger_dir(repo) / f"{site_id}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Entry):
        content = entry_text(content)
    target.write_bytes(content.encode() if isinstance(content, str) else content)
    return target


def sign_everything(repo: GitRepo) -> dict[str, Path]:
    """A valid entry for every site of the work tree, written by hand; site id -> file."""
    return {s.id: write_entry(repo, s.id, entry_for(s)) for s in sites_of(repo)}


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """``unsafe-audit ARGS`` in this process, through the CLI's own error handling."""
    capsys.readouterr()
    code = main([*args])
    captured = capsys.readouterr()
    assert TRACEBACK not in captured.err
    return Outcome(code, captured.out, captured.err)


def spawn(
    *args: str | bytes, cwd: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> Outcome:
    """``python -m unsafe_audit ARGS`` as a real process; fails the test if it runs past
    ``timeout`` seconds (a hang) or prints a traceback."""
    environment = {
        **os.environ,
        **CONFIG_ISOLATION,
        "SOURCE_DATE_EPOCH": EPOCH,
        "XDG_CACHE_HOME": str(cwd.parent / "xdg-cache"),
        **(env or {}),
    }
    result = subprocess.run(
        [sys.executable, "-m", "unsafe_audit", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    err = result.stderr.decode("utf-8", "replace")
    assert TRACEBACK not in err, err
    return Outcome(result.returncode, result.stdout.decode("utf-8", "replace"), err)


class Tree:
    """Every file under ``root`` (bytes and permission bits), symlinks as their targets;
    special files by type only, and nothing under ``skip`` (a cache, say)."""

    def __init__(self, root: Path, *skip: Path) -> None:
        self.root = root
        self.skip = tuple(p.resolve() for p in skip)
        self.files = self._record()

    def _record(self) -> dict[str, tuple[str, bytes | str, int]]:
        out: dict[str, tuple[str, bytes | str, int]] = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            here = Path(dirpath)
            dirnames[:] = [d for d in dirnames if (here / d).resolve() not in self.skip]
            for name in [*filenames, *[d for d in dirnames if (here / d).is_symlink()]]:
                path = here / name
                rel = path.relative_to(self.root).as_posix()
                st = path.lstat()
                if stat.S_ISLNK(st.st_mode):
                    out[rel] = ("link", os.readlink(path), 0)
                elif stat.S_ISREG(st.st_mode):
                    out[rel] = ("file", path.read_bytes(), stat.S_IMODE(st.st_mode))
                else:
                    out[rel] = ("special", stat.filemode(st.st_mode)[0], 0)
        return out

    def changes(self) -> dict[str, str]:
        """What differs now from when the tree was recorded: path -> added/removed/changed."""
        now = self._record()
        diff: dict[str, str] = {}
        for path in self.files.keys() | now.keys():
            if path not in now:
                diff[path] = "removed"
            elif path not in self.files:
                diff[path] = "added"
            elif now[path] != self.files[path]:
                diff[path] = "changed"
        return diff


def untouched(*trees: Tree) -> None:
    """Assert that no recorded tree changed."""
    for tree in trees:
        assert tree.changes() == {}, tree.root
