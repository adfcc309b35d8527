"""The PostgreSQL majors read from Cargo.toml features: a crate, a workspace, and hostile text."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from unsafe_audit.cargo_features import (
    MANIFEST_BYTES,
    MAX_MANIFESTS,
    crate_majors,
    manifest_majors,
)

PG_CACHE = b"""\
[package]
name = "pg_cache"

[features]
default = ["pg17"]
pg16 = ["pgrx/pg16", "pgrx-tests/pg16"]
pg17 = ["pgrx/pg17", "pgrx-tests/pg17"]
pg_test = []
"""


def test_a_crate_builds_for_the_majors_its_features_name() -> None:
    assert manifest_majors(PG_CACHE) == (16, 17)
    assert manifest_majors(PG_CACHE + b'pg13 = ["pgrx/pg13"]\npg18 = []\n') == (13, 16, 17, 18)


@pytest.mark.parametrize(
    "text",
    [
        None,  # no manifest
        b"",
        b"[package]\nname = 'x'\n",  # no features
        b"features = 3\n",  # features not a table
        b"[features]\npg = []\npg1 = []\npg123 = []\npg_16 = []\nPG16 = []\npg09 = []\n",
        b"[features\npg16 = []\n",  # not TOML
        b"[features]\npg16 = []\npg16 = []\n",  # a duplicate key is not TOML either
        b"\xff\xfe[features]\npg16 = []\n",  # not UTF-8
        b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n[features]\npg16 = []\n",
        b"[features]\npg16 = []\n#" + b"x" * MANIFEST_BYTES,  # over the cap
    ],
)
def test_odd_or_hostile_manifests_name_no_major(text: bytes | None) -> None:
    assert manifest_majors(text) == ()


def _side(files: dict[str, bytes]) -> tuple[Callable[[str], bytes | None], list[str]]:
    asked: list[str] = []

    def read(path: str) -> bytes | None:
        asked.append(path)
        return files.get(path)

    return read, asked


def _listing(files: dict[str, bytes]) -> Callable[[], Iterable[str]]:
    return lambda: [p for p in files if p.endswith("Cargo.toml")]


def test_a_workspace_adds_its_members_majors_but_not_excluded_or_unlisted_ones() -> None:
    files = {
        "Cargo.toml": b'[workspace]\nmembers = ["crates/*", "tools/gen"]\n'
        b'exclude = ["crates/old"]\n',
        "crates/a/Cargo.toml": b"[features]\npg15 = []\n",
        "crates/b/Cargo.toml": b"[features]\npg18 = []\n",
        "crates/old/Cargo.toml": b"[features]\npg13 = []\n",  # excluded
        "crates/a/nested/Cargo.toml": b"[features]\npg14 = []\n",  # not matched by crates/*
        "tools/gen/Cargo.toml": b"[features]\npg16 = []\n",
        "other/Cargo.toml": b"[features]\npg17 = []\n",  # not a member
    }
    read, asked = _side(files)
    assert crate_majors(read, "", _listing(files)) == (15, 16, 18)
    assert sorted(asked) == [
        "Cargo.toml",
        "crates/a/Cargo.toml",
        "crates/b/Cargo.toml",
        "tools/gen/Cargo.toml",
    ]


def test_a_crate_inside_a_workspace_is_read_at_its_prefix_and_lists_nothing() -> None:
    files = {"crates/a/Cargo.toml": b"[features]\npg15 = []\npg16 = []\n"}
    listed: list[bool] = []

    def listing() -> list[str]:
        listed.append(True)
        return list(files)

    read, _ = _side(files)
    assert crate_majors(read, "crates/a/", listing) == (15, 16)
    assert listed == []  # not a workspace: the side's manifests are never listed
    assert crate_majors(read, "crates/b/", listing) == ()


def test_with_no_manifest_at_the_scanned_directory_every_manifest_under_it_counts() -> None:
    files = {
        "ext/Cargo.toml": b"[features]\npg15 = []\npg16 = []\n",
        "ext/deep/er/Cargo.toml": b"[features]\npg18 = []\n",
        "other/Cargo.toml": b"[features]\npg13 = []\n",
    }
    read, _ = _side(files)
    assert crate_majors(read, "", _listing(files)) == (13, 15, 16, 18)
    assert crate_majors(read, "ext/deep/", _listing(files)) == (18,)
    assert crate_majors(read, "none/", _listing(files)) == ()


def test_at_most_max_manifests_members_are_read() -> None:
    files = {"Cargo.toml": b'[workspace]\nmembers = ["m*"]\n'}
    for i in range(MAX_MANIFESTS + 5):
        files[f"m{i:03d}/Cargo.toml"] = b"[features]\npg%d = []\n" % (10 + i % 80)
    read, asked = _side(files)
    crate_majors(read, "", _listing(files))
    assert len(asked) == 1 + MAX_MANIFESTS
