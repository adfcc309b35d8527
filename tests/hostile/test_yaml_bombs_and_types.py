"""YAML a pull request can write into a ledger entry or a checklist: bombs, tags, bad scalars.

Every case is a real file read by the real command and must end with exit 2 and one line naming
``file:line`` and what is wrong — never a traceback (exit 1 would read as "needs sign-off"),
never a long run or a large allocation, and nothing written.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from tests.checklist.files import VALID
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
    write_entry,
)
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.yaml_io import entry_text, parse_entry
from unsafe_audit.model import SiteKind

ONLY_PLAIN = "(only text, numbers, true/false, dates, lists and mappings)"
NO_ALIASES = (
    "YAML anchors and aliases (&name, *name) are not allowed in a ledger entry; "
    "write each value out"
)


def bomb(levels: int = 9) -> str:
    """The "billion laughs": ``levels`` anchors, each a list of nine aliases of the one before."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return released(tmp_path / "ext")


def entry_of(repo: GitRepo) -> tuple[str, str]:
    """The site id and the valid entry text of the unsafe block in ``a``."""
    site = site_of(repo, SiteKind.UNSAFE_BLOCK, "a")
    return site.id, entry_text(entry_for(site))


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def refused(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, site: str, text: str, message: str
) -> None:
    """Write ``text`` as the site's entry; ``check`` must fail with exit 2 and ``message``."""
    write_entry(repo, site, text)
    before = Tree(repo.path, repo.path / ".git")
    result = cli(capsys, "check", str(repo.path))
    assert (result.code, result.out) == (2, "")
    assert result.err == f"unsafe-audit: error: {LEDGER}/{site}.yaml:{message}\n"
    untouched(before)


# -- aliases -------------------------------------------------------------------------------------


