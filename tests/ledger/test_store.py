"""The ledger directory: deterministic atomic saves, path safety, and files never overwritten."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from tests.ledger.example import ENTRY, NAME, SITE, TEXT
from tests.ledger.files import ledger_file, load_error
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.store import GuardedLedger, Ledger, LedgerChangedError, read_entry


def test_saving_twice_writes_the_same_bytes_and_leaves_no_temp_file(tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path)
    path = ledger.save(ENTRY)
    first = path.read_bytes()
    Ledger.load(tmp_path).save(ENTRY)
    assert path.read_bytes() == first == TEXT.encode()
    assert os.listdir(path.parent) == [f"{SITE}.yaml"]
    assert Ledger.load(tmp_path).entries == {SITE: ENTRY}


def test_conflict_markers_name_file_and_line_and_the_file_is_never_overwritten(
    tmp_path: Path,
) -> None:
    text = TEXT.replace(
        "release: v0.3.0\n", "<<<<<<< HEAD\nrelease: v0.3.0\n=======\nrelease: v0.3.1\n>>>>>>> b\n"
    )
    target = ledger_file(tmp_path, text)
    assert load_error(tmp_path) == (
        f"{NAME}:7: merge-conflict marker in a ledger entry; resolve the conflict by hand "
        "(keep one reviewer's version), then run `unsafe-audit check` again"
    )
    ledger = Ledger(target.parent, {}, ".unsafe-audit/ledger")
    with pytest.raises(LedgerError) as e:
        ledger.save(ENTRY)
    assert str(e.value).startswith(f"{NAME}:7: merge-conflict marker")
    assert target.read_text() == text


def test_a_yaml_file_not_named_by_a_site_id_is_an_error(tmp_path: Path) -> None:
    ledger_file(tmp_path, TEXT, name="notes.yaml")
    assert load_error(tmp_path).startswith(".unsafe-audit/ledger/notes.yaml:1: not a ledger")


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

    monkeypatch.setattr("unsafe_audit.atomic.tempfile.mkstemp", refuse)
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

    monkeypatch.setattr("unsafe_audit.atomic.os.replace", fail)
    expected = LedgerError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as e:
        ledger.save(replace(ENTRY, justification="a different text"))
    if isinstance(failure, OSError):
        assert str(e.value) == (
            f"{NAME}: cannot write the entry (No space left on device); the old file is unchanged"
        )
    assert target.read_text() == TEXT
    assert os.listdir(target.parent) == [f"{SITE}.yaml"]


def test_guarded_ledger_refuses_to_overwrite_an_entry_written_since_it_was_opened(
    tmp_path: Path,
) -> None:
    guarded = GuardedLedger(Ledger.load(tmp_path), tmp_path)
    assert guarded.where(SITE) == NAME
    other = replace(ENTRY, reviewer="Otto <otto@example.com>")
    target = Ledger.load(tmp_path).save(other)  # another review signs off the same site
    with pytest.raises(LedgerChangedError) as e:
        guarded.write(ENTRY)
    assert str(e.value) == (
        f"{NAME} was written by another process since this review started; it was not "
        "overwritten and your answers are kept as a draft. Quit and run `unsafe-audit review` "
        "again to see both."
    )
    assert read_entry(target, NAME).reviewer == "Otto <otto@example.com>"


def test_guarded_ledger_may_rewrite_what_it_wrote_itself(tmp_path: Path) -> None:
    guarded = GuardedLedger(Ledger.load(tmp_path), tmp_path)
    guarded.write(ENTRY)
    target = guarded.write(replace(ENTRY, justification="Copied before the reset."))
    assert read_entry(target, NAME).justification == "Copied before the reset."
    assert os.listdir(target.parent) == [f"{SITE}.yaml"]
