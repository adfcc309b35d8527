"""Ledger entries and checklists that are not plain files: special files, symlinks, size caps.

A pull request chooses what ``.unsafe-audit/ledger/<id>.yaml`` is, and CI may pass a checklist
from the repository. Each case must end with exit 2 and a message naming the file, never a hang
(the cases that could hang run as real processes with a time limit), never an unbounded read,
and nothing changed in the repository or beside it.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.checklist.files import VALID
from tests.gitrepo import GitRepo
from tests.hostile.harness import (
    BASE_CHOICE,
    LEDGER,
    Tree,
    cli,
    entry_for,
    ledger_dir,
    released,
    sign_everything,
    site_of,
    spawn,
    untouched,
    write_entry,
)
from unsafe_audit.checklist.load import MAX_CHECKLIST_BYTES
from unsafe_audit.ledger.store import MAX_ENTRY_BYTES
from unsafe_audit.ledger.yaml_io import entry_text
from unsafe_audit.model import SiteKind

NOT_REGULAR = "a ledger entry must be a regular file (move it out of the ledger)"


def setup(tmp_path: Path) -> tuple[GitRepo, str, Path]:
    """A released repository, one of its site ids, and that site's entry path."""
    repo = released(tmp_path / "ext")
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a").id
    target = ledger_dir(repo) / f"{site}.yaml"
    target.parent.mkdir(parents=True)
    return repo, site, target


def trees(repo: GitRepo, tmp_path: Path) -> list[Tree]:
    """What must not change: the work tree, and everything beside the repository."""
    return [
        Tree(repo.path, repo.path / ".git"),
        Tree(tmp_path, repo.path, tmp_path / "xdg-cache"),
    ]


def error_line(message: str) -> str:
    return f"unsafe-audit: error: {message}\n"


# -- special files as entries: run as real processes, so a hang fails the test ------------------


def test_an_entry_linked_to_dev_zero_is_refused_not_read(tmp_path: Path) -> None:
    repo, site, target = setup(tmp_path)
    target.symlink_to("/dev/zero")
    before = trees(repo, tmp_path)
    result = spawn("check", ".", cwd=repo.path, timeout=60)
    assert result.code == 2
    assert result.err == error_line(
        f"{LEDGER}/{site}.yaml: is a symbolic link, not a regular file; {NOT_REGULAR}"
    )
    untouched(*before)


def test_a_fifo_entry_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    repo, site, target = setup(tmp_path)
    os.mkfifo(target)
    before = trees(repo, tmp_path)
    result = spawn("check", ".", cwd=repo.path, timeout=60)
    assert result.code == 2
    assert result.err == error_line(
        f"{LEDGER}/{site}.yaml: is a FIFO (named pipe), not a regular file; {NOT_REGULAR}"
    )
    untouched(*before)


def test_sign_off_over_a_fifo_entry_stops_and_writes_nothing(tmp_path: Path) -> None:
    repo, site, target = setup(tmp_path)
    os.mkfifo(ledger_dir(repo) / f"{'f' * 16}.yaml")
    before = trees(repo, tmp_path)
    result = spawn("sign-off", site, "--all-pass", "--pattern", "own", "--no-cache", cwd=repo.path)
    assert result.code == 2
    assert f"{LEDGER}/{'f' * 16}.yaml: is a FIFO (named pipe)" in result.err
    assert not target.exists()
    untouched(*before)


def test_prune_over_a_fifo_entry_deletes_nothing(tmp_path: Path) -> None:
    repo, _site, _target = setup(tmp_path)
    sign_everything(repo)
    os.mkfifo(ledger_dir(repo) / f"{'e' * 16}.yaml")
    before = trees(repo, tmp_path)
    result = spawn("prune", ".", "--apply", cwd=repo.path)
    assert result.code == 2
    assert f"{LEDGER}/{'e' * 16}.yaml: is a FIFO (named pipe)" in result.err
    untouched(*before)


# -- other file types and symlinks, in this process ----------------------------------------------


def test_a_directory_named_like_an_entry_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site, target = setup(tmp_path)
    target.mkdir()
    (target / "x").write_text("kept")
    before = trees(repo, tmp_path)
    result = cli(capsys, "check", str(repo.path))
    assert (result.code, result.out) == (2, "")
    assert result.err == error_line(
        f"{LEDGER}/{site}.yaml: is a directory, not a regular file; {NOT_REGULAR}"
    )
    untouched(*before)


def test_a_symlink_to_a_valid_entry_is_refused_all_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site, target = setup(tmp_path)
    real = repo.path / "elsewhere.yaml"
    real.write_text(_entry_text(repo, SiteKind.UNSAFE_BLOCK, "a"))
    target.symlink_to(real)
    before = trees(repo, tmp_path)
    result = cli(capsys, "check", str(repo.path))
    assert result.code == 2
    assert result.err == error_line(
        f"{LEDGER}/{site}.yaml: is a symbolic link, not a regular file; {NOT_REGULAR}"
    )
    untouched(*before)