def test_a_billion_laughs_entry_is_refused_fast_and_small(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site, text = entry_of(repo)
    hostile = bomb() + text.replace("justification: |\n  Reviewed.\n", "justification: *l8\n")
    assert len(hostile) < 2000
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(LedgerError) as e:
        parse_entry(hostile, "x.yaml")
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert str(e.value) == f"x.yaml:1: {NO_ALIASES}"
    assert elapsed < 1.0
    assert peak < 4 * 1024 * 1024  # the expansion would be 9**9 strings: gigabytes
    refused(capsys, repo, site, hostile, f"1: {NO_ALIASES}")


def test_a_billion_laughs_entry_stops_a_real_check_within_seconds(repo: GitRepo) -> None:
    site, text = entry_of(repo)
    write_entry(repo, site, bomb() + text.replace("  Reviewed.\n", "  Reviewed.\nx: *l8\n", 1))
    started = time.monotonic()
    result = spawn("check", ".", "--no-cache", cwd=repo.path, timeout=60)
    assert time.monotonic() - started < 30
    assert result.code == 2
    assert result.err == f"unsafe-audit: error: {LEDGER}/{site}.yaml:1: {NO_ALIASES}\n"


def test_a_recursive_alias_is_refused(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> None:
    site, text = entry_of(repo)
    hostile = text.replace("release: v0.1.0", "release: &r [*r]")
    refused(capsys, repo, site, hostile, f"{line_of(hostile, 'release')}: {NO_ALIASES}")


def test_even_one_harmless_alias_is_refused(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site, text = entry_of(repo)
    hostile = text.replace("release: v0.1.0", "release: &r v0.1.0").replace(
        "tool: unsafe-audit 0.1.0", "tool: *r"
    )
    refused(capsys, repo, site, hostile, f"{line_of(hostile, 'release')}: {NO_ALIASES}")


def test_a_billion_laughs_checklist_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(bomb() + VALID.lstrip("\n").replace("title: Team checks", "title: *l8"))
    started = time.monotonic()
    result = cli(capsys, "checklist", "--checklist", str(path))
    assert time.monotonic() - started < 5
    assert result.code == 2
    assert result.err == (
        f"unsafe-audit: error: {path}:1: YAML anchors and aliases (&name, *name) are not "
        "allowed in a checklist; write each value out\n"
    )


# -- scalars that do not convert -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("schema_version: 1", "schema_version: !!int abc", "'abc' is not a valid integer"),
        ("schema_version: 1", "schema_version: !!float abc", "'abc' is not a valid number"),
        (
            "reviewed_at: '2026-11-19T15:04:05Z'",
            "reviewed_at: !!timestamp 2026-02-30",
            "'2026-02-30' is not a valid date and time (day is out of range for month)",
        ),
        (
            "reviewed_at: '2026-11-19T15:04:05Z'",
            "reviewed_at: !!timestamp nope",
            "'nope' is not a valid date and time (not written in a form YAML accepts)",
        ),
        (
            "reviewed_at: '2026-11-19T15:04:05Z'",
            "reviewed_at: 2026-11-19T15:04:05+99:00",
            "'2026-11-19T15:04:05+99:00' is not a valid date and time (offset must be a "
            "timedelta strictly between -timedelta(hours=24) and timedelta(h…)",
        ),
        (
            "schema_version: 1",
            "schema_version: 1" + "0" * 5000,
            "the number '10000000000000000000…' is too long (over 32 chars)",
        ),
        (
            "schema_version: 1",
            "schema_version: " + "1:" * 100_000 + "1",  # sexagesimal: quadratic to convert
            "the number '1:1:1:1:1:1:1:1:1:1:…' is too long (over 32 chars)",
        ),
        (
            "schema_version: 1",
            "schema_version: !!int 0x" + "f" * 1000,
            "the number '0xffffffffffffffffff…' is too long (over 32 chars)",
        ),
    ],
    ids=["int", "float", "date", "not-a-date", "offset", "huge", "sexagesimal", "hex"],
)
def test_a_scalar_that_does_not_convert_is_named_with_its_line(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, old: str, new: str, message: str
) -> None:
    site, text = entry_of(repo)
    hostile = text.replace(old, new)
    assert hostile != text
    started = time.monotonic()
    key = new.split(":")[0] + ":"
    refused(capsys, repo, site, hostile, f"{line_of(hostile, key)}: {message}")
    assert time.monotonic() - started < 10


# -- tags ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!binary '@@@ not base64'", "!!binary"),
        ("!!python/object/apply:os.system ['touch pwned']", "!!python/object/apply:os.system"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!custom x", "!custom"),
        ("!!set {a, b}", "!!set"),
        ("!!omap [{a: 1}]", "!!omap"),
    ],
    ids=["binary", "python-apply", "python-name", "unknown", "set", "omap"],
)
def test_a_tag_outside_plain_data_is_refused_and_never_run(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, value: str, tag: str
) -> None:
    site, text = entry_of(repo)
    hostile = text.replace("release: v0.1.0", f"release: {value}")
    refused(
        capsys,
        repo,
        site,
        hostile,
        f"{line_of(hostile, 'release')}: the YAML tag {tag} is not allowed in a ledger entry "
        f"{ONLY_PLAIN}",
    )
    assert not (repo.path / "pwned").exists()
    assert not Path("pwned").exists()


