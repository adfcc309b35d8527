"""SARIF locations: every ``artifactLocation.uri`` is an RFC 3986 relative reference, whatever a
pull request names its files.

Code-scanning dashboards resolve ``uri`` against ``%SRCROOT%``; a raw space, newline, control
character, ``%``, ``#`` or ``?`` makes a broken or a different link (``#`` starts a fragment,
``?`` a query, a ``:`` in the first segment reads as a scheme). Each case commits such files
to a real repository, runs ``check --format sarif``, and checks each uri: its exact text, that
it decodes back to the file's bytes, that it matches RFC 3986's ``path-noscheme``, and that the
log validates against the SARIF 2.1.0 schema.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import jsonschema  # type: ignore[import-untyped]  # no stubs in the dev extra
import pytest

from tests.gitrepo import GitRepo, isolate_git_config
from tests.hostile.cli_run import run_cli
from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.model import Side
from unsafe_audit.report import check_sarif
from unsafe_audit.report.interface import CheckReport
from unsafe_audit.review_state import Review, ReviewState, SiteReview
from unsafe_audit.scan import ScanOptions, scan_path

SCHEMA = Path(__file__).parent.parent / "fixtures" / "sarif-schema-2.1.0.json"

EXPECTED = {
    "src/sp ace.rs": "src/sp%20ace.rs",
    "src/100%.rs": "src/100%25.rs",
    "src/a#b?c.rs": "src/a%23b%3Fc.rs",
    "src/a\nb\x1b]0;t\x07.rs": "src/a%0Ab%1B%5D0;t%07.rs",
    "src/é\u202e.rs": "src/%C3%A9%E2%80%AE.rs",
    "src/a|b<c>.rs": "src/a%7Cb%3Cc%3E.rs",
    "a:b.rs": "a%3Ab.rs",
    "src/keep+(this)@x,y;z=1.rs": "src/keep+(this)@x,y;z=1.rs",
}
"""Committed file -> the uri SARIF must give it."""

_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-F]{2})"
PATH_NOSCHEME = re.compile(rf"{_PCHAR}+(?:/(?:{_PCHAR}|:)*)*")
"""RFC 3986 ``path-noscheme``: segments of pchar, no ``:`` in the first one."""


def schema_errors(log: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    return sorted(str(e.message) for e in jsonschema.Draft4Validator(schema).iter_errors(log))


def uris(log: dict[str, Any]) -> list[str]:
    """Every artifact uri of every result: its locations and related locations."""
    found: list[str] = []
    for result in log["runs"][0]["results"]:
        for location in [*result["locations"], *result.get("relatedLocations", [])]:
            artifact = location["physicalLocation"]["artifactLocation"]
            assert artifact["uriBaseId"] == "%SRCROOT%"
            found.append(artifact["uri"])
    return found


def _site(n: int) -> str:
    return f"pub fn f{n}(p: *const u8) -> u8 {{\n    unsafe {{ *p.add({n}) }}\n}}\n"


@pytest.fixture
def sarif(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``check --format sarif`` of a repository whose new files carry the names above."""
    isolate_git_config(monkeypatch)
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", "pub fn ok() {}\n")
    repo.commit("start")
    repo.tag("v0.1.0")
    for n, path in enumerate(EXPECTED):
        repo.write(path, _site(n))
    repo.commit("hostile names")
    ran = run_cli(repo.path, tmp_path / "cache", "check", ".", "--format", "sarif")
    assert ran.code == 1, ran.err
    log: dict[str, Any] = json.loads(ran.out)
    return log


def test_each_file_gets_its_percent_encoded_uri(sarif: dict[str, Any]) -> None:
    results = sarif["runs"][0]["results"]
    assert len(results) == len(EXPECTED)
    assert sorted(set(uris(sarif))) == sorted(EXPECTED.values())


def test_every_uri_is_a_relative_reference_that_decodes_to_the_file(
    sarif: dict[str, Any],
) -> None:
    found = uris(sarif)
    assert len(found) > len(EXPECTED)  # related locations (hints) too
    for uri in found:
        assert PATH_NOSCHEME.fullmatch(uri), uri
    decoded = {unquote_to_bytes(uri) for uri in found}
    assert decoded == {path.encode("utf-8") for path in EXPECTED}


def test_the_log_with_hostile_names_is_schema_valid(sarif: dict[str, Any]) -> None:
    assert schema_errors(sarif) == []


def test_a_file_name_that_is_not_utf8_gets_its_bytes_back(tmp_path: Path) -> None:
    """A name git stores as bytes that are not UTF-8 (decoded with surrogateescape): the uri
    percent-encodes the original byte, and the log is still UTF-8. Rendered from a real scan of
    the file; ``check`` itself stops earlier on such a name (the stat cache cannot store it)."""
    root = tmp_path / "tree"
    (root / "src").mkdir(parents=True)
    (root / "src" / "bad\udc85.rs").write_text(_site(1), encoding="utf-8")
    scanned = scan_path(root, None, ScanOptions(use_cache=False))
    [site] = scanned.sites
    assert site.path == "src/bad\udc85.rs"
    report = CheckReport(
        base=Side(None, None),
        head=Side(None, None, working_tree=True),
        reason="first release",
        state=ReviewState(
            (SiteReview(SiteDelta(Status.NEW, site, None), Review.MISSING, None, "never", True),),
            (),
        ),
        ledger=".unsafe-audit/ledger",
    )
    out = io.StringIO()

    check_sarif.write(report, out)

    text = out.getvalue()
    text.encode("utf-8")  # no lone surrogate left to fail the write to stdout
    log = json.loads(text)
    assert uris(log) == ["src/bad%85.rs"]
    assert unquote_to_bytes(uris(log)[0]) == b"src/bad\x85.rs"
    assert schema_errors(log) == []
