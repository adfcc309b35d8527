"""The ledger file format: round trip, determinism, upgrades, and every error path."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger import (
    Answer,
    Entry,
    Ledger,
    Verdict,
    entry_text,
    parse_entry,
    sign_entry,
    signature_problem,
    upgrade_entry,
)
from unsafe_audit.model import SiteId, SiteKind

SITE = SiteId("3f9c2a1b7d0e4c55")
ENTRY = Entry(
    site=SITE,
    kind=SiteKind.UNSAFE_BLOCK,
    path="src/cache.rs",
    item="cache::Cache::get",
    token_hash="9a1b2c3d4e5f6071",
    release="v0.3.0",
    checklist="pgrx-ffi@1",
    tool="unsafe-audit 0.1.0",
    reviewer="Ada Example <ada@example.com>",
    reviewed_at="2026-11-24T15:04:05Z",
    lifetime_pattern="own",
    answers=(
        ("ctx-owner", Answer(Verdict.PASS)),
        ("null-check", Answer(Verdict.NOT_APPLICABLE, "no pointer returned")),
    ),
    justification="The value is copied into a Rust String\nbefore the per-tuple context resets.",
)
TEXT = """\
schema_version: 1
site: 3f9c2a1b7d0e4c55
kind: unsafe_block
path: src/cache.rs
item: cache::Cache::get
token_hash: 9a1b2c3d4e5f6071
release: v0.3.0
checklist: pgrx-ffi@1
tool: unsafe-audit 0.1.0
reviewer: Ada Example <ada@example.com>
reviewed_at: '2026-11-24T15:04:05Z'
lifetime_pattern: own
answers:
  ctx-owner: {answer: pass}
  null-check: {answer: n/a, note: no pointer returned}
justification: |
  The value is copied into a Rust String
  before the per-tuple context resets.
