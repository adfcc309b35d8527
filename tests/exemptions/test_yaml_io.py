"""The exemptions file: its exact text, reading it back, and every way a hostile one fails
(file:line errors, never a traceback), plus path safety and the compare-and-swap write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.exemptions.sites import site_id
from unsafe_audit.exemptions.model import Exemption, Exemptions
from unsafe_audit.exemptions.yaml_io import (
    HEADER,
    ExemptionsError,
    ExemptionsFile,
    exemptions_text,
    parse_exemptions,
)
from unsafe_audit.model import SiteKind

NAME = ".unsafe-audit/exemptions.yaml"


def entries(*items: tuple[int, str, str]) -> Exemptions:
    return Exemptions(exists=True).with_entries(
        Exemption(site_id(n), SiteKind.PG_SYS_CALL, path, release) for n, path, release in items
    )


def test_one_sorted_line_per_site_and_nothing_else_that_changes() -> None:
    text = exemptions_text(
        entries(
            (0xAB, "src/c.rs", "v0.12.5"), (2, "src/b.rs", "v0.12.5"), (1, "src/a.rs", "v0.12.5")
        )
    )
    assert text == HEADER + (
        "schema_version: 1\n"
        "exemptions:\n"
        '- {site: "0000000000000001", kind: pg_sys_call, path: src/a.rs, release: v0.12.5}\n'
        '- {site: "0000000000000002", kind: pg_sys_call, path: src/b.rs, release: v0.12.5}\n'
        "- {site: 00000000000000ab, kind: pg_sys_call, path: src/c.rs, release: v0.12.5}\n"
    )
    assert exemptions_text(Exemptions()).endswith("schema_version: 1\nexemptions: []\n")
    assert parse_exemptions(exemptions_text(Exemptions())) == {}


@pytest.mark.parametrize(
    ("path", "written"),
    [
        ("src/yes", "src/yes"),
        ("yes", '"yes"'),
        ("1.5", '"1.5"'),
        ("src/a b.rs", "src/a b.rs"),
        ("src/a.rs ", '"src/a.rs "'),
        ("src/x\n- {site: 0000000000000009}.rs", '"src/x\\x0a- {site: 0000000000000009}.rs"'),
        ('src/"q"\\.rs', '"src/\\"q\\"\\\\.rs"'),
        ("src/caf\u00e9\u202e.rs", '"src/caf\\xe9\\u202e.rs"'),
        ("src/\U0001f600: #x.rs", '"src/\\U0001f600: #x.rs"'),
    ],
)
def test_any_path_stays_on_one_ascii_line_and_reads_back_as_written(
    path: str, written: str
) -> None:
    text = exemptions_text(entries((1, path, "working tree of v1.0-2-gabc")))
    line = text.splitlines()[-1]
    assert line == (
        f'- {{site: "0000000000000001", kind: pg_sys_call, path: {written}, '
        "release: working tree of v1.0-2-gabc}"
    )
    assert text.isascii()
    (read,) = parse_exemptions(text).values()
    assert (read.path, read.release, read.line) == (path, "working tree of v1.0-2-gabc", 7)


def test_a_file_name_that_was_not_utf8_is_kept_as_its_bytes_in_words() -> None:
    text = exemptions_text(entries((1, "src/\udce9.rs", "v1")))
    (read,) = parse_exemptions(text).values()
    assert read.path == "src/\\xe9.rs"


def body(*lines: str) -> str:
    return "schema_version: 1\nexemptions:\n" + "".join(line + "\n" for line in lines)


GOOD = '- {site: "0000000000000001", kind: unsafe_block, path: src/a.rs, release: v1}'


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            body(GOOD, "<<<<<<< HEAD", GOOD.replace("01,", "02,"), "=======", ">>>>>>> b"),
            "4: merge-conflict marker in the exemptions file; keep only the lines both sides "
            "kept (exemptions only shrink), then run the command again",
        ),
        (body(GOOD, GOOD), "4: site 0000000000000001 is exempted twice (first on line 3)"),
        (
            body(GOOD.replace('"0000000000000001"', "0000000000000001")),
            "3: 'site' must be a site id of 16 lowercase hex digits, not 1",
        ),
        (
            body(GOOD.replace("unsafe_block", "unsafe_thing")),
            "3: unknown site kind 'unsafe_thing'",
        ),
        (
            body(GOOD.replace("0000000000000001", "00000000000000G1")),
            "3: 'site' must be a site id of 16 lowercase hex digits, not '00000000000000G1'",
        ),
        (
            body(GOOD.replace(", release: v1", "")),
            "3: an exemption needs site, kind, path, release; 'release' is missing",
        ),
        (
            body(GOOD.replace("}", ", note: trust me}")),
            "3: unknown field 'note' (expected: site, kind, path, release)",
        ),
        (
            body(GOOD.replace("path: src/a.rs", "path: 12")),
            "3: 'path' must be non-empty text, not 12",
        ),
        (
            body("- just a string"),
            "3: an exemption must be a mapping {site, kind, path, release}, "
            "not a str ('just a string')",
        ),
        (
            "schema_version: 2\nexemptions: []\n",
            "1: unknown schema_version 2 (this unsafe-audit "
            "reads 1); upgrade unsafe-audit to read this file",
        ),
        ("exemptions: []\n", "1: missing schema_version"),
        (
            "schema_version: 1\nexemptions: []\ncounts: 3\n",
            "3: unknown key 'counts' (expected schema_version, exemptions)",
        ),
        (
            "schema_version: 1\nexemptions: {a: 1}\n",
            "2: 'exemptions' must be a list, not a mapping",
        ),
        (
            "- a\n- b\n",
            "1: the exemptions file must be a mapping with schema_version and "
            "exemptions, not a list",
        ),
        (
            body("- &a " + GOOD[2:], "- *a"),
            "3: YAML anchors and aliases (&name, *name) are not "
            "allowed in the exemptions file; write each value out",
        ),
        (
            body("- !!python/object:os.system {}"),
            "3: the YAML tag !!python/object:os.system is "
            "not allowed in the exemptions file (only text, numbers, true/false, dates, lists and "
            "mappings)",
        ),
    ],
)
def test_a_bad_file_is_an_error_with_its_line(text: str, error: str) -> None:
    with pytest.raises(ExemptionsError) as e:
        parse_exemptions(text, NAME)
    assert str(e.value) == f"{NAME}:{error}"


def test_load_and_save_round_trip_in_a_work_tree(tmp_path: Path) -> None:
    absent = ExemptionsFile.load(tmp_path)
    assert (absent.exemptions.exists, len(absent.exemptions), absent.digest) == (False, 0, None)
    absent.save(entries((1, "src/a.rs", "v1")))
    target = tmp_path / NAME
    assert target.read_text().endswith(GOOD.replace("unsafe_block", "pg_sys_call") + "\n")
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    again = ExemptionsFile.load(tmp_path)
    assert again.exemptions.exists and list(again.exemptions.by_site) == [site_id(1)]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    first = ExemptionsFile.load(tmp_path)
    second = ExemptionsFile.load(tmp_path)
    first.save(entries((1, "src/a.rs", "v1")))
    with pytest.raises(ExemptionsError) as e:
        second.save(entries((2, "src/b.rs", "v1")))
    assert str(e.value) == (
        f"{NAME} was changed by another process after this one read it; nothing was written; "
        "run the command again"
    )
    assert "0000000000000002" not in (tmp_path / NAME).read_text()


def test_a_leftover_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    leftover = tmp_path / ".unsafe-audit" / ".exemptions.yaml.abcd1234.tmp"
    other = tmp_path / ".unsafe-audit" / ".other.yaml.abcd1234.tmp"
    leftover.parent.mkdir()
    leftover.write_text("half")
    other.write_text("not ours")
    ExemptionsFile.load(tmp_path).save(entries((1, "src/a.rs", "v1")))
    assert not leftover.exists() and other.exists()


@pytest.mark.parametrize(
    ("relative", "error"),
    [
        ("../outside.yaml", "which is not inside the repository"),
        ("/etc/passwd", "which is not inside the repository"),
        (".git/exemptions.yaml", "inside the git directory"),
        (".unsafe-audit/..", "does not name a file"),
    ],
)
def test_a_file_outside_the_work_tree_is_refused(tmp_path: Path, relative: str, error: str) -> None:
    (tmp_path / ".git").mkdir()
    with pytest.raises(ExemptionsError) as e:
        ExemptionsFile.load(tmp_path, relative, git_dirs=(tmp_path / ".git",))
    assert error in str(e.value)


def test_a_symlink_fifo_or_huge_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / NAME
    target.parent.mkdir()
    (tmp_path / "real.yaml").write_text(body(GOOD))
    target.symlink_to(tmp_path / "real.yaml")
    with pytest.raises(ExemptionsError) as e:
        ExemptionsFile.load(tmp_path)
    assert str(e.value).startswith(f"{NAME}: is a symbolic link")
    target.unlink()
    os.mkfifo(target)
    with pytest.raises(ExemptionsError) as e:
        ExemptionsFile.load(tmp_path)
    assert "FIFO" in str(e.value)
    target.unlink()
    target.write_bytes(b"schema_version: 1\nexemptions:\n- \xff\n")
    with pytest.raises(ExemptionsError) as e:
        ExemptionsFile.load(tmp_path)
    assert str(e.value) == f"{NAME}:3: not UTF-8 text (byte 32)"


def test_a_directory_symlinked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".unsafe-audit").symlink_to(outside)
    with pytest.raises(ExemptionsError) as e:
        ExemptionsFile.load(repo)
    assert "which is not inside the repository" in str(e.value)