def test_a_symlink_out_of_the_repository_is_refused_and_its_target_never_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _site, target = setup(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("token: hunter2\n")
    target.symlink_to(secret)
    before = trees(repo, tmp_path)
    result = cli(capsys, "check", str(repo.path), "--format", "json")
    assert (result.code, result.out) == (2, "")
    assert "hunter2" not in result.err
    assert "is a symbolic link, not a regular file" in result.err
    untouched(*before)


def test_a_dangling_symlink_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, site, target = setup(tmp_path)
    target.symlink_to(tmp_path / "nowhere")
    result = cli(capsys, "check", str(repo.path))
    assert result.code == 2
    assert result.err == error_line(
        f"{LEDGER}/{site}.yaml: is a symbolic link, not a regular file; {NOT_REGULAR}"
    )


def test_a_socket_entry_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, site, target = setup(tmp_path)
    here = Path.cwd()
    os.chdir(target.parent)  # AF_UNIX paths are short; bind by a relative name
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(target.name)
        result = cli(capsys, "check", str(repo.path))
    finally:
        server.close()
        os.chdir(here)
    assert result.code == 2
    assert result.err == error_line(
        f"{LEDGER}/{site}.yaml: is a socket, not a regular file; {NOT_REGULAR}"
    )


def test_the_ledger_directory_itself_being_a_fifo_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    (repo.path / ".unsafe-audit").mkdir()
    os.mkfifo(ledger_dir(repo))
    result = cli(capsys, "check", str(repo.path))
    assert result.code == 2
    assert result.err == error_line(
        f"{LEDGER} is not a directory; the ledger is a directory of files"
    )


# -- size caps -----------------------------------------------------------------------------------


def _entry_text(repo: GitRepo, kind: SiteKind, item: str) -> str:
    return entry_text(entry_for(site_of(repo, kind, item)))


def test_an_entry_over_the_cap_is_refused_without_reading_it_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site, target = setup(tmp_path)
    base = _entry_text(repo, SiteKind.UNSAFE_BLOCK, "a")
    write_entry(repo, site, base + "# " + "x" * (MAX_ENTRY_BYTES - len(base)) + "\n")
    assert target.stat().st_size == MAX_ENTRY_BYTES + 3
    before = trees(repo, tmp_path)
    result = cli(capsys, "check", str(repo.path))
    assert result.code == 2
    assert result.err == error_line(
        f"{LEDGER}/{site}.yaml: is larger than 256 KiB, the most this tool reads; {NOT_REGULAR}"
    )
    untouched(*before)


def test_an_entry_of_exactly_the_cap_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _site, target = setup(tmp_path)
    sign_everything(repo)
    text = target.read_text()
    padded = text + "#" * (MAX_ENTRY_BYTES - len(text) - 1) + "\n"
    target.write_text(padded)
    assert target.stat().st_size == MAX_ENTRY_BYTES
    result = cli(capsys, "check", str(repo.path))
    assert (result.code, result.err) == (0, BASE_CHOICE)


def test_an_entry_that_is_not_utf8_names_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, site, _target = setup(tmp_path)
    text = _entry_text(repo, SiteKind.UNSAFE_BLOCK, "a").encode()
    line = text[: text.index(b"Reviewed.")].count(b"\n") + 1
    write_entry(repo, site, text.replace(b"Reviewed.", b"Revi\x85wed."))
    result = cli(capsys, "check", str(repo.path))
    assert result.code == 2
    assert result.err == error_line(
        f"{LEDGER}/{site}.yaml:{line}: not UTF-8 text: invalid start byte"
    )


# -- checklists ------------------------------------------------------------------------------------


def test_checklist_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    before = trees(repo, tmp_path)
    result = spawn("check", ".", "--checklist", "/dev/zero", cwd=repo.path, timeout=60)
    assert result.code == 2
    assert result.err == error_line(
        "/dev/zero: cannot read checklist: a character device, not a regular file"
    )
    untouched(*before)


def test_a_fifo_checklist_is_refused_without_waiting(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    fifo = repo.path / "team.yaml"
    os.mkfifo(fifo)
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a").id
    before = trees(repo, tmp_path)
    result = spawn(
        "sign-off",
        site,
        "--all-pass",
        "--pattern",
        "own",
        "--checklist",
        "team.yaml",
        cwd=repo.path,
    )
    assert result.code == 2
    assert result.err == error_line(
        "team.yaml: cannot read checklist: a FIFO (named pipe), not a regular file"
    )
    untouched(*before)


def test_a_checklist_symlinked_to_a_fifo_is_refused(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    os.mkfifo(tmp_path / "pipe")
    (repo.path / "team.yaml").symlink_to(tmp_path / "pipe")
    result = spawn("checklist", "--checklist", "team.yaml", cwd=repo.path, timeout=60)
    assert result.code == 2
    assert result.err == error_line(
        "team.yaml: cannot read checklist: a FIFO (named pipe), not a regular file"
    )


def test_a_directory_given_as_checklist_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "team.yaml").mkdir()
    result = cli(capsys, "checklist", "--checklist", str(tmp_path / "team.yaml"))
    assert result.code == 2
    assert result.err == error_line(
        f"{tmp_path / 'team.yaml'}: cannot read checklist: a directory, not a regular file"
    )


def test_a_checklist_over_the_cap_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "team.yaml"
    big.write_text(VALID + "#" * MAX_CHECKLIST_BYTES + "\n")
    result = cli(capsys, "checklist", "--checklist", str(big))
    assert result.code == 2
    assert result.err == error_line(
        f"{big}: cannot read checklist: larger than 1 MiB, the most this tool reads"
    )


def test_a_checklist_symlinked_to_a_regular_file_is_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real.yaml"
    real.write_text(VALID.lstrip("\n"))
    (tmp_path / "team.yaml").symlink_to(real)
    result = cli(capsys, "checklist", "--checklist", str(tmp_path / "team.yaml"))
    assert result.code == 0
    assert "guc-registered" in result.out
