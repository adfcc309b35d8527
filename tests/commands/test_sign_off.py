"""``unsafe-audit sign-off`` on real git repositories: the entry written, and every refusal."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, isolate_git_config
from unsafe_audit.cli import build_parser
from unsafe_audit.commands import sign_off as sign_off_command
from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.errors import LedgerError, UsageError
from unsafe_audit.model import Site, SiteId, SiteKind
from unsafe_audit.review_state import Review, SiteReview
from unsafe_audit.scan import ScanOptions, scan_path
from unsafe_audit.units import group_units

LIB = (
    "use pgrx::pg_sys;\n"
    "pub fn a() -> *mut u8 {\n"
    "    // SAFETY: palloc never returns NULL; the memory lives in the current context.\n"
    "    unsafe { pg_sys::palloc(8) as *mut u8 }\n"
    "}\n"
    "pub fn c(p: *mut u8) {\n"
    "    unsafe { pg_sys::pfree(p.cast()) }\n"
    "}\n"
)
EPOCH = "1795100645"  # 2026-11-19T15:04:05Z
STAMP = "2026-11-19T15:04:05Z"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git_config(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def parse(command: str, *args: str) -> argparse.Namespace:
    """The arguments as the CLI's own parser reads them (``--no-cache`` added)."""
    parser = build_parser(only=command)
    return parser.parse_args([command, *args, "--no-cache"])


def run(command: str, *args: str) -> int:
    """Run a command as the CLI would (without its error handling); return the exit code."""
    ns = parse(command, *args)
    result: int = ns.run(ns)
    return result


def make_repo(path: Path, lib: str = LIB, tag: str | None = "v0.1.0") -> GitRepo:
    repo = GitRepo.init(path)
    repo.git("config", "user.name", "Ada Example")
    repo.git("config", "user.email", "ada@example.com")
    repo.write("src/lib.rs", lib)
    repo.commit("release")
    if tag:
        repo.tag(tag)
    return repo


def sites_of(repo: GitRepo) -> list[Site]:
    return list(scan_path(repo.path, None, ScanOptions(use_cache=False)).sites)


def site(repo: GitRepo, kind: SiteKind, name_or_item: str) -> Site:
    (found,) = [s for s in sites_of(repo) if s.kind is kind and name_or_item in (s.name, s.item)]
    return found


def sign(repo: GitRepo, site_id: str, *extra: str, pattern: str = "borrow") -> int:
    return run(
        "sign-off",
        site_id,
        str(repo.path),
        "--all-pass",
        "--pattern",
        pattern,
        *extra,
    )


def units_of(repo: GitRepo) -> list[Site]:
    """The sites that take a sign-off: the review units (not the pg_sys uses inside them)."""
    found = sites_of(repo)
    units = group_units(found)
    return [s for s in found if not units.is_member(s)]


def sign_all(repo: GitRepo) -> None:
    for s in units_of(repo):
        assert sign(repo, s.id, "--justification", f"reviewed {s.kind.value}") == 0


def refusal(repo: GitRepo, *args: str) -> str:
    with pytest.raises(UsageError) as e:
        run("sign-off", *args, str(repo.path))
    return str(e.value)


# -- the entry written ---------------------------------------------------------------------------


def test_sign_off_writes_one_entry_file_with_fixed_key_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a")
    code = sign(
        repo,
        block.id[:8],
        "--answer",
        "null-check=n/a:palloc never returns NULL",
        "--justification",
        "palloc memory in the caller's context;\nthe pointer is returned, not stored.",
        pattern="own",
    )
    assert code == 0
    assert capsys.readouterr().out == (
        f"signed off {block.id} (unsafe_block at src/lib.rs:4, with the 1 pg_sys use in it): "
        f".unsafe-audit/ledger/{block.id}.yaml\n"
    )
    palloc = site(repo, SiteKind.PG_SYS_CALL, "palloc")
    text = (repo.path / ".unsafe-audit" / "ledger" / f"{block.id}.yaml").read_text()
    assert text == (
        "schema_version: 3\n"
        f"site: {block.id}\n"
        "kind: unsafe_block\n"
        "path: src/lib.rs\n"
        "item: a\n"
        f"token_hash: {block.token_hash}\n"
        "members:\n"
        f"- {{kind: pg_sys_call, name: palloc, token_hash: {palloc.token_hash}}}\n"
        "release: working tree of v0.1.0\n"
        "checklist: pgrx-ffi@2\n"
        "tool: unsafe-audit 0.1.0\n"
        "reviewer: Ada Example <ada@example.com>\n"
        f"reviewed_at: '{STAMP}'\n"
        "lifetime_pattern: own\n"
        "answers:\n"
        "  ctx-owner: {answer: pass}\n"
        "  no-stored-borrow: {answer: pass}\n"
        "  copy-to-outlive: {answer: pass}\n"
        "  reset-no-dangling: {answer: pass}\n"
        "  no-drop-on-reset: {answer: pass}\n"
        "  safety-comment: {answer: pass}\n"
        "  null-check: {answer: n/a, note: palloc never returns NULL}\n"
        "  short-pointer-life: {answer: pass}\n"
        "  safe-wrapper-first: {answer: pass}\n"
        "  struct-cast-isolated: {answer: pass}\n"
        "  pgrx-error-macros: {answer: pass}\n"
        "  no-use-after-throw: {answer: pass}\n"
        "  minimal-unsafe: {answer: pass}\n"
        "  reread-this-release: {answer: pass}\n"
        "justification: |\n"
        "  palloc memory in the caller's context;\n"
        "  the pointer is returned, not stored.\n"
    )


