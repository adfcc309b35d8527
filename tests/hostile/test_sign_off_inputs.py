"""What ``sign-off`` is given to write: text that is not UTF-8 must never reach the ledger.

Python hands over command-line bytes that are not UTF-8 as lone surrogates
(``surrogateescape``), and git's output the same way. Written into YAML they made an entry that
every later command refused to read, and that ``sign-off`` then refused to replace. Each such
input is refused (exit 2) before anything is written; the YAML writer refuses it too, for any
other way in. Valid UTF-8, control characters included, is written and read back unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo
from tests.hostile.harness import (
    LEDGER,
    Tree,
    cli,
    entry_for,
    ledger_dir,
    released,
    site_of,
    spawn,
    untouched,
)
from unsafe_audit.commands.review import ReviewRequest, load_review
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.store import GuardedLedger, Ledger, read_entry
from unsafe_audit.model import Site, SiteKind

NOTHING_WRITTEN = "a sign-off is UTF-8 text, so nothing was written"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return released(tmp_path / "ext")


def block(repo: GitRepo) -> Site:
    return site_of(repo, SiteKind.UNSAFE_BLOCK, "a")


def refused(capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path, *args: str) -> str:
    """Run sign-off with ``args``; it must fail with exit 2 and write nothing anywhere."""
    before = [
        Tree(repo.path, repo.path / ".git"),
        Tree(tmp_path, repo.path, tmp_path / "xdg-cache"),
    ]
    result = cli(capsys, "sign-off", *args, str(repo.path), "--no-cache")
    assert (result.code, result.out) == (2, "")
    untouched(*before)
    assert not ledger_dir(repo).exists()
    return result.err


def test_a_justification_with_a_non_utf8_byte_from_a_real_argv(
    repo: GitRepo, tmp_path: Path
) -> None:
    before = Tree(repo.path, repo.path / ".git")
    result = spawn(
        "sign-off",
        block(repo).id,
        "--all-pass",
        "--pattern",
        "own",
        b"--justification",
        b"Revi\x85wed",
        cwd=repo.path,
    )
    assert result.code == 2
    assert result.err == (
        "unsafe-audit: error: --justification: the byte 0x85 at character 5 is not valid "
        f"UTF-8; {NOTHING_WRITTEN}\n"
    )
    untouched(before)


def test_a_note_with_a_non_utf8_byte(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path
) -> None:
    note = "null-check=n/a:NULL is ch\udce9cked"
    err = refused(
        capsys,
        repo,
        tmp_path,
        block(repo).id,
        "--all-pass",
        "--pattern",
        "own",
        "--answer",
        note,
    )
    assert err == (
        f"unsafe-audit: error: --answer {note!r}: the byte 0xe9 at character 26 is not valid "
        f"UTF-8; {NOTHING_WRITTEN}\n"
    )


def test_a_reviewer_with_a_non_utf8_byte(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path
) -> None:
    err = refused(
        capsys,
        repo,
        tmp_path,
        block(repo).id,
        "--all-pass",
        "--pattern",
        "own",
        "--reviewer",
        "Ren\udce9 <rene@example.com>",
    )
    assert err == (
        "unsafe-audit: error: --reviewer: the byte 0xe9 at character 4 is not valid UTF-8; "
        f"{NOTHING_WRITTEN}\n"
    )


def test_a_pattern_with_a_non_utf8_byte(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path
) -> None:
    err = refused(capsys, repo, tmp_path, block(repo).id, "--all-pass", "--pattern", "own\udcff")
    assert err == (
        "unsafe-audit: error: --pattern: the byte 0xff at character 4 is not valid UTF-8; "
        f"{NOTHING_WRITTEN}\n"
    )


@pytest.mark.parametrize(
    ("key", "value"), [("user.name", b"Ren\xe9"), ("user.email", b"r\xe9@x.org")]
)
def test_a_git_identity_that_is_not_utf8_is_refused_and_can_be_overridden(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path, key: str, value: bytes
) -> None:
    config = repo.path / ".git" / "config"
    with config.open("ab") as out:  # git config cannot be told to write these bytes
        section, name = key.split(".")
        out.write(f"[{section}]\n\t{name} = ".encode() + value + b"\n")
    err = refused(capsys, repo, tmp_path, block(repo).id, "--all-pass", "--pattern", "own")
    assert err.startswith(
        "unsafe-audit: justification taken from its // SAFETY: comment\n"
        "unsafe-audit: error: git config user.name/user.email ("
    )
    assert err.endswith(
        f"is not valid UTF-8; {NOTHING_WRITTEN}; set them in UTF-8, or pass "
        "--reviewer 'Name <email>'\n"
    )
    assert "\udce9" not in err  # shown escaped, so the message itself can be printed
    result = cli(
        capsys,
        "sign-off",
        block(repo).id,
        str(repo.path),
        "--all-pass",
        "--pattern",
        "own",
        "--reviewer",
        "René <rene@example.com>",
    )
    assert result.code == 0
    entry = read_entry(ledger_dir(repo) / f"{block(repo).id}.yaml", "x")
    assert entry.reviewer == "René <rene@example.com>"


def test_the_review_does_not_record_a_git_identity_that_is_not_utf8(repo: GitRepo) -> None:
    with (repo.path / ".git" / "config").open("ab") as out:
        out.write(b"[user]\n\tname = Ren\xe9\n")
    loaded = load_review(ReviewRequest(path=repo.path, use_cache=False))
    try:
        assert loaded.session.identity.reviewer == ""
        (notice,) = [n for n in loaded.notices if "not valid UTF-8" in n]
        assert notice.startswith("git config user.name/user.email 'Ren\\udce9 <ada@example.com>'")
    finally:
        loaded.close()


# -- the writer's own check ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("justification", "Revi\udc85wed", "justification"),
        ("release", "v0.1.0\udc85", "release"),
        ("reviewer", "Ren\udce9 <r@example.com>", "reviewer"),
        ("path", "src/l\udcffib.rs", "path"),
        ("lifetime_pattern", "own\ud800", "lifetime pattern"),
    ],
)
def test_the_writer_refuses_text_that_is_not_utf8(
    repo: GitRepo, field: str, value: str, what: str
) -> None:
    site = block(repo)
    ledger = Ledger.load(repo.path)
    with pytest.raises(LedgerError) as e:
        ledger.save(entry_for(site, **{field: value}))
    assert str(e.value).startswith(
        f"cannot write the entry of {site.id}: {what} is not valid UTF-8"
    )
    assert str(e.value).endswith("; nothing was written")
    assert not ledger_dir(repo).exists()


def test_the_writer_refuses_a_note_that_is_not_utf8(repo: GitRepo) -> None:
    site = block(repo)
    full = entry_for(site)
    note = (full.answers[0][0], type(full.answers[0][1])(full.answers[0][1].verdict, "x\udc80"))
    ledger = Ledger.load(repo.path)
    with pytest.raises(LedgerError) as e:
        ledger.save(entry_for(site, answers=(note, *full.answers[1:])))
    assert str(e.value) == (
        f"cannot write the entry of {site.id}: the note for ctx-owner is not valid UTF-8 text "
        "(the byte 0x80 at character 2); nothing was written"
    )


def test_a_review_sign_off_with_text_that_is_not_utf8_writes_nothing(repo: GitRepo) -> None:
    site = block(repo)
    guarded = GuardedLedger(Ledger.load(repo.path), repo.path)
    with pytest.raises(LedgerError):
        guarded.write(entry_for(site, justification="typed \udc9b in the editor"))
    assert not ledger_dir(repo).exists()


# -- what is valid stays exactly as given --------------------------------------------------------


def test_unicode_and_control_characters_round_trip(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site = block(repo)
    text = "Zoë checked it 🦀 — 検証済み\nesc \x1b]0;title\x07 and tab\tend"
    result = cli(
        capsys,
        "sign-off",
        site.id,
        str(repo.path),
        "--all-pass",
        "--pattern",
        "own",
        "--justification",
        text,
        "--reviewer",
        "Zoë Ångström <zoe@example.com>",
    )
    assert result.code == 0
    target = ledger_dir(repo) / f"{site.id}.yaml"
    assert b"\x1b" not in target.read_bytes()  # YAML escapes it; the file itself is inert
    entry = read_entry(target, f"{LEDGER}/{target.name}")
    assert entry.justification == text
    assert entry.reviewer == "Zoë Ångström <zoe@example.com>"
    assert os.listdir(target.parent) == [target.name]
