"""The per-file result cache, seen through ``unsafe-audit scan``: reuse, invalidation, opting out,
and a cache that is corrupt or cannot be written never changing a scan's results."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import unsafe_audit.extract as extract_module
from unsafe_audit.cli import main
from unsafe_audit.extract import extract_file
from unsafe_audit.extract.pg_sys_names import TABLE_PATH
from unsafe_audit.extract.query_files import query_files
from unsafe_audit.model import FileResult, ScanResult
from unsafe_audit.scan import ScanOptions, Source, extractor_salt, scan_sources
from unsafe_audit.scan.cache import EXTRACTOR_VERSION, decode, encode

LIB_RS = """\
use pgrx::pg_sys;
use pgrx::prelude::*;

#[pg_extern]
fn backend_pid() -> i32 {
    // SAFETY: MyProcPid is set before any extension code runs.
    unsafe { pg_sys::MyProcPid }
}
"""
MEMORY_RS = """\
use pgrx::pg_sys;

/// # Safety
/// Call inside a memory context that outlives the returned pointer.
pub unsafe fn raw_palloc(size: usize) -> *mut u8 {
    pg_sys::palloc(size) as *mut u8
}
"""
MEMORY_RS_EDITED = """\
use pgrx::pg_sys;

pub fn zeroed(size: usize) -> *mut u8 {
    // SAFETY: palloc0 either returns zeroed memory or raises an ERROR.
    unsafe { pg_sys::palloc0(size) as *mut u8 }
}
"""
SITES = [
    ("unsafe_block", "src/lib.rs", 7),
    ("pg_sys_static", "src/lib.rs", 7),
    ("unsafe_fn", "src/memory.rs", 5),
    ("pg_sys_call", "src/memory.rs", 6),
]
EDITED_SITES = [
    ("unsafe_block", "src/lib.rs", 7),
    ("pg_sys_static", "src/lib.rs", 7),
    ("unsafe_block", "src/memory.rs", 5),
    ("pg_sys_call", "src/memory.rs", 5),
]


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def crate(tmp_path: Path) -> Path:
    root = tmp_path / "crate"
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text(LIB_RS, encoding="utf-8")
    (root / "src" / "memory.rs").write_text(MEMORY_RS, encoding="utf-8")
    return root


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["scan", "--format", "json", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    doc: dict[str, Any] = json.loads(out)
    return doc


def rows(doc: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(s["kind"], s["path"], s["line"]) for s in doc["sites"]]


def db_files(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "unsafe-audit").glob("*.sqlite"))


@pytest.fixture
def extracted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the files the scan really parsed (cache misses), in order."""
    seen: list[str] = []
    real: Callable[[str, bytes], FileResult] = extract_file

    def recording(path: str, source: bytes) -> FileResult:
        seen.append(path)
        return real(path, source)

    # scan imports extract_file from this module when it has files to parse.
    monkeypatch.setattr(extract_module, "extract_file", recording)
    return seen


def test_second_scan_reuses_the_cache_and_returns_identical_results(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path, extracted: list[str]
) -> None:
    first = scan_json(capsys, str(crate))
    parsed_first = list(extracted)
    extracted.clear()
    second = scan_json(capsys, str(crate))

    assert rows(first) == SITES
    assert second == first
    assert sorted(parsed_first) == ["src/lib.rs", "src/memory.rs"]
    assert extracted == []


def test_cache_database_lives_under_xdg_cache_home(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path
) -> None:
    scan_json(capsys, str(crate))

    assert [p.name for p in db_files(cache_home)] == [f"scan-v{EXTRACTOR_VERSION}.sqlite"]
    with sqlite3.connect(db_files(cache_home)[0]) as db:
        (count,) = db.execute("SELECT count(*) FROM results").fetchone()
    assert count == 2


def test_editing_a_file_invalidates_only_its_entry(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path, extracted: list[str]
) -> None:
    scan_json(capsys, str(crate))
    (crate / "src" / "memory.rs").write_text(MEMORY_RS_EDITED, encoding="utf-8")
    extracted.clear()

    doc = scan_json(capsys, str(crate))

    assert extracted == ["src/memory.rs"]
    assert rows(doc) == EDITED_SITES
    assert doc["sites"][3]["name"] == "palloc0"
    assert doc["sites"][2]["safety_comment"] == (
        "palloc0 either returns zeroed memory or raises an ERROR."
    )


