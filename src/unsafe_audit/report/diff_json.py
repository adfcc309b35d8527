"""``diff --format json``: ``schema_version`` 1, one line per site.

``unit`` and ``base_unit`` (added in schema version 1, last in each site) are the ids of the
review units the site belongs to in head and in base (null where the site is not on that
side): see ``scan --format json`` and :mod:`unsafe_audit.units`.

``skipped`` lists the head files the scan could not read (their sites are missing from the
diff), as in ``scan --format json``; the key is there only when there are some (added in
schema version 1)."""

from __future__ import annotations

from json.encoder import encode_basestring_ascii
from typing import Any, TextIO

from unsafe_audit.contracts.json_view import contract_json, contract_tail
from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.model import Side, SiteKind
from unsafe_audit.report.interface import DiffReport
from unsafe_audit.report.json_document import string, write_document
from unsafe_audit.report.scan_json import skipped_json
from unsafe_audit.units import group_units

SCHEMA_VERSION = 1
"""Version of ``diff --format json``; bumped when a field changes meaning or goes away."""


def side_json(side: Side) -> dict[str, Any]:
    """One side: its ref and commit, and for the work tree what it is based on."""
    out: dict[str, Any] = {"ref": side.ref, "commit": side.commit}
    if side.working_tree:
        out["working_tree"] = True
        out["based_on"] = side.based_on
    return out


class _UnitIds:
    """Each head and base site's review unit, grouped once per report."""

    def __init__(self, report: DiffReport) -> None:
        sites = report.delta.sites
        self.head = group_units(d.head for d in sites if d.head is not None).unit_of
        self.base = group_units(d.base for d in sites if d.base is not None).unit_of

    def of(self, delta: SiteDelta) -> tuple[str | None, str | None]:
        head, base = delta.head, delta.base
        return (
            self.head.get(head.id, head.id) if head is not None else None,
            self.base.get(base.id, base.id) if base is not None else None,
        )


def delta_json(
    delta: SiteDelta, report: DiffReport, units: _UnitIds | None = None
) -> dict[str, Any]:
    """One site in the JSON contract. Head fields are null for removed sites, base_* fields
    for new ones; ``before``/``after`` hold the code of changed sites."""
    head, base, site = delta.head, delta.base, delta.site
    out: dict[str, Any] = {
        "status": delta.status.value,
        "needs_review": delta.status.needs_review,
        "id": head.id if head else None,
        "kind": site.kind.value,
        "path": head.path if head else None,
        "line": head.span.line if head else None,
        "base_id": base.id if base else None,
        "base_path": base.path if base else None,
        "base_line": base.span.line if base else None,
        "item": site.item,
        "name": site.name,
        "end_line": head.span.end_line if head else None,
        "column": head.span.column if head else None,
        "base_item": base.item if base else None,
        "base_end_line": base.span.end_line if base else None,
        "in_macro": site.in_macro,
        "token_hash": head.token_hash if head else None,
        "base_token_hash": base.token_hash if base else None,
        "safety_comment": site.safety_comment,
        "pg_sys_calls": list(site.pg_sys_calls),
        "before": None,
        "after": None,
    }
    if delta.status is Status.CHANGED:
        code = report.changed_code[delta]
        out["before"], out["after"] = code.before, code.after
    out["unit"], out["base_unit"] = (units or _UnitIds(report)).of(delta)
    if site.kind is SiteKind.PG_SYS_CALL and site.name is not None:
        out["contract"] = contract_json(site.name)
    return out


_NEEDS_REVIEW = frozenset(s for s in Status if s.needs_review)


def delta_line(delta: SiteDelta, report: DiffReport, units: _UnitIds | None = None) -> str:
    """``json.dumps(delta_json(delta, report))``, written directly: a diff of a large tree
    has thousands of unchanged sites, and building a dict for each doubled the output's cost."""
    head, base, site = delta.head, delta.base, delta.site
    esc = encode_basestring_ascii
    # Status and SiteKind are StrEnums: formatted directly they give their value, without
    # enum's slow `.value` property (thousands of lines per diff).
    status, kind = delta.status, site.kind
    before = after = None
    if status is Status.CHANGED:
        code = report.changed_code[delta]
        before, after = code.before, code.after
    if head is not None:
        hs = head.span
        head_part = (
            f'"id": "{head.id}", "kind": "{kind}", "path": {esc(head.path)}, "line": {hs.line}, '
        )
        head_tail = f'"end_line": {hs.end_line}, "column": {hs.column}, '
        head_hash = f'"token_hash": "{head.token_hash}", '
    else:
        head_part = f'"id": null, "kind": "{kind}", "path": null, "line": null, '
        head_tail = '"end_line": null, "column": null, '
        head_hash = '"token_hash": null, '
    if base is not None:
        base_part = (
            f'"base_id": "{base.id}", "base_path": {esc(base.path)}, '
            f'"base_line": {base.span.line}, '
        )
        base_tail = f'"base_item": {esc(base.item)}, "base_end_line": {base.span.end_line}, '
        base_hash = f'"base_token_hash": "{base.token_hash}", '
    else:
        base_part = '"base_id": null, "base_path": null, "base_line": null, '
        base_tail = '"base_item": null, "base_end_line": null, '
        base_hash = '"base_token_hash": null, '
    name, safety, calls = site.name, site.safety_comment, site.pg_sys_calls
    unit, base_unit = (units or _UnitIds(report)).of(delta)
    return (
        f'{{"status": "{status}", '
        f'"needs_review": {"true" if status in _NEEDS_REVIEW else "false"}, '
        f"{head_part}{base_part}"
        f'"item": {esc(site.item)}, "name": {"null" if name is None else esc(name)}, '
        f"{head_tail}{base_tail}"
        f'"in_macro": {"true" if site.in_macro else "false"}, '
        f"{head_hash}{base_hash}"
        f'"safety_comment": {"null" if safety is None else esc(safety)}, '
        f'"pg_sys_calls": [{", ".join(map(esc, calls)) if calls else ""}], '
        f'"before": {string(before)}, "after": {string(after)}, '
        f'"unit": {string(unit)}, "base_unit": {string(base_unit)}{contract_tail(site)}}}'
    )


def to_json(report: DiffReport, *, with_sites: bool = True) -> dict[str, Any]:
    """The JSON contract as a dict (``sites`` left out unless ``with_sites``)."""
    base = side_json(report.base)
    base["reason"] = report.reason
    base["first_release"] = report.first_release
    document = {
        "schema_version": SCHEMA_VERSION,
        "base": base,
        "head": side_json(report.head),
        "summary": report.delta.summary(),
        "needs_review": len(report.delta.needs_review()),
        "warnings": [
            {"path": w.path, "line": w.line, "message": w.message} for w in report.warnings
        ],
        "submodules": list(report.submodules),
    }
    if report.unread:
        document["skipped"] = [skipped_json(f) for f in report.unread]
    if with_sites:
        units = _UnitIds(report)
        document["sites"] = [delta_json(d, report, units) for d in report.delta.sites]
    return document


def write(report: DiffReport, out: TextIO) -> None:
    """The JSON contract (:func:`to_json`), one site per line."""
    document: dict[str, Any] = {**to_json(report, with_sites=False), "sites": report.delta.sites}
    units = _UnitIds(report)
    write_document(document, out, render=lambda d: delta_line(d, report, units))