def test_a_merge_key_is_refused(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> None:
    site, text = entry_of(repo)
    hostile = text.replace("release: v0.1.0", "<<: {release: v0.1.0}")
    refused(
        capsys,
        repo,
        site,
        hostile,
        f"{line_of(hostile, '<<')}: the YAML tag !!merge is not allowed in a ledger entry "
        f"{ONLY_PLAIN}",
    )


def test_a_surrogate_escape_is_invalid_yaml(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site, text = entry_of(repo)
    hostile = text.replace("release: v0.1.0", 'release: "v0.1.0\\udc85"')
    write_entry(repo, site, hostile)
    result = cli(capsys, "check", str(repo.path))
    assert result.code == 2
    assert result.err.startswith(
        f"unsafe-audit: error: {LEDGER}/{site}.yaml:{line_of(hostile, 'release')}: "
    )
    assert "\\udc85" not in result.err


# -- keys and shapes -----------------------------------------------------------------------------


def test_a_field_given_twice_is_refused_not_silently_overridden(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site, text = entry_of(repo)
    hostile = text + "justification: something the PR diff shows far below\n"
    first = line_of(hostile, "justification")
    refused(
        capsys,
        repo,
        site,
        hostile,
        f"{hostile.count(chr(10))}: key 'justification' is given twice in one mapping (first on "
        f"line {first}); YAML would keep only the last one",
    )


def test_an_answer_given_twice_is_refused(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site, text = entry_of(repo)
    hostile = text.replace(
        "  ctx-owner: {answer: pass}\n",
        "  ctx-owner: {answer: fail}\n  ctx-owner: {answer: pass}\n",
    )
    first = line_of(hostile, "  ctx-owner")
    refused(
        capsys,
        repo,
        site,
        hostile,
        f"{first + 1}: key 'ctx-owner' is given twice in one mapping (first on line {first}); "
        "YAML would keep only the last one",
    )


def test_a_key_that_is_a_list_is_refused(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> None:
    site, text = entry_of(repo)
    hostile = text.replace("release: v0.1.0", "? [a, b]\n: c")
    refused(
        capsys, repo, site, hostile, f"{line_of(hostile, '?')}: a mapping key must be a plain value"
    )


def test_deep_nesting_is_refused(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> None:
    site, text = entry_of(repo)
    hostile = text.replace("release: v0.1.0", "release: " + "[" * 900 + "]" * 900)
    refused(
        capsys,
        repo,
        site,
        hostile,
        f"{line_of(hostile, 'release')}: nested more than 32 levels deep, too deep for a ledger "
        "entry",
    )


def test_mixed_type_keys_in_an_answer_are_an_error_not_a_crash(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site, text = entry_of(repo)
    hostile = text.replace("ctx-owner: {answer: pass}", "ctx-owner: {answer: pass, 1: x, b: y}")
    refused(
        capsys,
        repo,
        site,
        hostile,
        f"{line_of(hostile, 'answers')}: answer for 'ctx-owner': unknown field '1'",
    )


@pytest.mark.parametrize(
    "text", ["", "# only a comment\n", "- a list\n", "just text\n", "---\n...\n"]
)
def test_an_entry_that_is_not_a_mapping_is_refused(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, text: str
) -> None:
    site, _ = entry_of(repo)
    refused(
        capsys,
        repo,
        site,
        text,
        "1: a ledger entry must be a YAML mapping with schema_version and site",
    )


def test_a_long_wrong_value_is_cut_short_in_the_message(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site, text = entry_of(repo)
    hostile = text.replace("release: v0.1.0", "release: [" + ", ".join(["x" * 50] * 2000) + "]")
    write_entry(repo, site, hostile)
    result = cli(capsys, "check", str(repo.path))
    assert result.code == 2
    assert result.err.startswith(
        f"unsafe-audit: error: {LEDGER}/{site}.yaml:{line_of(hostile, 'release')}: "
        "field 'release' must be non-empty text, not ['xxxx"
    )
    assert len(result.err) < 300


def test_sign_off_over_a_bomb_entry_leaves_it_as_it_was(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    site, text = entry_of(repo)
    hostile = bomb() + text.replace("justification: |\n  Reviewed.\n", "justification: *l8\n")
    target = write_entry(repo, site, hostile)
    result = cli(capsys, "sign-off", site, str(repo.path), "--all-pass", "--pattern", "own")
    assert result.code == 2
    assert result.err == f"unsafe-audit: error: {LEDGER}/{site}.yaml:1: {NO_ALIASES}\n"
    assert target.read_text() == hostile
    assert sorted(p.name for p in ledger_dir(repo).iterdir()) == [f"{site}.yaml"]


# -- checklists ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("version: 2", "version: !!int abc", "2: 'abc' is not a valid integer"),
        (
            "version: 2",
            "version: " + "9" * 40,
            "2: the number '99999999999999999999…' is too long (over 32 chars)",
        ),
        (
            "title: Team checks",
            "title: Team checks\nid: again",
            "4: key 'id' is given twice in one mapping (first on line 1); YAML would keep only "
            "the last one",
        ),
        (
            "title: Team checks",
            "title: !!binary aGVsbG8=",
            "3: the YAML tag !!binary is not allowed in a checklist " + ONLY_PLAIN,
        ),
    ],
    ids=["bad-int", "huge-int", "duplicate-key", "binary"],
)
def test_a_checklist_with_bad_yaml_names_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(VALID.lstrip("\n").replace(old, new))
    result = cli(capsys, "checklist", "--checklist", str(path))
    assert result.code == 2
    assert result.err == f"unsafe-audit: error: {path}:{message}\n"
