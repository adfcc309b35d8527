"""Build throwaway git repositories in tests with the real ``git`` command.

Every commit and tag gets a pinned author, committer and a date one minute after the previous
one, so shas are the same on every run, and the user's own git config is not read. Example::

    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", "pub fn f() {}\\n")
    first = repo.commit("initial")
    repo.tag("v0.1.0")                      # annotated; annotated=False for lightweight
    repo.branch("release/0.1", checkout=True)
    repo.rename("src/lib.rs", "src/main.rs")

Tests that run code which itself calls git (``unsafe_audit.history``) should also use
:func:`isolate_git_config` so that the developer's global config cannot change the results.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

AUTHOR_NAME = "Ada Tester"
AUTHOR_EMAIL = "ada@example.com"
_EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z

# Ignore the user's and the system's config: signing, hooks paths or a default branch there
# must not change what the tests see.
CONFIG_ISOLATION: dict[str, str] = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


def isolate_git_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every git process of this test (GitPython's too) ignore global and system config."""
    for key, value in CONFIG_ISOLATION.items():
        monkeypatch.setenv(key, value)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES"):
        monkeypatch.delenv(key, raising=False)


class GitRepo:
    """A repository at ``path`` driven through the ``git`` command line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tick = 0

    @classmethod
    def init(cls, path: Path, *, branch: str = "main", bare: bool = False) -> GitRepo:
        """Create a new, empty repository (``git init``) and return it."""
        path.mkdir(parents=True, exist_ok=True)
        repo = cls(path)
        repo.git("init", "--quiet", f"--initial-branch={branch}", *(["--bare"] if bare else []))
        return repo

    def _env(self) -> dict[str, str]:
        date = f"@{_EPOCH + 60 * self._tick} +0000"
        return {
            **os.environ,
            **CONFIG_ISOLATION,
            "GIT_AUTHOR_NAME": AUTHOR_NAME,
            "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": AUTHOR_NAME,
            "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
            "GIT_COMMITTER_DATE": date,
        }

    def git(self, *args: str) -> str:
        """Run ``git ARGS`` in the repository; return stdout without the trailing newline.

        Raises ``subprocess.CalledProcessError`` (with git's stderr) when git fails.
        """
        result = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env=self._env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, result.args, result.stdout, result.stderr
            )
        return result.stdout.rstrip("\n")

    def write(self, path: str, text: str) -> Path:
        """Write ``text`` to ``path`` (relative to the repository), creating directories."""
        target = self.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def commit(self, message: str, *, add_all: bool = True) -> str:
        """Stage everything (unless ``add_all=False``), commit, and return the commit's sha."""
        self._tick += 1
        if add_all:
            self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", message)
        return self.rev_parse("HEAD")

    def tag(self, name: str, *, annotated: bool = True, rev: str = "HEAD") -> None:
        """Tag ``rev``: an annotated tag (message ``release NAME``) or a lightweight one."""
        self._tick += 1
        if annotated:
            self.git("tag", "--annotate", "--no-sign", "-m", f"release {name}", name, rev)
        else:
            self.git("tag", name, rev)

    def branch(self, name: str, start: str = "HEAD", *, checkout: bool = False) -> None:
        """Create branch ``name`` at ``start``; switch to it when ``checkout``."""
        if checkout:
            self.git("switch", "--quiet", "--create", name, start)
        else:
            self.git("branch", name, start)

    def checkout(self, rev: str) -> None:
        """Switch to a branch, or detach HEAD at a tag or sha."""
        if self._has_branch(rev):
            self.git("switch", "--quiet", rev)
        else:
            self.git("switch", "--quiet", "--detach", rev)

    def _has_branch(self, name: str) -> bool:
        try:
            self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{name}")
        except subprocess.CalledProcessError:
            return False
        return True

    def rename(self, old: str, new: str) -> None:
        """``git mv old new`` (staged; commit to record it)."""
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    def remove(self, path: str) -> None:
        """``git rm path`` (staged; commit to record it)."""
        self.git("rm", "--quiet", path)

    def rev_parse(self, rev: str) -> str:
        """The full sha ``rev`` names (a tag gives its commit)."""
        return self.git("rev-parse", "--verify", f"{rev}^{{commit}}")

    def blob_sha(self, rev: str, path: str) -> str:
        """The sha of the blob at ``path`` in ``rev``."""
        return self.git("rev-parse", "--verify", f"{rev}:{path}")

    def copy(self, dest: Path) -> GitRepo:
        """A copy of the repository and its work tree at ``dest`` (cheaper than building it
        again); further commits and tags get the dates they would have got here."""
        shutil.copytree(self.path, dest, symlinks=True)
        twin = GitRepo(dest)
        twin._tick = self._tick
        return twin

    def clone(self, dest: Path, *, depth: int | None = None, bare: bool = False) -> GitRepo:
        """Clone this repository into ``dest`` through ``file://`` (so ``depth`` is honoured)."""
        args = ["clone", "--quiet"]
        if depth is not None:
            args += ["--depth", str(depth)]
        if bare:
            args.append("--bare")
        self.git(*args, self.path.resolve().as_uri(), str(dest))
        return GitRepo(dest)

    def add_submodule(self, source: GitRepo, path: str) -> None:
        """Add ``source`` as a submodule at ``path`` (staged; commit to record it)."""
        self.git(
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "--quiet",
            str(source.path.resolve()),
            path,
        )


def git_dir_of(path: Path) -> Path:
    """The git directory of the repository at ``path``, as git itself names it."""
    out = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--absolute-git-dir"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())