def test_release_is_the_revision_given_with_rev(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "c")
    assert sign(repo, block.id, "--rev", "v0.1.0", "--justification", "freed once") == 0
    text = (repo.path / ".unsafe-audit" / "ledger" / f"{block.id}.yaml").read_text()
    assert "\nrelease: v0.1.0\n" in text


def test_justification_seeded_from_the_safety_comment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a")
    assert sign(repo, block.id) == 0
    text = (repo.path / ".unsafe-audit" / "ledger" / f"{block.id}.yaml").read_text()
    assert text.endswith(
        "justification: |\n  palloc never returns NULL; the memory lives in the current context.\n"
    )
    assert "justification taken from its // SAFETY: comment" in capsys.readouterr().err


def test_stale_sign_off_offers_its_justification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext")
    old = site(repo, SiteKind.UNSAFE_BLOCK, "c")
    assert sign(repo, old.id, "--justification", "p came from palloc; freed exactly once") == 0
    repo.commit("sign-off")
    repo.tag("v0.2.0")
    repo.write("src/lib.rs", LIB.replace("pfree(p.cast())", "pfree(p as *mut _)"))
    new = site(repo, SiteKind.UNSAFE_BLOCK, "c")
    assert new.id != old.id
    capsys.readouterr()
    assert sign(repo, new.id) == 0
    text = (repo.path / ".unsafe-audit" / "ledger" / f"{new.id}.yaml").read_text()
    assert text.endswith("justification: |\n  p came from palloc; freed exactly once\n")
    assert "justification taken from the stale sign-off for working tree of v0.1.0" in (
        capsys.readouterr().err
    )


