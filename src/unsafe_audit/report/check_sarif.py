"""``check --format sarif``: SARIF 2.1.0 for code-scanning dashboards.

Every head site is a result of the one rule ``unsafe-audit/sign-off``, located at the site and
fingerprinted by its site id in ``partialFingerprints`` (line moves do not make it a new
alert). Sites with a valid sign-off carry an accepted ``suppressions`` entry holding the
justification, so dashboards show them as reviewed; the others are open results. Sites an
adoption exemption covers are left out (``properties.summary.exempt`` counts them): the first
upload after ``unsafe-audit adopt`` holds only the sites that need a review, not an alert for
every line of old unsafe code.

What the static hints saw at a blocking site goes with its result twice: as
``relatedLocations``, one per hint with the message ``[hint-id] message``, which viewers show
beside the alert, and as ``properties.hints``, the same objects as in ``check --format json``
(``id``, ``items``, ``path``, ``line``, ``message``) for tools. Both are left out of results
without hints.

Each head file the scan did not search for sites is a result of a second rule,
``unsafe-audit/not-searched``, located at the file: an error when it blocks the gate, a note
when it is generated or allowed (its ``properties`` say which). The rule and its results are
there only when some file was skipped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from unsafe_audit import __version__
from unsafe_audit.contracts.summary import called_functions, contract_line
from unsafe_audit.hints.interface import Hint
from unsafe_audit.report.check_json import hint_json
from unsafe_audit.report.escape import encodable_json, sarif_uri
from unsafe_audit.report.interface import CheckReport
from unsafe_audit.review_state import FileReview, SiteReview

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "unsafe-audit/sign-off"
NOT_SEARCHED_RULE_ID = "unsafe-audit/not-searched"
_NOT_SEARCHED_RULE = {
    "id": NOT_SEARCHED_RULE_ID,
    "name": "FileNotSearched",
    "shortDescription": {"text": "A Rust file that was not searched for unsafe sites"},
    "fullDescription": {
        "text": (
            "A file the scan could not read (not UTF-8, too large to parse yet holding unsafe "
            "or pg_sys, unreadable) blocks the gate unless the repository's configuration "
            "allows it; generated files are listed."
        )
    },
    "defaultConfiguration": {"level": "error"},
}
FINGERPRINT_KEY = "unsafeAuditSiteId/v1"


def _artifact(path: str) -> dict[str, Any]:
    return {"uri": sarif_uri(path), "uriBaseId": "%SRCROOT%"}


def _related(hints: Sequence[Hint]) -> list[dict[str, Any]]:
    """One location per hint; ``id`` numbers them within the result, as SARIF asks."""
    return [
        {
            "id": i,
            "physicalLocation": {
                "artifactLocation": _artifact(h.path),
                "region": {"startLine": h.line},
            },
            "message": {"text": f"[{h.hint_id}] {h.message}"},
        }
        for i, h in enumerate(hints)
    ]


def _result(r: SiteReview, hints: Sequence[Hint]) -> dict[str, Any]:
    s = r.site
    label = s.name if s.kind.is_pg_sys and s.name else s.item or "the crate root"
    text = f"{s.kind.value} in {label}: {r.review.value} ({r.reason})"
    result: dict[str, Any] = {
        "ruleId": RULE_ID,
        "ruleIndex": 0,
        "level": "error" if r.blocking else ("note" if r.review.valid else "warning"),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(s.path),
                    "region": {
                        "startLine": s.span.line,
                        "startColumn": s.span.column,
                        "endLine": max(s.span.end_line, s.span.line),
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: s.id},
        "properties": {
            "kind": s.kind.value,
            "diffStatus": r.delta.status.value,
            "review": r.review.value,
        },
    }
    if hints:
        result["relatedLocations"] = _related(hints)
        result["properties"]["hints"] = [hint_json(h) for h in hints]
    if r.blocking:
        # What PostgreSQL's source says about each function the unit calls: evidence.
        called = called_functions((s, *r.member_sites))
        if called:
            result["properties"]["contracts"] = [contract_line(name) for name in called]
    if r.review.valid and r.entry is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": r.entry.justification,
                "properties": {
                    "reviewer": r.entry.reviewer,
                    "release": r.entry.release,
                    "reviewedAt": r.entry.reviewed_at,
                    "failedItems": list(r.entry.failed_items),
                },
            }
        ]
    return result


def _file_result(r: FileReview) -> dict[str, Any]:
    f = r.file
    location: dict[str, Any] = {"artifactLocation": _artifact(f.path)}
    if f.line:
        location["region"] = {"startLine": f.line}
    return {
        "ruleId": NOT_SEARCHED_RULE_ID,
        "ruleIndex": 1,
        "level": "error" if r.blocking else "note",
        "message": {"text": f"Not searched for sites: {r.reason}"},
        "locations": [{"physicalLocation": location}],
        "properties": {
            "reason": f.reason.value,
            "blocking": r.blocking,
            "allowedBy": r.allowed_by,
        },
    }


def to_sarif(report: CheckReport) -> dict[str, Any]:
    """The SARIF log: one run, one rule, one result per head site (and one more rule, with a
    result per file, when some head file was not searched)."""
    log: dict[str, Any] = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "unsafe-audit",
                        "version": __version__,
                        "rules": [
                            {
                                "id": RULE_ID,
                                "name": "UnsafeSiteSignOff",
                                "shortDescription": {
                                    "text": "Unsafe code or pg_sys use without a valid sign-off"
                                },
                                "fullDescription": {
                                    "text": (
                                        "Every unsafe site and raw pg_sys use needs a reviewer's "
                                        "sign-off in the ledger, renewed when its code changes."
                                    )
                                },
                                "defaultConfiguration": {"level": "error"},
                            }
                        ],
                    }
                },
                "results": [
                    _result(r, report.hints.get(r.site.id, ()))
                    for r in report.state.sites
                    if r.exempt is None
                ],
                "properties": {"summary": report.state.summary(), "ok": report.ok},
            }
        ],
    }
    files = report.state.files
    if files:
        run = log["runs"][0]
        run["tool"]["driver"]["rules"].append(_NOT_SEARCHED_RULE)
        run["results"].extend(_file_result(r) for r in files)
    return log


def write(report: CheckReport, out: TextIO) -> None:
    """For GitHub code scanning and other SARIF consumers."""
    out.write(encodable_json(json.dumps(to_sarif(report), indent=2, ensure_ascii=False)) + "\n")