def test_no_cache_writes_nothing_and_reads_nothing(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path, extracted: list[str]
) -> None:
    doc = scan_json(capsys, "--no-cache", str(crate))
    assert rows(doc) == SITES
    assert not cache_home.exists()

    scan_json(capsys, str(crate))  # fill the cache
    extracted.clear()
    again = scan_json(capsys, "--no-cache", str(crate))

    assert again == doc
    assert sorted(extracted) == ["src/lib.rs", "src/memory.rs"]


def test_cache_file_full_of_garbage_does_not_change_results(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path
) -> None:
    clean = scan_json(capsys, "--no-cache", str(crate))
    scan_json(capsys, str(crate))
    db_files(cache_home)[0].write_bytes(b"\x8b\x1f not a database \x00\xff" * 512)

    assert scan_json(capsys, str(crate)) == clean
    assert scan_json(capsys, str(crate)) == clean


def test_cache_file_with_damaged_pages_does_not_change_results(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path
) -> None:
    clean = scan_json(capsys, "--no-cache", str(crate))
    scan_json(capsys, str(crate))
    db = db_files(cache_home)[0]
    data = bytearray(db.read_bytes())
    data[100:] = b"\xab" * (len(data) - 100)  # keep the SQLite header, wreck every page
    db.write_bytes(bytes(data))

    assert scan_json(capsys, str(crate)) == clean


def test_cache_entry_that_is_not_valid_json_does_not_break_the_scan(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path
) -> None:
    # A valid database holding a damaged value (a crash mid-write by an older version, a disk
    # error, a hand edit): the scan must ignore the entry and parse the file again.
    clean = scan_json(capsys, "--no-cache", str(crate))
    scan_json(capsys, str(crate))
    with sqlite3.connect(db_files(cache_home)[0]) as db:
        db.execute("UPDATE results SET data = 'garbage'")
    db.close()

    assert scan_json(capsys, str(crate)) == clean


def test_cache_entry_with_the_wrong_shape_does_not_break_the_scan(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path
) -> None:
    clean = scan_json(capsys, "--no-cache", str(crate))
    scan_json(capsys, str(crate))
    with sqlite3.connect(db_files(cache_home)[0]) as db:
        db.execute("""UPDATE results SET data = '{"sites": [[1]], "warnings": []}'""")
    db.close()

    assert scan_json(capsys, str(crate)) == clean


def _really_read_only(directory: Path) -> bool:
    probe = directory / "probe"
    try:
        probe.write_bytes(b"")
    except PermissionError:
        return True
    probe.unlink()
    return False


def test_read_only_cache_directory_does_not_break_the_scan(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path
) -> None:
    scan_json(capsys, str(crate))  # a cache database exists
    (crate / "src" / "memory.rs").write_text(MEMORY_RS_EDITED, encoding="utf-8")
    cache_dir = cache_home / "unsafe-audit"
    db = db_files(cache_home)[0]
    db.chmod(stat.S_IRUSR)
    cache_dir.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        read_only = _really_read_only(cache_dir)
        before = db.read_bytes()
        doc = scan_json(capsys, str(crate))
        after = db.read_bytes()
    finally:
        cache_dir.chmod(0o755)
        db.chmod(0o644)

    assert rows(doc) == EDITED_SITES
    if read_only:  # as root the permission bits are not enforced; the results must still hold
        assert after == before


def test_read_only_cache_home_without_a_database_does_not_break_the_scan(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path
) -> None:
    cache_home.mkdir()
    cache_home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        doc = scan_json(capsys, str(crate))
    finally:
        cache_home.chmod(0o755)

    assert rows(doc) == SITES


def test_cache_location_blocked_by_a_file_does_not_break_the_scan(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path
) -> None:
    # Unlike permission bits, this stops root too: the cache directory cannot be created.
    cache_home.mkdir()
    (cache_home / "unsafe-audit").write_text("not a directory\n", encoding="utf-8")

    doc = scan_json(capsys, str(crate))

    assert rows(doc) == SITES
    assert (cache_home / "unsafe-audit").read_text(encoding="utf-8") == "not a directory\n"


# -- the stat index: files on disk unchanged since the last scan are not read again ----------------

AN_HOUR_AGO = time.time() - 3600


def _age(*files: Path) -> None:
    for f in files:
        os.utime(f, (AN_HOUR_AGO, AN_HOUR_AGO))


def _counting_sources(root: Path, names: list[str], reads: list[str]) -> list[Source]:
    def reader(name: str) -> Callable[[], bytes]:
        def read() -> bytes:
            reads.append(name)
            return (root / name).read_bytes()

        return read

    return [Source(name, reader(name), file=root / name) for name in names]


def _scan(root: Path, names: list[str], reads: list[str], cache_home: Path) -> ScanResult:
    options = ScanOptions(cache_dir=cache_home / "unsafe-audit")
    return scan_sources(str(root), None, _counting_sources(root, names, reads), options)


