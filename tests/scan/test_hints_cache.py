"""Hints computed in the scan, over the parse that found the sites, and cached with them: a warm
scan that asks for hints parses nothing, a result cached without hints is parsed again when they
are wanted, the key follows the rule set, and a file the two sides of a comparison share is
parsed once."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

import unsafe_audit.extract as extract_module
from tests.gitrepo import GitRepo, isolate_git_config
from unsafe_audit.compare import compare
from unsafe_audit.extract.parsed import ParsedSource
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.registry import ALL_RULES, rule_set_salt
from unsafe_audit.hints.rule import HintContext
from unsafe_audit.hints.salt import files_salt, rule_files
from unsafe_audit.model import FileResult, ScanResult
from unsafe_audit.scan import ScanOptions, scan_path
from unsafe_audit.scan import _salt as scan_salt
from unsafe_audit.scan.memo import DECODED

READ_RS = """\
fn read(p: *const u8) -> u8 {
    unsafe { *p }
}
"""
PLAIN_RS = "pub fn add(a: u8, b: u8) -> u8 { a + b }\n"
READ_HINTS = [
    ("raw-deref-no-null-check", 2, "unsafe_block"),
    ("safety-comment-missing", 2, "unsafe_block"),
]


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the files the scan really parsed, each time, in order."""
    seen: list[str] = []
    real_parsed, real_file = extract_module.extract_parsed, extract_module.extract_file

    def recording_parsed(source: ParsedSource) -> FileResult:
        seen.append(source.path)
        return real_parsed(source)

    def recording_file(path: str, data: bytes) -> FileResult:
        seen.append(path)
        return real_file(path, data)

    monkeypatch.setattr(extract_module, "extract_parsed", recording_parsed)
    monkeypatch.setattr(extract_module, "extract_file", recording_file)
    # Results kept in this process from other tests would answer before the cache is asked.
    DECODED.clear()
    return seen


@pytest.fixture
def crate(tmp_path: Path) -> Path:
    root = tmp_path / "crate"
    (root / "src").mkdir(parents=True)
    (root / "src" / "read.rs").write_text(READ_RS, encoding="utf-8")
    (root / "src" / "plain.rs").write_text(PLAIN_RS, encoding="utf-8")
    return root


def _scan(root: Path, cache: Path, *, hints: bool) -> ScanResult:
    return scan_path(root, options=ScanOptions(cache_dir=cache, hints=hints, jobs=1))


def _hints(result: ScanResult, path: str) -> list[tuple[str, int, str]] | None:
    file = next(f for f in result.files if f.path == path)
    if file.hints is None:
        return None
    kinds = {s.id: s.kind.value for s in file.sites}
    return [(h.hint_id, h.line, kinds[h.site_id] if h.site_id else "") for h in file.hints]


def test_a_scan_with_hints_caches_them_and_a_warm_one_parses_nothing(
    crate: Path, tmp_path: Path, parsed: list[str]
) -> None:
    cache = tmp_path / "cache"
    first = _scan(crate, cache, hints=True)
    assert parsed == ["src/read.rs"]  # plain.rs holds no `unsafe`: never parsed
    assert _hints(first, "src/read.rs") == READ_HINTS
    assert _hints(first, "src/plain.rs") is None

    parsed.clear()
    DECODED.clear()
    second = _scan(crate, cache, hints=True)
    assert parsed == []
    assert second.files == first.files


def test_hints_are_made_only_when_asked_and_a_result_cached_without_them_is_parsed_again(
    crate: Path, tmp_path: Path, parsed: list[str]
) -> None:
    cache = tmp_path / "cache"
    plain = _scan(crate, cache, hints=False)
    assert _hints(plain, "src/read.rs") is None
    DECODED.clear()
    assert _scan(crate, cache, hints=False).files == plain.files
    assert parsed == ["src/read.rs"]

    DECODED.clear()
    with_hints = _scan(crate, cache, hints=True)
    assert parsed == ["src/read.rs", "src/read.rs"]
    assert _hints(with_hints, "src/read.rs") == READ_HINTS
    assert [f.sites for f in with_hints.files] == [f.sites for f in plain.files]


def test_the_cache_key_follows_the_rule_set(tmp_path: Path) -> None:
    every = rule_set_salt(ALL_RULES)
    assert rule_set_salt(ALL_RULES) == every
    assert rule_set_salt(ALL_RULES[:-1]) != every
    assert rule_set_salt(tuple(reversed(ALL_RULES))) != every
    # The scan's key hashes files instead of importing the rules: every rule's module, the
    # list that orders them and what they read are among those files, and their bytes count.
    covered = rule_files()
    for rule in ALL_RULES:
        module = sys.modules[type(rule).__module__]
        assert Path(str(module.__file__)).resolve() in covered, rule.id
    package = Path(str(sys.modules["unsafe_audit"].__file__)).resolve().parent
    assert package / "hints" / "registry.py" in covered
    assert package / "data" / "pg_contracts.tsv.gz" in covered
    assert scan_salt().endswith(":" + files_salt())
    extra = tmp_path / "extra_rule.py"
    extra.write_text("A = 1\n")
    before = files_salt([extra])
    extra.write_text("A = 2\n")
    assert files_salt([extra]) != before != files_salt()