"""
NAME = ".unsafe-audit/ledger/3f9c2a1b7d0e4c55.yaml"


def test_entry_text_is_fixed_and_round_trips() -> None:
    assert entry_text(ENTRY) == TEXT
    parsed = parse_entry(TEXT, NAME, expected_id=SITE)
    assert parsed == ENTRY
    assert entry_text(parsed) == TEXT


def test_saving_twice_writes_the_same_bytes_and_leaves_no_temp_file(tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path)
    path = ledger.save(ENTRY)
    first = path.read_bytes()
    Ledger.load(tmp_path).save(ENTRY)
    assert path.read_bytes() == first == TEXT.encode()
    assert os.listdir(path.parent) == [f"{SITE}.yaml"]
    assert Ledger.load(tmp_path).entries == {SITE: ENTRY}


def _ledger_file(root: Path, text: str, name: str = f"{SITE}.yaml") -> Path:
    target = root / ".unsafe-audit" / "ledger" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def _load_error(root: Path) -> str:
    with pytest.raises(LedgerError) as e:
        Ledger.load(root)
    return str(e.value)


def test_conflict_markers_name_file_and_line_and_the_file_is_never_overwritten(
    tmp_path: Path,
) -> None:
    text = TEXT.replace(
        "release: v0.3.0\n", "<<<<<<< HEAD\nrelease: v0.3.0\n=======\nrelease: v0.3.1\n>>>>>>> b\n"
    )
    target = _ledger_file(tmp_path, text)
    assert _load_error(tmp_path) == (
        f"{NAME}:7: merge-conflict marker in a ledger entry; resolve the conflict by hand "
        "(keep one reviewer's version), then run `unsafe-audit check` again"
    )
    ledger = Ledger(target.parent, {}, ".unsafe-audit/ledger")
    with pytest.raises(LedgerError) as e:
        ledger.save(ENTRY)
    assert str(e.value).startswith(f"{NAME}:7: merge-conflict marker")
    assert target.read_text() == text


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    _ledger_file(tmp_path, TEXT.replace("kind: unsafe_block", "kind: [unsafe_block"))
    assert _load_error(tmp_path).startswith(f"{NAME}:4: invalid YAML: ")


def test_unknown_schema_version_says_upgrade(tmp_path: Path) -> None:
    _ledger_file(tmp_path, TEXT.replace("schema_version: 1", "schema_version: 7"))
    assert _load_error(tmp_path) == (
        f"{NAME}:1: unknown schema_version 7 (this unsafe-audit reads up to 1); "
        "upgrade unsafe-audit to read this ledger"
    )


def test_schema_0_is_upgraded() -> None:
    old = (
        TEXT.replace("schema_version: 1", "schema_version: 0")
        .replace("lifetime_pattern: own", "pattern: own")
        .replace("  ctx-owner: {answer: pass}", "  ctx-owner: pass")
    )
    assert parse_entry(old, NAME, expected_id=SITE) == ENTRY
    assert upgrade_entry({"schema_version": 0, "pattern": "pin", "answers": {"a": "fail"}}) == {
        "schema_version": 1,
        "lifetime_pattern": "pin",
        "answers": {"a": {"answer": "fail"}},
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "site: 3f9c2a1b7d0e4c55",
            "site: ../../etc/passwd",
            "2: field 'site' must be a site id of 16 lowercase hex digits, not '../../etc/passwd'",
        ),
        (
            "site: 3f9c2a1b7d0e4c55",
            "site: 0000000000000000",  # unquoted digits are a YAML int
            "2: field 'site' must be a site id of 16 lowercase hex digits, not 0",
        ),
        (
            "site: 3f9c2a1b7d0e4c55",
            "site: abcdefabcdefabcd",
            "2: field 'site' is abcdefabcdefabcd but the file is named for 3f9c2a1b7d0e4c55; "
            "an entry's file name must be its site id",
        ),
        ("kind: unsafe_block", "kind: unsafe_thing", "3: unknown site kind 'unsafe_thing'"),
        (
            "tool:",
            "color: blue\ntool:",
            "9: unknown field 'color' (expected: schema_version, site, kind, path, item, "
            "token_hash, release, checklist, tool, reviewer, reviewed_at, lifetime_pattern, "
            "answers, justification, signature)",
        ),
        (
            "  ctx-owner: {answer: pass}",
            "  ctx-owner: {answer: maybe}",
            "13: answer for 'ctx-owner' must be pass, fail or n/a, not 'maybe'",
        ),
        ("release: v0.3.0", "release: ''", "7: field 'release' must be non-empty text, not ''"),
        ("schema_version: 1\n", "", "1: missing schema_version"),
    ],
)
def test_bad_fields_name_file_and_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    _ledger_file(tmp_path, TEXT.replace(old, new))
    assert _load_error(tmp_path) == f"{NAME}:{message}"


def test_empty_justification_is_an_error(tmp_path: Path) -> None:
    _ledger_file(tmp_path, TEXT.split("justification:")[0] + "justification: ' '\n")
    assert (
        _load_error(tmp_path) == f"{NAME}:16: field 'justification' must be non-empty text, not ' '"
    )


def test_a_yaml_file_not_named_by_a_site_id_is_an_error(tmp_path: Path) -> None:
    _ledger_file(tmp_path, TEXT, name="notes.yaml")
    assert _load_error(tmp_path).startswith(".unsafe-audit/ledger/notes.yaml:1: not a ledger")


def test_ledger_directory_must_stay_inside_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    for outside in ("../x", "/tmp", "link/elsewhere", "."):
        with pytest.raises(LedgerError) as e:
            Ledger.load(root, outside)
        assert "which is not inside the repository" in str(e.value)
    assert Ledger.load(root, "audit/ledger").directory == root.resolve() / "audit" / "ledger"


def test_paths_are_built_from_site_ids_only(tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path)
    with pytest.raises(LedgerError) as e:
        ledger.path_of("../../outside")
    assert str(e.value) == "'../../outside' is not a site id (16 lowercase hex digits)"


def test_read_only_ledger_directory_is_an_error_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("unsafe_audit.ledger.tempfile.mkstemp", refuse)
    ledger = Ledger.load(tmp_path)
    with pytest.raises(LedgerError) as e:
        ledger.save(ENTRY)
    assert str(e.value) == (
        f"{NAME}: the ledger directory {ledger.directory} is read-only (Permission denied); "
        "nothing was written; make it writable or give another --ledger directory"
    )
    assert not (ledger.directory / f"{SITE}.yaml").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_really_read_only_directory(tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path)
    ledger.directory.mkdir(parents=True)
    ledger.directory.chmod(0o555)
    try:
        with pytest.raises(LedgerError) as e:
            ledger.save(ENTRY)
        assert "is read-only" in str(e.value)
    finally:
        ledger.directory.chmod(0o755)


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failing_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    ledger = Ledger.load(tmp_path)
    target = ledger.save(ENTRY)

    def fail(*args: object) -> None:
        raise failure

    monkeypatch.setattr("unsafe_audit.ledger.os.replace", fail)
    expected = LedgerError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as e:
        ledger.save(replace(ENTRY, justification="a different text"))
    if isinstance(failure, OSError):
        assert str(e.value) == (
            f"{NAME}: cannot write the entry (No space left on device); the old file is unchanged"
        )
    assert target.read_text() == TEXT
    assert os.listdir(target.parent) == [f"{SITE}.yaml"]


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_ssh_signature_verifies_and_tampering_breaks_it(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ada", "-f", str(key)], check=True
    )
    public = (tmp_path / "id_ed25519.pub").read_text().split()
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"ada@example.com {public[0]} {public[1]}\n")
    signed = sign_entry(ENTRY, key)
    assert signed.signature is not None
    assert signed.signature.startswith("-----BEGIN SSH SIGNATURE-----\n")
    text = entry_text(signed)
    assert text.startswith(TEXT + "signature: |\n  -----BEGIN SSH SIGNATURE-----\n")
    reloaded = parse_entry(text, NAME, expected_id=SITE)
    assert signature_problem(reloaded, signers) is None
    tampered = replace(reloaded, justification="something else")
    assert (signature_problem(tampered, signers) or "").startswith(
        "signature does not verify for ada@example.com"
    )
    stranger = replace(reloaded, reviewer="Eve <eve@example.com>")
    assert (signature_problem(stranger, signers) or "").startswith(
        "signature does not verify for eve@example.com"
    )
    assert signature_problem(ENTRY, signers) == "not signed"
