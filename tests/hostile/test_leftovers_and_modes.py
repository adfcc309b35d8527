"""What a killed write leaves behind, and the permissions of what is written.

A ``kill -9`` between creating the temporary file and renaming it over the entry leaves
``.<site id>.yaml.<8 random characters>.tmp`` in the ledger. The next run removes exactly such
files (never anything else, never while a writer holds the lock) and says so on stderr. New
entries get ``0o666 & ~umask``, like any file a tool writes, not ``mkstemp``'s ``0600``.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo
from tests.hostile.harness import (
    BASE_CHOICE,
    LEDGER,
    Tree,
    cli,
    ledger_dir,
    released,
    sign_everything,
    site_of,
)
from tests.hostile.test_concurrent_sign_off import other_writer
from unsafe_audit.model import SiteKind

REMOVED_ONE = (
    f"unsafe-audit: removed 1 temporary file left in {LEDGER} by an interrupted write "
    "(a sign-off killed mid-write)\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return released(tmp_path / "ext")


def killed_mid_write(repo: GitRepo, site_id: str) -> Path:
    """Really ``kill -9`` a process inside :mod:`unsafe_audit.atomic` between writing the
    temporary file and renaming it; returns the temporary file it left."""
    target = ledger_dir(repo) / f"{site_id}.yaml"
    code = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from unsafe_audit import atomic
        fd, temporary = atomic.temporary_beside(Path({str(target)!r}))
        os.write(fd, b"schema_version: 1\\nsite: half")
        print(temporary, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL
    leftover = Path(result.stdout.strip())
    assert leftover.exists() and not target.exists()
    return leftover


def test_check_removes_what_a_kill_9_left_and_says_so(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    sign_everything(repo)
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a").id
    os.unlink(ledger_dir(repo) / f"{site}.yaml")
    leftover = killed_mid_write(repo, site)
    assert leftover.name.startswith(f".{site}.yaml.") and leftover.name.endswith(".tmp")
    others = Tree(ledger_dir(repo))
    result = cli(capsys, "check", str(repo.path))
    assert result.code == 1  # the killed sign-off never happened: that site is still missing
    assert result.err == BASE_CHOICE + REMOVED_ONE
    assert others.changes() == {leftover.name: "removed"}
    second = cli(capsys, "check", str(repo.path))
    assert (second.code, second.err) == (1, BASE_CHOICE)


def test_sign_off_removes_leftovers_and_writes_its_entry(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a").id
    leftover = killed_mid_write(repo, site)
    result = cli(capsys, "sign-off", site, str(repo.path), "--all-pass", "--pattern", "own")
    assert result.code == 0
    assert REMOVED_ONE in result.err
    assert not leftover.exists()
    assert os.listdir(ledger_dir(repo)) == [f"{site}.yaml"]


def test_prune_removes_leftovers_too(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> None:
    sign_everything(repo)
    leftover = killed_mid_write(repo, "0123456789abcdef")
    result = cli(capsys, "prune", str(repo.path))
    assert result.code == 0
    assert result.err == REMOVED_ONE + "no orphaned entries\n"
    assert not leftover.exists()


@pytest.mark.parametrize(
    "name",
    [
        ".0123456789abcdef.yaml.tmp",  # no random part
        ".0123456789abcdef.yaml.abc.tmp",  # random part too short
        ".0123456789abcdef.yaml.ABCDEFGH.tmp",  # mkstemp never uses capitals
        ".0123456789abcdef.yaml.abcdefgh.tmp.bak",
        "0123456789abcdef.yaml.abcdefgh.tmp",  # no leading dot
        ".notes.yaml.abcdefgh.tmp",  # not a site id
        ".0123456789ABCDEF.yaml.abcdefgh.tmp",  # not a site id either
        "README.md",
    ],
)
def test_files_that_only_look_like_leftovers_are_kept(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, name: str
) -> None:
    sign_everything(repo)
    (ledger_dir(repo) / name).write_text("someone's file\n")
    before = Tree(repo.path, repo.path / ".git")
    result = cli(capsys, "check", str(repo.path))
    assert (result.code, result.err) == (0, BASE_CHOICE)
    assert before.changes() == {}


def test_a_directory_named_like_a_leftover_is_kept(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    sign_everything(repo)
    odd = ledger_dir(repo) / ".0123456789abcdef.yaml.abcdefgh.tmp"
    odd.mkdir()
    (odd / "inside").write_text("kept\n")
    result = cli(capsys, "check", str(repo.path))
    assert (result.code, result.err) == (0, BASE_CHOICE)
    assert (odd / "inside").read_text() == "kept\n"


def test_a_leftover_symlink_is_removed_but_not_what_it_points_to(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path
) -> None:
    sign_everything(repo)
    precious = tmp_path / "precious.txt"
    precious.write_text("do not delete\n")
    link = ledger_dir(repo) / ".0123456789abcdef.yaml.abcdefgh.tmp"
    link.symlink_to(precious)
    result = cli(capsys, "check", str(repo.path))
    assert (result.code, result.err) == (0, BASE_CHOICE + REMOVED_ONE)
    assert not link.is_symlink()
    assert precious.read_text() == "do not delete\n"


def test_a_temporary_file_is_left_alone_while_a_writer_holds_the_lock(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    sign_everything(repo)
    busy = ledger_dir(repo) / ".0123456789abcdef.yaml.abcdefgh.tmp"
    busy.write_text("being written\n")
    with other_writer(repo):
        result = cli(capsys, "check", str(repo.path))
        assert (result.code, result.err) == (0, BASE_CHOICE)
        assert busy.read_text() == "being written\n"
    assert cli(capsys, "check", str(repo.path)).err == BASE_CHOICE + REMOVED_ONE


# -- modes -----------------------------------------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(
    ("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)]
)
def test_a_new_entry_follows_the_umask(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, mask: int, mode: int
) -> None:
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a").id
    os.umask(mask)
    result = cli(capsys, "sign-off", site, str(repo.path), "--all-pass", "--pattern", "own")
    assert result.code == 0
    written = ledger_dir(repo) / f"{site}.yaml"
    assert stat.S_IMODE(written.stat().st_mode) == mode


@pytest.mark.usefixtures("umask")
def test_a_replaced_entry_follows_the_umask_not_the_old_file(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a").id
    entries = sign_everything(repo)
    entries[site].chmod(0o600)
    os.umask(0o022)
    result = cli(
        capsys,
        "sign-off",
        site,
        str(repo.path),
        "--all-pass",
        "--pattern",
        "own",
        "--justification",
        "Looked again.",
    )
    assert result.code == 0
    assert result.out.startswith("replaced the sign-off")
    assert stat.S_IMODE(entries[site].stat().st_mode) == 0o644
