"""The sample extensions: deterministic git builds, well-formed hand-written manifests, and the
extractor finding exactly the sites each manifest lists."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tree_sitter_rust
from tree_sitter import Language, Node, Parser

from unsafe_audit import samples
from unsafe_audit.errors import UsageError
from unsafe_audit.model import SiteKind
from unsafe_audit.scan import ScanOptions, scan_path
from unsafe_audit.scan.generated import is_generated

SAMPLES = samples.available()
RELEASES = [
    (name, commit.tag)
    for name in SAMPLES
    for commit in samples.load_history(name).commits
    if commit.tag is not None
]
UNSAFE_KINDS = {k.value for k in SiteKind if k.has_unsafe_keyword}

SiteKey = tuple[str, str, int, str | None, bool]


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def _release_tree(name: str, tag: str) -> Path:
    tree = next(c.tree for c in samples.load_history(name).commits if c.tag == tag)
    return samples.sample_dir(name) / "releases" / tree


def _manifest_keys(name: str, tag: str) -> list[SiteKey]:
    return sorted(
        (
            str(s["kind"]),
            str(s["path"]),
            int(s["line"]),
            s.get("name"),
            bool(s.get("in_macro", False)),
        )
        for s in samples.manifest(name, tag)
    )


_STRING_OR_COMMENT = re.compile(
    r"""
    //[^\n]*                                  # line and doc comments
    | /\*.*?\*/                               # block comments (not nested in the samples)
    | b?r(?P<hashes>\#*)".*?"(?P=hashes)      # raw strings
    | b?"(?:\\.|[^"\\])*"                     # strings and byte strings
    | b?'(?:\\.|[^'\\])'                      # char literals (lifetimes do not match)
    """,
    re.DOTALL | re.VERBOSE,
)
# `unsafe fn(` and `unsafe extern "ABI" fn(` with no name are fn-pointer types, not sites.
_FN_POINTER_TYPE = re.compile(r"""\bunsafe\s+(?:extern\s+"[^"]*"\s+)?fn\s*\(""")


def _code_only(source: str) -> str:
    """Blanks comments and literal contents but keeps every line break (and `extern "C"`)."""

    def blank(m: re.Match[str]) -> str:
        text = m.group(0)
        if text.startswith('"') and re.fullmatch(r'"C(-unwind)?"', text):
            return text
        return re.sub(r"[^\n]", " ", text)

    return _STRING_OR_COMMENT.sub(blank, source)


def _rust_files(root: Path) -> Iterator[Path]:
    yield from sorted(root.rglob("*.rs"))


def _is_generated(path: Path) -> bool:
    """Generated as the scan sees it: a header and a bindgen shape (none of the samples' files;
    pg_hooks' generated_oids.rs has the header on hand-written code)."""
    return is_generated(path.read_bytes())


def test_available_lists_both_samples() -> None:
    assert SAMPLES == ["pg_cache", "pg_hooks"]


def test_unknown_sample_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown sample 'pg_nope'"):
        samples.build("pg_nope", tmp_path / "repo")


def test_build_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    with pytest.raises(UsageError, match="not an empty directory"):
        samples.build("pg_cache", tmp_path)


