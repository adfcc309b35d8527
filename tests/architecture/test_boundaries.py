"""The architecture's boundaries hold: the core loads no UI, git, parser or YAML, and the import
contracts in pyproject.toml (run by `lint-imports` in CI) catch a module that crosses one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import unsafe_audit

PROJECT = Path(__file__).resolve().parents[2]
PACKAGE = Path(unsafe_audit.__file__).resolve().parent
HEAVY = ("textual", "rich", "git", "tree_sitter", "tree_sitter_rust", "yaml")
CORE = (
    "unsafe_audit.model",
    "unsafe_audit.source",
    "unsafe_audit.diff",
    "unsafe_audit.review_state",
    "unsafe_audit.units",
    "unsafe_audit.signoff",
    "unsafe_audit.review",
    "unsafe_audit.report.check_markdown",
    "unsafe_audit.report.diff_markdown",
    "unsafe_audit.report.check_sarif",
    "unsafe_audit.report.scan_json",
    "unsafe_audit.hints.interface",
    "unsafe_audit.config.model",
    "unsafe_audit.exemptions.model",
    "unsafe_audit.report.markdown_budget",
    "unsafe_audit.report.links",
    "unsafe_audit.cargo_features",
    "unsafe_audit.unsearched_files",
    "unsafe_audit.contracts.digest",
    "unsafe_audit.contracts.staleness",
)


def _loaded_after_importing(modules: tuple[str, ...]) -> list[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_the_core_loads_no_ui_git_parser_or_yaml() -> None:
    assert _loaded_after_importing(CORE) == []


def test_the_check_proves_something_the_tui_does_load_textual() -> None:
    assert "textual" in _loaded_after_importing(("unsafe_audit.tui.app",))


def _lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if linter is None:
        pytest.fail("lint-imports is not installed: pip install '.[dev]'")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [linter, "--no-cache", str(PROJECT / "pyproject.toml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=src,
    )


def test_import_contracts_are_kept() -> None:
    result = _lint_imports(PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("model.py", "import textual", "textual and rich are imported only by the terminal UI"),
        ("diff.py", "import git", "gitpython is imported only by history"),
        ("report/check_text.py", "import tree_sitter", "tree-sitter is imported only by"),
        ("signoff.py", "from unsafe_audit import history", "the core imports no UI, no git"),
        ("review/queue.py", "import yaml", "PyYAML is imported only by"),
    ],
)
def test_a_deliberate_violation_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    copy = tmp_path / "src" / "unsafe_audit"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "_*repos"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}  # a deliberate violation\n")
    result = _lint_imports(copy.parent)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout
    assert "BROKEN" in result.stdout
