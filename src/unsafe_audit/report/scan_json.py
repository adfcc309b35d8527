"""``scan --format json``: ``schema_version`` 1, one line per site.

``unit`` (added in schema version 1, last in each site) is the id of the review unit the site
belongs to (see :mod:`unsafe_audit.units`): its own id for an unsafe site or a pg_sys use outside
every unsafe site, the id of the innermost unsafe site around it for a pg_sys use inside one.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii
from typing import Any, TextIO

from unsafe_audit.contracts.json_view import contract_json, contract_tail
from unsafe_audit.model import ScanResult, Site, SiteId, SiteKind, SkippedFile
from unsafe_audit.report.json_document import write_document
from unsafe_audit.units import group_units

SCHEMA_VERSION = 1
"""Version of ``scan --format json``; bumped when a field changes meaning or goes away."""


def site_json(site: Site, unit: SiteId | None = None) -> dict[str, Any]:
    """One site in the JSON contract; ``unit``: its review unit's id (default: as the site
    alone says, its parent for a pg_sys use, else its own id). A ``pg_sys_call`` site also has
    ``contract``, last: what PostgreSQL's C source says about the function called (see
    ``unsafe_audit.contracts``)."""
    out: dict[str, Any] = {
        "id": site.id,
        "kind": site.kind.value,
        "path": site.path,
        "line": site.span.line,
        "end_line": site.span.end_line,
        "column": site.span.column,
        "item": site.item,
        "in_macro": site.in_macro,
        "parent": site.parent,
        "name": site.name,
        "safety_comment": site.safety_comment,
        "attributes": list(site.attributes),
        "pg_sys_calls": list(site.pg_sys_calls),
        "unit": unit if unit is not None else _own_unit(site),
    }
    if site.kind is SiteKind.PG_SYS_CALL and site.name is not None:
        out["contract"] = contract_json(site.name)
    return out


def _own_unit(site: Site) -> SiteId:
    return site.parent if site.kind.is_pg_sys and site.parent is not None else site.id


def site_line(site: Site, unit: SiteId | None = None) -> str:
    """``json.dumps(site_json(site, unit))``, written directly (a warm scan of a large tree
    spends most of its time here otherwise)."""
    sp = site.span
    esc = encode_basestring_ascii
    parent, name, safety = site.parent, site.name, site.safety_comment
    attrs, calls = site.attributes, site.pg_sys_calls
    return (
        f'{{"id": "{site.id}", "kind": "{site.kind}", "path": {esc(site.path)}, '
        f'"line": {sp.line}, "end_line": {sp.end_line}, "column": {sp.column}, '
        f'"item": {esc(site.item)}, "in_macro": {"true" if site.in_macro else "false"}, '
        f'"parent": {"null" if parent is None else esc(parent)}, '
        f'"name": {"null" if name is None else esc(name)}, '
        f'"safety_comment": {"null" if safety is None else esc(safety)}, '
        f'"attributes": [{", ".join(map(esc, attrs)) if attrs else ""}], '
        f'"pg_sys_calls": [{", ".join(map(esc, calls)) if calls else ""}], '
        f'"unit": "{unit if unit is not None else _own_unit(site)}"{contract_tail(site)}}}'
    )


def skipped_json(file: SkippedFile) -> dict[str, Any]:
    """One file not searched for sites: where, why (``reason``: ``generated``, ``not_utf8``,
    ``too_large``, ``unreadable``), and the words for people."""
    return {
        "path": file.path,
        "reason": file.reason.value,
        "line": file.line,
        "message": file.message,
    }


def to_json(result: ScanResult, *, with_sites: bool = True) -> dict[str, Any]:
    """The JSON contract as a dict (``sites`` left out unless ``with_sites``). ``skipped``
    lists the files not searched, by path; the key is there only when there are some (it was
    added in schema version 1, which only grows)."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "root": result.root,
        "rev": result.rev,
        "files_scanned": result.files_scanned,
        "files_skipped": result.files_skipped,
        "generated_skipped": result.generated_skipped,
    }
    if result.skipped:
        document["skipped"] = [skipped_json(f) for f in result.skipped]
    document["warnings"] = [
        {"path": w.path, "line": w.line, "message": w.message} for w in result.warnings
    ]
    if with_sites:
        unit_of = group_units(result.sites).unit_of
        document["sites"] = [site_json(s, unit_of.get(s.id)) for s in result.sites]
    return document


def write(result: ScanResult, out: TextIO) -> None:
    """The JSON contract (:func:`to_json`), one site per line."""
    document: dict[str, Any] = {**to_json(result, with_sites=False), "sites": result.sites}
    unit_of = group_units(result.sites).unit_of
    write_document(document, out, render=lambda s: site_line(s, unit_of.get(s.id)))