def test_a_rule_that_fails_costs_the_file_its_hints_and_says_so(
    crate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(self: object, ctx: HintContext) -> Iterable[Hint]:
        raise RecursionError

    monkeypatch.setattr(type(ALL_RULES[0]), "check", failing)
    DECODED.clear()
    result = _scan(crate, tmp_path / "cache", hints=True)
    read = next(f for f in result.files if f.path == "src/read.rs")
    assert read.hints == ()
    assert [w.message for w in read.warnings] == ["no hints: a hint rule failed (RecursionError)"]
    assert len(read.sites) == 1


def test_a_file_both_sides_share_is_parsed_once_and_cached_for_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    isolate_git_config(monkeypatch)
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/read.rs", READ_RS)
    repo.write("src/other.rs", "unsafe fn f() {}\n")
    repo.commit("first")
    repo.tag("v0.1.0")
    repo.write("src/other.rs", "unsafe fn g() {}\n")  # the work tree changes one file
    cache = tmp_path / "cache"
    options = ScanOptions(cache_dir=cache, hints=True, jobs=1)

    first = compare(repo.path, base="v0.1.0", options=options)
    # read.rs is a blob on one side and a file on disk on the other: one parse.
    assert sorted(parsed) == ["src/other.rs", "src/other.rs", "src/read.rs"]
    assert [h.hint_id for h in first.head_hints["src/read.rs"]] == [h for h, _, _ in READ_HINTS]

    parsed.clear()
    DECODED.clear()
    second = compare(repo.path, base="v0.1.0", options=options)
    assert parsed == []  # each side's key was cached, the blob's and the file's
    assert second.head_hints == first.head_hints
    assert second.delta == first.delta


def _release_missing_a_blob(tmp_path: Path, files: dict[str, str], missing: str) -> GitRepo:
    """A repository whose release v0.1.0 has ``files`` and ``src/other.rs`` (``unsafe fn f``),
    changed to ``unsafe fn g`` in the work tree, with the loose object of the release's
    ``missing`` file deleted from the store."""
    repo = GitRepo.init(tmp_path / "ext")
    for path, text in files.items():
        repo.write(path, text)
    repo.write("src/other.rs", "unsafe fn f() {}\n")
    repo.commit("first")
    repo.tag("v0.1.0")
    repo.write("src/other.rs", "unsafe fn g() {}\n")
    blob = repo.git("rev-parse", f"v0.1.0:{missing}").strip()
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    return repo


def test_a_release_file_the_work_tree_left_unchanged_is_answered_from_disk_without_its_blob(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work tree's file has the identity git gives its bytes, so the release's blob of the
    same bytes is never read: the comparison succeeds with that blob deleted from the object
    store. The release's own version of a changed file is extracted without hints (only head's
    sites show hints); head's files get them."""
    isolate_git_config(monkeypatch)
    calls: list[tuple[str, str, bytes]] = []
    real_parsed, real_file = extract_module.extract_parsed, extract_module.extract_file

    def with_hints(source: ParsedSource) -> FileResult:
        calls.append(("hints", source.path, source.data))
        return real_parsed(source)

    def without_hints(path: str, data: bytes) -> FileResult:
        calls.append(("sites", path, data))
        return real_file(path, data)

    monkeypatch.setattr(extract_module, "extract_parsed", with_hints)
    monkeypatch.setattr(extract_module, "extract_file", without_hints)
    DECODED.clear()
    repo = _release_missing_a_blob(tmp_path, {"src/read.rs": READ_RS}, "src/read.rs")
    options = ScanOptions(cache_dir=tmp_path / "cache", hints=True, jobs=1)

    result = compare(repo.path, base="v0.1.0", options=options)

    assert sorted(calls) == [
        ("hints", "src/other.rs", b"unsafe fn g() {}\n"),
        ("hints", "src/read.rs", READ_RS.encode()),
        ("sites", "src/other.rs", b"unsafe fn f() {}\n"),
    ]
    statuses = sorted((d.status.value, d.site.path, d.site.line) for d in result.delta.sites)
    assert statuses == [
        ("new", "src/other.rs", 1),
        ("removed", "src/other.rs", 1),
        ("unchanged", "src/read.rs", 2),
    ]
    assert [h.hint_id for h in result.head_hints["src/read.rs"]] == [h for h, _, _ in READ_HINTS]


def test_a_release_blob_that_is_needed_and_missing_fails_the_check_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """git lists a missing object's size as ``BAD``: the tree still lists, and the blob that
    must be read fails the run (exit 2) naming the object, rather than a crash or a pass."""
    from unsafe_audit.cli import main

    isolate_git_config(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    DECODED.clear()  # what other tests decoded in this process would answer for the blob
    repo = _release_missing_a_blob(tmp_path, {}, "src/other.rs")
    blob = repo.git("rev-parse", "v0.1.0:src/other.rs").strip()

    code = main(["check", str(repo.path), "--base", "v0.1.0", "--format", "json"])

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert f"blob {blob} is not in the repository" in err