@pytest.mark.parametrize("name", SAMPLES)
def test_building_twice_gives_identical_shas_for_every_tag(name: str, tmp_path: Path) -> None:
    first = samples.build(name, tmp_path / "first")
    second = samples.build(name, tmp_path / "second")
    tags = [tag for (sample, tag) in RELEASES if sample == name]
    assert _git(first, "tag", "--list").split() == sorted(tags)
    for tag in tags:
        # The tag object (tagger date included) and the commit it points to are both pinned.
        assert _git(first, "rev-parse", tag) == _git(second, "rev-parse", tag)
        assert _git(first, "rev-parse", f"{tag}^{{commit}}") == _git(
            second, "rev-parse", f"{tag}^{{commit}}"
        )
    assert _git(first, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert _git(first, "status", "--porcelain") == ""
    assert _git(first, "log", "-1", "--format=%an <%ae>").endswith("@example.com>")


@pytest.mark.parametrize("name", SAMPLES)
def test_each_tag_holds_exactly_its_release_tree(name: str, tmp_path: Path) -> None:
    repo = samples.build(name, tmp_path / "repo")
    for sample, tag in RELEASES:
        if sample != name:
            continue
        release = _release_tree(name, tag)
        expected = sorted(
            p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()
        )
        assert _git(repo, "ls-tree", "-r", "--name-only", tag).splitlines() == expected


def test_release_branch_tags_are_not_ancestors_of_main(tmp_path: Path) -> None:
    branch_tags = [
        (name, commit.tag)
        for name in SAMPLES
        for commit in samples.load_history(name).commits
        if commit.branch != "main" and commit.tag is not None
    ]
    assert branch_tags, "at least one sample must tag a release on a branch main never merges"
    for name, tag in branch_tags:
        repo = samples.build(name, tmp_path / name)
        done = subprocess.run(
            ["git", "merge-base", "--is-ancestor", tag, "main"], cwd=repo, check=False
        )
        assert done.returncode == 1, f"{name} {tag} should not be an ancestor of main"


def test_tag_prefixes_differ_between_samples() -> None:
    prefixed = {
        name: all(tag.startswith("v") for (n, tag) in RELEASES if n == name) for name in SAMPLES
    }
    assert prefixed == {"pg_cache": True, "pg_hooks": False}


@pytest.mark.parametrize("name", SAMPLES)
def test_history_contains_a_rename(name: str, tmp_path: Path) -> None:
    repo = samples.build(name, tmp_path / "repo")
    log = _git(repo, "log", "--name-status", "-M", "--format=")
    assert any(line.startswith("R") for line in log.splitlines()), log


@pytest.mark.parametrize(("name", "tag"), RELEASES)
def test_manifest_is_well_formed(name: str, tag: str) -> None:
    release = _release_tree(name, tag)
    entries: list[dict[str, Any]] = samples.manifest(name, tag)
    assert entries
    for entry in entries:
        assert set(entry) <= {"kind", "path", "line", "name", "in_macro"}, entry
        kind = SiteKind(entry["kind"])
        path = release / entry["path"]
        assert path.is_file(), entry
        assert not _is_generated(path), f"{entry}: generated files are not listed"
        lines = _code_only(path.read_text(encoding="utf-8")).splitlines()
        assert 1 <= entry["line"] <= len(lines), entry
        code = lines[entry["line"] - 1]
        if kind.is_pg_sys:
            assert isinstance(entry.get("name"), str), entry
            assert re.search(rf"\b{re.escape(entry['name'])}\b", code) or _aliased(
                path, entry["name"], code
            ), f"{entry}: {entry['name']} is not on line {entry['line']}: {code!r}"
        else:
            assert "name" not in entry, entry
            keyword = "extern" if kind in (SiteKind.EXTERN_BLOCK, SiteKind.EXTERN_FN) else "unsafe"
            assert re.search(rf"\b{keyword}\b", code), f"{entry}: no `{keyword}` in {code!r}"


def _aliased(path: Path, name: str, code: str) -> bool:
    """True when `code` calls `name` through a `name as alias` import of that file."""
    source = path.read_text(encoding="utf-8")
    return any(
        re.search(rf"\b{alias}\s*\(", code)
        for alias in re.findall(rf"\b{re.escape(name)}\s+as\s+(\w+)", source)
    )


@pytest.mark.parametrize(("name", "tag"), RELEASES)
def test_manifest_has_one_entry_per_unsafe_keyword(name: str, tag: str) -> None:
    release = _release_tree(name, tag)
    listed = Counter(
        (s["path"], s["line"]) for s in samples.manifest(name, tag) if s["kind"] in UNSAFE_KINDS
    )
    found: Counter[tuple[str, int]] = Counter()
    for path in _rust_files(release):
        if _is_generated(path):
            continue
        code = _code_only(path.read_text(encoding="utf-8"))
        pointer_types = {m.start() for m in _FN_POINTER_TYPE.finditer(code)}
        for m in re.finditer(r"\bunsafe\b", code):
            if m.start() not in pointer_types:
                rel = path.relative_to(release).as_posix()
                found[(rel, code.count("\n", 0, m.start()) + 1)] += 1
    assert listed == found


def _error_nodes(node: Node) -> Iterator[Node]:
    if node.type == "ERROR" or node.is_missing:
        yield node
    for child in node.children:
        yield from _error_nodes(child)


@pytest.mark.parametrize(("name", "tag"), RELEASES)
def test_release_sources_parse_with_tree_sitter_rust(name: str, tag: str) -> None:
    parser = Parser(Language(tree_sitter_rust.language()))
    for path in _rust_files(_release_tree(name, tag)):
        source = path.read_bytes()
        errors = [
            (path.name, e.start_point[0] + 1, source[e.start_byte : e.end_byte].decode())
            for e in _error_nodes(parser.parse(source).root_node)
        ]
        # tree-sitter-rust 0.24 does not know the edition-2024 `safe` qualifier on foreign
        # items; that single token is the only ERROR node allowed.
        assert [e for e in errors if e[2] != "safe"] == []


@pytest.fixture(scope="module")
def built_samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each sample built once into a real git repository."""
    base = tmp_path_factory.mktemp("built")
    return {name: samples.build(name, base / name) for name in samples.available()}


@pytest.mark.parametrize(("name", "tag"), RELEASES)
def test_extractor_finds_exactly_the_manifest_sites(
    name: str, tag: str, built_samples: dict[str, Path]
) -> None:
    # Scans the tag straight from git objects, as `unsafe-audit scan --rev TAG` does.
    result = scan_path(built_samples[name], tag, ScanOptions(use_cache=False))
    found: list[SiteKey] = sorted(
        (
            site.kind.value,
            site.path,
            site.span.line,
            site.name if site.kind.is_pg_sys else None,
            site.in_macro,
        )
        for site in result.sites
    )
    expected = _manifest_keys(name, tag)
    missing = sorted((Counter(expected) - Counter(found)).elements())
    extra = sorted((Counter(found) - Counter(expected)).elements())
    report = "\n".join(
        [f"{name} {tag}: extractor differs from manifests/{tag}.yaml"]
        + [f"  missing {k}" for k in missing]
        + [f"  extra   {k}" for k in extra]
    )
    assert not missing and not extra, report