def test_reviewer_override(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a")
    assert sign(repo, block.id, "--reviewer", "Grace Hopper <grace@example.org>") == 0
    text = (repo.path / ".unsafe-audit" / "ledger" / f"{block.id}.yaml").read_text()
    assert "\nreviewer: Grace Hopper <grace@example.org>\n" in text


def test_pattern_defaults_to_na_for_kinds_without_memory_items(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "ext",
        "pub unsafe trait Plain {}\n// SAFETY: u8 has no padding\nunsafe impl Plain for u8 {}\n",
    )
    trait = site(repo, SiteKind.UNSAFE_TRAIT, "Plain")
    assert (
        run(
            "sign-off",
            trait.id,
            "-C",
            str(repo.path),
            "--all-pass",
            "--justification",
            "marker only",
        )
        == 0
    )
    text = (repo.path / ".unsafe-audit" / "ledger" / f"{trait.id}.yaml").read_text()
    assert "\nlifetime_pattern: n/a\n" in text


# -- refusals --------------------------------------------------------------------------------------


def test_refuses_an_unknown_id(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    assert refusal(repo, "abcdef012345", "--all-pass") == (
        "unknown site id abcdef012345: no site in the work tree has an id starting so"
    )


def test_refuses_a_malformed_id(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    assert refusal(repo, "../../x", "--all-pass").startswith("'../../x' is not a site id")
    assert refusal(repo, "abc", "--all-pass").startswith("'abc' is not a site id")


def test_refuses_an_ambiguous_prefix(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    real = sites_of(repo)
    # Two real sites given ids that share six digits (64-bit ids rarely do in a small repo).
    twins = [
        dataclasses.replace(s, id=SiteId(f"abcdef00000000{i}{i}")) for i, s in enumerate(real[:2])
    ]
    reviews = [
        SiteReview(SiteDelta(Status.NEW, s, None), Review.MISSING, None, "", True) for s in twins
    ]
    with pytest.raises(UsageError) as caught:
        sign_off_command.pick_site(reviews, "abcdef", "the work tree")
    assert str(caught.value) == (
        "site id abcdef is ambiguous in the work tree: "
        f"abcdef0000000000 ({twins[0].kind.value} at src/lib.rs:{twins[0].line}); "
        f"abcdef0000000011 ({twins[1].kind.value} at src/lib.rs:{twins[1].line})"
    )
    assert sign_off_command.pick_site(reviews, "abcdef000000001", "x").site == twins[1]


def test_refuses_missing_answers(tmp_path: Path) -> None:
    # A pg_sys call outside every unsafe site is a review unit of its own.
    outside = "pub fn z(c: pg_sys::MemoryContext) {\n    pg_sys::MemoryContextReset(c)\n}\n"
    repo = make_repo(tmp_path / "ext", LIB + outside)
    trait_repo = site(repo, SiteKind.PG_SYS_CALL, "MemoryContextReset")
    message = refusal(
        repo,
        trait_repo.id,
        "--answer",
        "ctx-owner=pass",
        "--pattern",
        "borrow",
        "--justification",
        "x",
    )
    assert message == (
        "missing answers for a pg_sys_call site: no-stored-borrow, copy-to-outlive, "
        "reset-no-dangling, no-drop-on-reset, null-check, short-pointer-life, "
        "safe-wrapper-first, struct-cast-isolated, pgrx-error-macros, no-use-after-throw, "
        "minimal-unsafe, reread-this-release (give --answer ITEM=pass|fail|n/a for each, "
        "or --all-pass for the rest)"
    )


def test_refuses_bad_answers(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a").id
    common = ("--all-pass", "--pattern", "own", "--justification", "x")
    assert refusal(repo, block, "--answer", "ctx-owner=yes", *common) == (
        "--answer 'ctx-owner=yes': the answer must be pass, fail or n/a, not 'yes'"
    )
    assert refusal(repo, block, "--answer", "pg-guard=pass", *common).startswith(
        "--answer 'pg-guard=pass': checklist item 'pg-guard' does not apply to a unsafe_block"
    )
    assert refusal(repo, block, "--answer", "nonsense", *common) == (
        "--answer 'nonsense': expected ITEM=pass|fail|n/a[:NOTE]"
    )
    assert (
        refusal(repo, block, "--answer", "ctx-owner=pass", "--answer", "ctx-owner=fail", *common)
        == "--answer: item 'ctx-owner' answered twice"
    )


def test_refuses_empty_justification(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a").id
    assert refusal(repo, block, "--all-pass", "--pattern", "own", "--justification", " \n ") == (
        "--justification is empty; say why the site is sound"
    )


def test_refuses_no_justification_without_safety_comment(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "c").id
    assert refusal(repo, block, "--all-pass", "--pattern", "own") == (
        f"no justification: site {block} has no // SAFETY: comment and no earlier sign-off "
        "to start from; pass --justification TEXT"
    )


def test_refuses_fail_without_a_written_justification(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a").id
    assert refusal(
        repo, block, "--all-pass", "--pattern", "own", "--answer", "null-check=fail"
    ) == (
        "a fail answer needs --justification saying why the site ships anyway "
        "(a seeded SAFETY comment does not say that)"
    )


def test_refuses_missing_or_unknown_pattern(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a").id
    assert refusal(repo, block, "--all-pass", "--justification", "x") == (
        "a unsafe_block site needs --pattern, the lifetime pattern it follows: "
        "borrow, own, pin, n/a"
    )
    assert refusal(repo, block, "--all-pass", "--justification", "x", "--pattern", "leak") == (
        "--pattern 'leak': unknown lifetime pattern (known: borrow, own, pin, n/a)"
    )


def test_refuses_without_a_reviewer(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    repo.git("config", "--unset", "user.email")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a").id
    assert refusal(repo, block, "--all-pass", "--pattern", "own") == (
        "no reviewer: set git config user.name and user.email, or pass --reviewer 'Name <email>'"
    )
    assert refusal(repo, block, "--all-pass", "--pattern", "own", "--reviewer", "ada") == (
        "--reviewer 'ada': expected 'Name <email>'"
    )


def test_a_conflicted_entry_stops_sign_off_and_is_not_overwritten(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a").id
    target = repo.path / ".unsafe-audit" / "ledger" / f"{block}.yaml"
    target.parent.mkdir(parents=True)
    conflicted = "schema_version: 1\n<<<<<<< HEAD\nsite: x\n=======\nsite: y\n>>>>>>> other\n"
    target.write_text(conflicted)
    with pytest.raises(LedgerError) as e:
        sign(repo, block, pattern="own")
    assert str(e.value).startswith(f".unsafe-audit/ledger/{block}.yaml:2: merge-conflict marker")
    assert target.read_text() == conflicted


def test_ledger_outside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a").id
    with pytest.raises(LedgerError) as e:
        sign(repo, block, "--ledger", "../elsewhere", pattern="own")
    assert "which is not inside the repository" in str(e.value)
    assert not (tmp_path / "elsewhere").exists()
