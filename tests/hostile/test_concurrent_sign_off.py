"""Two writers of one entry: the second is told, and nothing is overwritten.

Every write and deletion is a compare-and-swap under an ``flock`` on the ledger directory: it
goes ahead only while the entry on disk is the one the process read when it loaded the ledger.
The tests use real processes against a real repository: ``python -m unsafe_audit sign-off``
and ``prune``, and a small "other writer" process that takes the same lock, so the order of
events is forced rather than hoped for.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.commands.test_sign_off import EPOCH
from tests.gitrepo import CONFIG_ISOLATION, GitRepo
from tests.hostile.harness import (
    LEDGER,
    TRACEBACK,
    entry_for,
    ledger_dir,
    released,
    sign_everything,
    site_of,
)
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger import lock
from unsafe_audit.ledger.store import read_entry
from unsafe_audit.ledger.yaml_io import entry_text
from unsafe_audit.model import SiteKind

WAITING = f"unsafe-audit: waiting for another unsafe-audit process writing to {LEDGER}…\n"

# The other writer: takes the ledger's lock, says so, then obeys one command from stdin
# ("write TARGET SOURCE" or "delete TARGET") and exits, which releases the lock.
OTHER_WRITER = textwrap.dedent(
    """
    import fcntl, os, shutil, sys
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    fd = os.open(directory, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("locked", flush=True)
    command, *paths = sys.stdin.readline().split()
    if command == "write":
        shutil.copyfile(paths[1], paths[0])
    elif command == "delete":
        os.unlink(paths[0])
    print("done", flush=True)
    """
)


def environment(repo: GitRepo) -> dict[str, str]:
    return {
        **os.environ,
        **CONFIG_ISOLATION,
        "SOURCE_DATE_EPOCH": EPOCH,
        "XDG_CACHE_HOME": str(repo.path.parent / "xdg-cache"),
    }


@contextmanager
def other_writer(repo: GitRepo) -> Iterator[subprocess.Popen[str]]:
    """A process holding the ledger's writer lock until it is given its one command."""
    process = subprocess.Popen(
        [sys.executable, "-c", OTHER_WRITER, str(ledger_dir(repo))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "locked\n"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def command(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()
    assert process.stdout.readline() == "done\n"


def start(repo: GitRepo, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "unsafe_audit", *args],
        cwd=repo.path,
        env=environment(repo),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for_line(process: subprocess.Popen[bytes], expected: str, timeout: float = 60) -> str:
    """Read ``process``'s stderr until the line ``expected``; return what came before it."""
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + timeout
    fd = process.stderr.fileno()
    while expected.encode() not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {expected!r} on stderr; got {seen!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, f"stderr closed before {expected!r}; got {seen!r}"
            seen += chunk
    return seen.decode()


def finish(process: subprocess.Popen[bytes]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    text = err.decode()
    assert TRACEBACK not in text
    return process.returncode, out.decode(), text


def sign_off_args(site: str, justification: str) -> list[str]:
    return ["sign-off", site, "--all-pass", "--pattern", "own", "--justification", justification]


# -- forced orders ---------------------------------------------------------------------------------


def test_an_entry_created_while_sign_off_waited_is_not_overwritten(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a")
    theirs = tmp_path / "theirs.yaml"
    theirs.write_text(entry_text(entry_for(site, justification="Theirs.")))
    target = ledger_dir(repo) / f"{site.id}.yaml"
    with other_writer(repo) as other:
        mine = start(repo, *sign_off_args(site.id, "Mine."))
        wait_for_line(mine, WAITING)  # it has read the ledger (no entry) and waits to write
        command(other, f"write {target} {theirs}")
    code, out, err = finish(mine)
    assert (code, out) == (2, "")
    assert err.endswith(
        f"unsafe-audit: error: {LEDGER}/{site.id}.yaml was created by another process after "
        "this one read the ledger; nothing was overwritten; run the command again to start "
        "from the entry as it is now\n"
    )
    assert target.read_text() == theirs.read_text()
    assert sorted(os.listdir(target.parent)) == [target.name]


def test_an_entry_changed_while_sign_off_waited_is_not_overwritten(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a")
    sign_everything(repo)
    target = ledger_dir(repo) / f"{site.id}.yaml"
    theirs = tmp_path / "theirs.yaml"
    theirs.write_text(entry_text(entry_for(site, justification="Changed by them.")))
    with other_writer(repo) as other:
        mine = start(repo, *sign_off_args(site.id, "Mine."))
        wait_for_line(mine, WAITING)
        command(other, f"write {target} {theirs}")
    code, _, err = finish(mine)
    assert code == 2
    assert f"{LEDGER}/{site.id}.yaml was changed by another process" in err
    assert read_entry(target, "x").justification == "Changed by them."


def test_an_entry_deleted_while_sign_off_waited_is_not_recreated(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a")
    sign_everything(repo)
    target = ledger_dir(repo) / f"{site.id}.yaml"
    with other_writer(repo) as other:
        mine = start(repo, *sign_off_args(site.id, "Mine."))
        wait_for_line(mine, WAITING)
        command(other, f"delete {target}")
    code, _, err = finish(mine)
    assert code == 2
    assert f"{LEDGER}/{site.id}.yaml was deleted by another process" in err
    assert not target.exists()


def test_prune_does_not_delete_an_entry_changed_while_it_waited(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a")
    orphan = entry_for(site, site="0123456789abcdef", token_hash="f" * 16)
    target = ledger_dir(repo) / "0123456789abcdef.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(entry_text(orphan))
    revised = tmp_path / "revised.yaml"
    revised.write_text(entry_text(orphan).replace("Reviewed.", "Revised while prune waited."))
    with other_writer(repo) as other:
        prune = start(repo, "prune", ".", "--apply")
        wait_for_line(prune, WAITING)
        command(other, f"write {target} {revised}")
    code, out, err = finish(prune)
    assert (code, out) == (2, "")
    assert f"{LEDGER}/0123456789abcdef.yaml was changed by another process" in err
    assert target.read_text() == revised.read_text()


def test_a_lock_held_too_long_is_an_error_not_a_hang(tmp_path: Path) -> None:
    repo = released(tmp_path / "ext")
    told: list[str] = []
    with other_writer(repo):
        started = time.monotonic()
        with pytest.raises(LedgerError) as e:
            lock.acquire(ledger_dir(repo), LEDGER, wait=0.5, on_wait=told.append)
        assert time.monotonic() - started < 5
    assert str(e.value) == (
        f"{LEDGER}: another unsafe-audit process has held the ledger's lock for 0.5 s; nothing "
        "was written; try again when it has finished"
    )
    assert told == [WAITING.removeprefix("unsafe-audit: ").rstrip("\n")]
    fd = lock.acquire(ledger_dir(repo), LEDGER, wait=5)  # free again once the holder is gone
    os.close(fd)


# -- a real race -----------------------------------------------------------------------------------


@pytest.mark.parametrize("round_", [1, 2])
def test_two_sign_offs_of_one_site_never_both_silently_win(tmp_path: Path, round_: int) -> None:
    repo = released(tmp_path / "ext")
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a")
    first = start(repo, *sign_off_args(site.id, f"First writer, round {round_}."))
    second = start(repo, *sign_off_args(site.id, f"Second writer, round {round_}."))
    results = {"First": finish(first), "Second": finish(second)}
    target = ledger_dir(repo) / f"{site.id}.yaml"
    winners = [name for name, (code, _, _) in results.items() if code == 0]
    losers = [name for name, (code, _, _) in results.items() if code != 0]
    for name in losers:
        code, out, err = results[name]
        assert (code, out) == (2, "")
        assert "by another process after this one read the ledger; nothing was overwritten" in err
    assert winners, results
    if len(winners) == 2:
        # Not concurrent after all: the second to write read the first's entry and replaced it,
        # and said so.
        (last,) = [n for n in winners if results[n][1].startswith("replaced the sign-off")]
    else:
        (last,) = winners
    assert read_entry(target, "x").justification == f"{last} writer, round {round_}."
    assert sorted(os.listdir(target.parent)) == [target.name]
