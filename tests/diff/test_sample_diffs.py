"""The bundled samples' release histories give exactly the statuses written down by hand.

Each ``sample_repos/<ext>/expected_diffs/<base>..<head>.yaml`` was written from the two release
trees (not from the tool's output): every head site once with its status, plus every base site
without a head counterpart as ``removed``. Here each sample is built as a real git repository and
``unsafe-audit diff --format json`` is run for each pair through the CLI entry point.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gitrepo import isolate_git_config
from unsafe_audit import samples
from unsafe_audit.cli import main as cli_main

Row = tuple[str, str, str | None, int | None, str | None, int | None]
"""(status, kind, path, line, base_path, base_line)."""

PAIRS: tuple[tuple[str, str, str], ...] = (
    ("pg_cache", "v0.1.0", "v0.2.0"),
    ("pg_cache", "v0.2.0", "v0.2.1"),
    ("pg_cache", "v0.2.1", "v0.3.0"),
    ("pg_hooks", "0.1.0", "0.2.0"),
    ("pg_hooks", "0.2.0", "0.3.0"),
)
RELEASES: tuple[tuple[str, str], ...] = (
    ("pg_cache", "v0.1.0"),
    ("pg_cache", "v0.2.0"),
    ("pg_cache", "v0.2.1"),
    ("pg_cache", "v0.3.0"),
    ("pg_hooks", "0.1.0"),
    ("pg_hooks", "0.2.0"),
    ("pg_hooks", "0.3.0"),
)


@pytest.fixture(scope="module")
def sample_repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each sample built once for the whole module (the build ignores the user's git config)."""
    root = tmp_path_factory.mktemp("samples")
    return {name: samples.build(name, root / name) for name in ("pg_cache", "pg_hooks")}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git_config(monkeypatch)
    # Nothing a test runs may write to the developer's cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def run_diff(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> dict[str, Any]:
    """``unsafe-audit diff REPO ARGS --format json --no-cache``, parsed."""
    capsys.readouterr()
    code = cli_main(["diff", str(repo), *args, "--format", "json", "--no-cache"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document: dict[str, Any] = json.loads(captured.out)
    return document


def actual_rows(document: dict[str, Any]) -> Counter[Row]:
    return Counter(
        (
            str(s["status"]),
            str(s["kind"]),
            s["path"],
            s["line"],
            s["base_path"],
            s["base_line"],
        )
        for s in document["sites"]
    )


def expectation(name: str, base: str, head: str) -> dict[str, Any]:
    path = samples.sample_dir(name) / "expected_diffs" / f"{base}..{head}.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert (str(data["base"]), str(data["head"])) == (base, head), path
    return data


def expected_rows(data: dict[str, Any]) -> Counter[Row]:
    rows: Counter[Row] = Counter()
    for site in data["sites"]:
        rows[
            (
                str(site["status"]),
                str(site["kind"]),
                site.get("path"),
                site.get("line"),
                site.get("base_path"),
                site.get("base_line"),
            )
        ] += 1
    return rows


def _fmt(rows: Counter[Row]) -> str:
    lines = []
    for row, n in sorted(rows.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        status, kind, path, line, base_path, base_line = row
        where = f"{path}:{line}" if path is not None else "-"
        was = f" <- {base_path}:{base_line}" if base_path is not None else ""
        times = f" (x{n})" if n > 1 else ""
        lines.append(f"  {status:9} {kind:19} {where}{was}{times}")
    return "\n".join(lines) or "  (none)"


@pytest.mark.parametrize(
    ("name", "base", "head"), PAIRS, ids=[f"{n}:{b}..{h}" for n, b, h in PAIRS]
)
def test_release_pair_matches_expectation(
    capsys: pytest.CaptureFixture[str],
    sample_repos: dict[str, Path],
    name: str,
    base: str,
    head: str,
) -> None:
    expected = expected_rows(expectation(name, base, head))
    document = run_diff(capsys, sample_repos[name], "--base", base, "--head", head)
    assert document["base"]["ref"] == base
    assert document["head"]["ref"] == head
    actual = actual_rows(document)
    missing, extra = expected - actual, actual - expected
    assert not missing and not extra, (
        f"{name} {base} -> {head}\n"
        f"expected but not reported:\n{_fmt(missing)}\n"
        f"reported but not expected:\n{_fmt(extra)}"
    )
    summary = Counter(row[0] for row in expected.elements())
    assert document["summary"] == {status: summary.get(status, 0) for status in document["summary"]}


def test_expectations_cover_each_head_site_once() -> None:
    """The hand-written files agree with the hand-written manifests: a check on the files."""
    for name, base, head in PAIRS:
        data = expectation(name, base, head)
        head_sites = Counter(
            (s["kind"], s["path"], s["line"]) for s in samples.manifest(name, head)
        )
        listed = Counter(
            (s["kind"], s["path"], s["line"]) for s in data["sites"] if s["status"] != "removed"
        )
        assert listed == head_sites, f"{name} {base}..{head}"
        base_sites = Counter((s["path"], s["line"]) for s in samples.manifest(name, base))
        paired = Counter(
            (s["base_path"], s["base_line"]) for s in data["sites"] if "base_path" in s
        )
        assert paired == base_sites, f"{name} {base}..{head}"
        for site in data["sites"]:
            has_base = "base_path" in site
            if site["status"] in ("unchanged", "moved", "changed", "removed"):
                assert has_base, site
            if site["status"] == "new":
                assert not has_base, site


@pytest.mark.parametrize(("name", "tag"), RELEASES, ids=[f"{n}:{t}" for n, t in RELEASES])
def test_release_against_itself_is_all_unchanged(
    capsys: pytest.CaptureFixture[str], sample_repos: dict[str, Path], name: str, tag: str
) -> None:
    document = run_diff(capsys, sample_repos[name], "--base", tag, "--head", tag)
    manifest = Counter((s["kind"], s["path"], s["line"]) for s in samples.manifest(name, tag))
    expected = Counter(
        {
            ("unchanged", kind, path, line, path, line): n
            for (kind, path, line), n in manifest.items()
        }
    )
    actual = actual_rows(document)
    missing, extra = expected - actual, actual - expected
    assert not missing and not extra, (
        f"{name} {tag} -> {tag}\n"
        f"expected but not reported:\n{_fmt(missing)}\n"
        f"reported but not expected:\n{_fmt(extra)}"
    )


def test_default_base_of_v0_3_0_is_v0_2_1_on_the_release_branch(
    capsys: pytest.CaptureFixture[str], sample_repos: dict[str, Path]
) -> None:
    document = run_diff(capsys, sample_repos["pg_cache"], "--head", "v0.3.0")
    assert document["base"]["ref"] == "v0.2.1"
    assert document["head"]["ref"] == "v0.3.0"
    assert document["base"]["first_release"] is False
