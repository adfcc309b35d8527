"""``check --format json``: ``schema_version`` 1, one line per site.

Sites are listed by review unit (see :mod:`unsafe_audit.units`): each unit, then the pg_sys
uses inside it. ``unit`` (added in schema version 1) is the id of the unit a site belongs to:
its own id for a unit, the enclosing unit's for a pg_sys use inside one. Such a member needs no
sign-off of its own: its ``review``, ``entry``, ``reviewer``, ``release`` and ``failed_items``
are its unit's, it never blocks, and its ``reason`` names the unit. In ``summary``, ``sites``
counts every head site, ``units`` the review units, and the review states, ``blocking`` and
``covered`` (entries of members from before units) count units.

Each site carries ``hints``: what the static hints saw at it (``id``, ``items``, ``path``,
``line``, ``message``), evidence for the reviewer, never a verdict. Hints are looked for only at
blocking sites (the ones that need a sign-off), so the list is empty at every other site. The
key is always there, so the site objects keep one shape; it was added in schema version 1,
which only grows.

``skipped`` lists the head files the scan did not search for sites — generated ones, and
those it could not read or never enters, which make ``ok`` false unless the configuration
allows them — each with ``path``, ``reason`` (``generated``, ``not_utf8``, ``too_large``,
``unreadable``, ``submodule``), ``line``, ``message``, ``blocking`` and ``allowed_by`` (the
``allow_unread`` pattern, or null). The key is there only when some file was skipped (added
in schema version 1).

Sites an adoption exemption covers (see :mod:`unsafe_audit.exemptions.model`) have
``"exempt": true`` and never block; ``summary.exempt`` counts them. ``exemptions`` is there
only when the repository has an exemptions file: ``file`` (its path) and ``unneeded`` (the
site ids whose exemption ``prune --apply`` would drop). All added in schema version 1.

``head.postgres_majors`` lists the PostgreSQL majors head builds for (its Cargo ``pgNN``
features) that the contracts table reads (13 and later), ascending: the majors whose pg_sys
contracts the sign-offs are held to (a sign-off records a digest of its unit's callees'
contracts per major). Empty when no manifest names one (added in schema version 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from unsafe_audit.diff import SiteDelta
from unsafe_audit.hints.interface import Hint
from unsafe_audit.model import Side
from unsafe_audit.report.interface import CheckReport
from unsafe_audit.report.json_document import write_document
from unsafe_audit.review_state import FileReview, SiteReview

SCHEMA_VERSION = 1
"""Version of ``check --format json``; bumped when a field changes meaning or goes away."""


def _side(side: Side) -> dict[str, Any]:
    return {"ref": side.ref, "commit": side.commit, "working_tree": side.working_tree}


def hint_json(hint: Hint) -> dict[str, Any]:
    """One hint: the rule, the checklist items it bears on, where, and what it saw."""
    return {
        "id": hint.hint_id,
        "items": list(hint.items),
        "path": hint.path,
        "line": hint.line,
        "message": hint.message,
    }


def site_json(r: SiteReview, hints: Sequence[Hint] = ()) -> dict[str, Any]:
    """One head site: the contract's keys first, then details, then its hints."""
    s, entry = r.site, r.entry
    return {
        "id": s.id,
        "kind": s.kind.value,
        "path": s.path,
        "line": s.span.line,
        "status": r.delta.status.value,
        "review": r.review.value,
        "blocking": r.blocking,
        "exempt": r.exempt is not None,
        "reason": r.reason,
        "item": s.item,
        "name": s.name,
        "base_id": r.delta.base.id if r.delta.base is not None else None,
        "entry": entry.site if entry is not None else None,
        "reviewer": entry.reviewer if entry is not None else None,
        "release": entry.release if entry is not None else None,
        "failed_items": list(entry.failed_items) if entry is not None else [],
        "unit": s.id,
        "hints": [hint_json(h) for h in hints],
    }


def member_json(member: SiteDelta, unit: SiteReview) -> dict[str, Any]:
    """A pg_sys use inside ``unit``: its own place and diff status, its unit's review."""
    row = site_json(unit)
    s = member.head
    assert s is not None
    row |= {
        "id": s.id,
        "kind": s.kind.value,
        "path": s.path,
        "line": s.span.line,
        "status": member.status.value,
        "blocking": False,
        "reason": f"covered by review unit {unit.site.id} ({unit.site.label}): {unit.reason}",
        "item": s.item,
        "name": s.name,
        "base_id": member.base.id if member.base is not None else None,
        "unit": unit.site.id,
    }
    return row


def file_json(r: FileReview) -> dict[str, Any]:
    """One head file not searched for sites, and whether it blocks."""
    f = r.file
    return {
        "path": f.path,
        "reason": f.reason.value,
        "line": f.line,
        "message": f.message,
        "blocking": r.blocking,
        "allowed_by": r.allowed_by,
    }


def to_json(report: CheckReport) -> dict[str, Any]:
    """The whole JSON document."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "ok": report.ok,
        "summary": report.state.summary(),
        "base": {**_side(report.base), "reason": report.reason},
        "head": {**_side(report.head), "postgres_majors": list(report.majors)},
        "ledger": report.ledger,
        "only_changed": report.state.only_changed,
        "require_signatures": report.require_signatures,
        "orphaned": [e.site for e in report.state.orphaned],
    }
    if report.state.files:
        document["skipped"] = [file_json(r) for r in report.state.files]
    if report.exemptions is not None:
        document["exemptions"] = {
            "file": report.exemptions,
            "unneeded": [e.site for e, _ in report.unneeded_exemptions],
        }
    document["sites"] = [
        row
        for r in report.state.sites
        for row in (
            site_json(r, report.hints.get(r.site.id, ())),
            *(member_json(m, r) for m in r.members),
        )
    ]
    return document


def write(report: CheckReport, out: TextIO) -> None:
    """For tools."""
    write_document(to_json(report), out)
