"""Scans big enough to run in worker processes give exactly what a one-process scan gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from unsafe_audit.scan import ScanOptions, scan_path
from unsafe_audit.scan.workers import PARALLEL_MIN_BYTES, TASK_BYTES, Extraction

UNIT = """\
use pgrx::pg_sys;

// SAFETY: the caller holds a valid memory context.
pub unsafe fn alloc_{n}(size: usize) -> *mut u8 {{
    pg_sys::palloc(size) as *mut u8
}}

pub fn pid_{n}() -> i32 {{
    unsafe {{ pg_sys::MyProcPid }}
}}
"""
"""Four sites."""
TREE_UNIT = UNIT + "// " + " ".join(f"w{i * 37 % 1000:03}" for i in range(160)) + "\n"
"""Four sites and an 800-byte comment: the tree must be large enough in bytes to go to the
workers, and each site costs time to extract where a comment line costs next to none."""
BIG_UNITS = 320
SMALL_UNITS = 2


def _write_tree(root: Path) -> int:
    """One large file (a task of its own), many small ones (grouped), one with no site."""
    (root / "src").mkdir(parents=True)
    big = "".join(TREE_UNIT.format(n=i) for i in range(BIG_UNITS))
    (root / "src" / "big.rs").write_text(big, encoding="utf-8")
    for i in range(120):
        (root / "src" / f"small_{i:03}.rs").write_text(
            TREE_UNIT.format(n=i) * SMALL_UNITS, encoding="utf-8"
        )
    (root / "src" / "plain.rs").write_text("pub fn nothing() {}\n", encoding="utf-8")
    return sum(p.stat().st_size for p in (root / "src").iterdir())


def test_the_tree_is_large_enough_to_fork_and_to_split(tmp_path: Path) -> None:
    size = _write_tree(tmp_path / "crate")
    assert size > PARALLEL_MIN_BYTES
    assert (tmp_path / "crate" / "src" / "big.rs").stat().st_size > TASK_BYTES


def test_two_workers_find_exactly_what_one_process_finds(tmp_path: Path) -> None:
    root = tmp_path / "crate"
    _write_tree(root)
    one = scan_path(root, None, ScanOptions(use_cache=False, jobs=1))
    two = scan_path(root, None, ScanOptions(use_cache=False, jobs=2))

    assert len(one.sites) == 4 * (BIG_UNITS + 120 * SMALL_UNITS)  # 4 sites per unit
    assert two.sites == one.sites
    assert (two.files_scanned, two.files_skipped) == (one.files_scanned, one.files_skipped)


def test_progress_reaches_every_file_with_workers(tmp_path: Path) -> None:
    root = tmp_path / "crate"
    _write_tree(root)
    seen: list[tuple[int, int]] = []
    scan_path(
        root,
        None,
        ScanOptions(use_cache=False, jobs=2, progress=lambda d, t: seen.append((d, t))),
    )
    assert seen[-1] == (122, 122)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_results_arrive_for_every_submitted_file(tmp_path: Path) -> None:
    del tmp_path
    extraction = Extraction(jobs=2, expected_bytes=PARALLEL_MIN_BYTES)
    big = UNIT.format(n=0).encode() * 800
    small = UNIT.format(n=1).encode()
    extraction.submit("k-big", "src/big.rs", big)
    for i in range(5):
        extraction.submit(f"k{i}", f"src/s{i}.rs", small)
    # The same path under two tags (two revisions of one file) comes back twice.
    extraction.submit("k-other", "src/s0.rs", small + small)
    got = {tag: (r.path, len(r.sites)) for tag, r, _ in extraction.results()}

    assert got == {
        "k-big": ("src/big.rs", 4 * 800),
        **{f"k{i}": (f"src/s{i}.rs", 4) for i in range(5)},
        "k-other": ("src/s0.rs", 8),
    }


@pytest.mark.parametrize("jobs", [1, 2])
def test_extraction_with_nothing_submitted_yields_nothing(jobs: int) -> None:
    assert list(Extraction(jobs=jobs, expected_bytes=10**7).results()) == []