NAMES = ["src/lib.rs", "src/memory.rs"]


def test_unchanged_file_is_answered_from_its_stat_without_being_read(
    cache_home: Path, crate: Path
) -> None:
    _age(crate / "src" / "lib.rs", crate / "src" / "memory.rs")
    first_reads: list[str] = []
    first = _scan(crate, NAMES, first_reads, cache_home)
    second_reads: list[str] = []
    second = _scan(crate, NAMES, second_reads, cache_home)

    assert sorted(first_reads) == NAMES
    assert second_reads == []
    assert second.sites == first.sites
    assert [(s.kind.value, s.path, s.line) for s in second.sites] == SITES


def test_file_modified_just_before_it_was_read_is_read_again_next_time(
    cache_home: Path, crate: Path
) -> None:
    # lib.rs was written a moment ago: a write in the same timestamp tick could go unseen by
    # stat, so its recorded identity is not trusted (git calls this "racily clean").
    _age(crate / "src" / "memory.rs")
    _scan(crate, NAMES, [], cache_home)
    reads: list[str] = []
    _scan(crate, NAMES, reads, cache_home)

    assert reads == ["src/lib.rs"]


def test_same_size_edit_with_the_old_mtime_put_back_is_still_seen(
    capsys: pytest.CaptureFixture[str], cache_home: Path, crate: Path
) -> None:
    memory = crate / "src" / "memory.rs"
    _age(memory)
    first = scan_json(capsys, str(crate))
    edited = MEMORY_RS.replace("raw_palloc", "raw_pallox")
    assert len(edited) == len(MEMORY_RS)
    memory.write_text(edited, encoding="utf-8")
    _age(memory)  # size and mtime as before; only ctime (which utime cannot set) tells
    second = scan_json(capsys, str(crate))

    assert rows(second) == rows(first)
    assert {s["item"] for s in first["sites"]} == {"backend_pid", "memory::raw_palloc"}
    assert {s["item"] for s in second["sites"]} == {"backend_pid", "memory::raw_pallox"}


def test_stat_index_is_not_used_with_no_cache(cache_home: Path, crate: Path) -> None:
    _age(crate / "src" / "lib.rs", crate / "src" / "memory.rs")
    _scan(crate, NAMES, [], cache_home)
    reads: list[str] = []
    options = ScanOptions(use_cache=False)
    scan_sources(str(crate), None, _counting_sources(crate, NAMES, reads), options)

    assert sorted(reads) == NAMES


def test_warm_scan_never_loads_the_parser(cache_home: Path, crate: Path) -> None:
    code = (
        "import sys\n"
        "from unsafe_audit.cli import main\n"
        f"main(['scan', '--format', 'json', {str(crate)!r}])\n"
        "print('tree_sitter' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        for _ in range(2)
    ]
    assert runs[0].stderr.strip() == "True"  # the cold scan parsed
    assert runs[1].stderr.strip() == "False"
    assert runs[1].stdout == runs[0].stdout


def test_the_cache_salt_follows_the_names_table_and_every_query_file(tmp_path: Path) -> None:
    table = tmp_path / "names.tsv"
    shutil.copy(TABLE_PATH, table)
    queries = []
    for scm in query_files():
        queries.append(tmp_path / scm.name)
        shutil.copy(scm, queries[-1])
    before = extractor_salt(table, queries)
    assert extractor_salt(table, queries) == before

    queries[-1].write_text(queries[-1].read_text() + "\n(identifier) @extra\n")
    edited_query = extractor_salt(table, queries)
    table.write_bytes(table.read_bytes() + b"f\tnew_function\n")
    edited_table = extractor_salt(table, queries)

    assert len({before, edited_query, edited_table}) == 3


def test_edition_2024_facts_survive_the_cache_encoding() -> None:
    source = (
        b'#[no_mangle]\npub extern "C" fn f() {}\n'
        b'#[unsafe(export_name = "g")]\npub extern "C" fn g() {}\n'
        b"pub unsafe fn read(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n"
    )
    result = extract_file("src/lib.rs", source)
    facts = [(s.kind.value, s.wrapped_attribute, s.whole_fn_body) for s in result.sites]
    assert facts == [
        ("extern_fn", None, False),
        ("unsafe_attribute", 'export_name="g"', False),
        ("extern_fn", None, False),
        ("unsafe_fn", None, False),
        ("unsafe_block", None, True),
    ]
    assert [a.attribute for a in result.plain_attributes] == ["no_mangle"]
    assert decode("src/lib.rs", encode(result)) == result
