"""``check --format json``: ``schema_version`` 1, one line per site."""

from __future__ import annotations

import io
from typing import Any

from unsafe_audit.json_document import write_document
from unsafe_audit.model import Side
from unsafe_audit.report.interface import JSON_SCHEMA_VERSION, CheckReport, Formatter
from unsafe_audit.review_state import SiteReview


def _side(side: Side) -> dict[str, Any]:
    return {"ref": side.ref, "commit": side.commit, "working_tree": side.working_tree}


def site_json(r: SiteReview) -> dict[str, Any]:
    """One head site: the contract's keys first, then details."""
    s, entry = r.site, r.entry
    return {
        "id": s.id,
        "kind": s.kind.value,
        "path": s.path,
        "line": s.span.line,
        "status": r.delta.status.value,
        "review": r.review.value,
        "blocking": r.blocking,
        "reason": r.reason,
        "item": s.item,
        "name": s.name,
        "base_id": r.delta.base.id if r.delta.base is not None else None,
        "entry": entry.site if entry is not None else None,
        "reviewer": entry.reviewer if entry is not None else None,
        "release": entry.release if entry is not None else None,
        "failed_items": list(entry.failed_items) if entry is not None else [],
    }


def to_json(report: CheckReport) -> dict[str, Any]:
    """The whole JSON document."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "ok": report.ok,
        "summary": report.state.summary(),
        "base": {**_side(report.base), "reason": report.reason},
        "head": _side(report.head),
        "ledger": report.ledger,
        "only_changed": report.state.only_changed,
        "require_signatures": report.require_signatures,
        "orphaned": [e.site for e in report.state.orphaned],
        "sites": [site_json(r) for r in report.state.sites],
    }


class JsonFormatter(Formatter):
    """For tools."""

    def format(self, report: CheckReport) -> str:
        out = io.StringIO()
        write_document(to_json(report), out)
        return out.getvalue()
