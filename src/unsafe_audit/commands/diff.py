"""``unsafe-audit diff``: which unsafe sites and pg_sys uses changed since the previous release.

Output as a table (people at a terminal), JSON (tools; ``schema_version`` 1) or Markdown (a PR
comment or a CI job summary). The choice of base is explained on stderr.
"""

from __future__ import annotations

import argparse
import enum
import sys
import textwrap
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any, TextIO, assert_never

from unsafe_audit import json_document as js
from unsafe_audit.commands.scan_options import add_scan_options, scan_options
from unsafe_audit.compare import Comparison, Side, compare
from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.markdown_text import code_span, fence
from unsafe_audit.model import Site, SiteKind
from unsafe_audit.source import before_after
from unsafe_audit.source import code_from as site_code

SCHEMA_VERSION = 1
# Longest code shown per site in Markdown; a PR comment has a size limit and a reviewer has the
# link for the rest.
MARKDOWN_MAX_LINES = 60


class DiffFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "diff",
        help="classify sites against the previous release: new, changed, moved, migrated...",
        description=(
            "Compare the unsafe sites and pg_sys uses of head (the work tree, or --head REF) with "
            "those of the previous release: the highest release tag older than head by version "
            "order, found among all tags (also tags on release branches), or --base REF. Both "
            "revisions are read from git objects; nothing is checked out. Each site is new, "
            "changed, moved, migrated (only edition-2024 syntax changed), unchanged or removed; "
            "whitespace, comments and line moves never make a site changed."
        ),
    )
    p.add_argument(
        "path", nargs="?", default=".", type=Path, help="repository or crate in it (default .)"
    )
    p.add_argument("--base", help="compare with this revision instead of the previous release tag")
    p.add_argument(
        "--head",
        help="audit this committed revision (what CI uses) instead of the work tree",
    )
    p.add_argument(
        "--format",
        choices=[f.value for f in DiffFormat],
        default=DiffFormat.TABLE.value,
        help="table (default), json (schema_version 1) or markdown (PR comment, job summary)",
    )
    p.add_argument(
        "--allow-first-release",
        action="store_true",
        help="when there is no earlier release tag, report every site as new instead of failing",
    )
    p.add_argument(
        "--show-unchanged", action="store_true", help="table: also list the unchanged sites"
    )
    add_scan_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    options = scan_options(args)
    with compare(
        args.path,
        base=args.base,
        head=args.head,
        allow_first_release=args.allow_first_release,
        options=options,
    ) as comparison:
        print(
            f"unsafe-audit: comparing {comparison.head.label} with {comparison.base.label}: "
            f"{comparison.reason}",
            file=sys.stderr,
        )
        for warning in comparison.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        fmt = DiffFormat(args.format)
        if fmt is DiffFormat.TABLE:
            write_table(comparison, sys.stdout, show_unchanged=args.show_unchanged)
        elif fmt is DiffFormat.JSON:
            write_json(comparison, sys.stdout)
        elif fmt is DiffFormat.MARKDOWN:
            write_markdown(comparison, sys.stdout)
        else:
            assert_never(fmt)
    return 0


# -- JSON ------------------------------------------------------------------------------------------


def _side_json(side: Side) -> dict[str, Any]:
    out: dict[str, Any] = {"ref": side.ref, "commit": side.commit}
    if side.working_tree:
        out["working_tree"] = True
        out["based_on"] = side.based_on
    return out


def delta_json(delta: SiteDelta, comparison: Comparison) -> dict[str, Any]:
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
        out["before"], out["after"] = before_after(
            delta, base_source=comparison.base_source, head_source=comparison.head_source
        )
    return out


_NEEDS_REVIEW = frozenset(s for s in Status if s.needs_review)


def delta_line(delta: SiteDelta, comparison: Comparison) -> str:
    """``json.dumps(delta_json(delta, comparison))``, written directly: a diff of a large tree
    has thousands of unchanged sites, and building a dict for each doubled the output's cost."""
    head, base, site = delta.head, delta.base, delta.site
    esc = encode_basestring_ascii
    # Status and SiteKind are StrEnums: formatted directly they give their value, without
    # enum's slow `.value` property (thousands of lines per diff).
    status, kind = delta.status, site.kind
    before = after = None
    if status is Status.CHANGED:
        before, after = before_after(
            delta, base_source=comparison.base_source, head_source=comparison.head_source
        )
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
        f'"before": {js.string(before)}, "after": {js.string(after)}}}'
    )


def write_json(comparison: Comparison, out: TextIO) -> None:
    """The JSON contract (:func:`to_json`), one site per line."""
    document: dict[str, Any] = {
        **to_json(comparison, with_sites=False),
        "sites": comparison.delta.sites,
    }
    js.write_document(document, out, render=lambda d: delta_line(d, comparison))


def to_json(comparison: Comparison, *, with_sites: bool = True) -> dict[str, Any]:
    """The JSON contract as a dict (``sites`` left out unless ``with_sites``)."""
    base = _side_json(comparison.base)
    base["reason"] = comparison.reason
    base["first_release"] = comparison.first_release
    document = {
        "schema_version": SCHEMA_VERSION,
        "base": base,
        "head": _side_json(comparison.head),
        "summary": comparison.delta.summary(),
        "needs_review": len(comparison.delta.needs_review()),
        "warnings": [
            {"path": w.path, "line": w.line, "message": w.message} for w in comparison.warnings
        ],
        "submodules": list(comparison.submodules),
    }
    if with_sites:
        document["sites"] = [delta_json(d, comparison) for d in comparison.delta.sites]
    return document


# -- table -----------------------------------------------------------------------------------------


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item or "(crate root)"
    return label + " [macro]" if site.in_macro else label


def _side_label(side: Side) -> str:
    if side.commit is not None and side.ref is not None and side.ref != side.commit:
        return f"{side.ref} ({side.commit[:12]})"
    return side.label


def write_table(comparison: Comparison, out: TextIO, *, show_unchanged: bool = False) -> None:
    """Sites grouped by status with counts, in 80 columns."""
    out.write(f"{_side_label(comparison.base)} -> {_side_label(comparison.head)}\n")
    delta = comparison.delta
    for status in Status:
        group = delta.with_status(status)
        if not group:
            continue
        out.write(f"\n{status.value.upper()} ({len(group)})\n")
        if status is Status.UNCHANGED and not show_unchanged:
            out.write("  (not listed; --show-unchanged lists them)\n")
            continue
        for d in group:
            s = d.site
            loc = _fit(f"{s.path}:{s.span.line}", 30)
            out.write(f"  {s.kind.value:19} {loc:30} {_fit(_label(s), 26)}\n")
            if d.status is Status.MOVED and d.base is not None and d.head is not None:
                was = f"{d.base.path}:{d.base.span.line}"
                if d.base.item != d.head.item:
                    was += f" ({d.base.item or '(crate root)'})"
                out.write(f"  {'':19} {_fit('from ' + was, 57)}\n")
    summary = delta.summary()
    counts = ", ".join(f"{n} {k}" for k, n in summary.items())
    out.write(f"\n{counts}\n{len(delta.needs_review())} need review (new or changed)\n")


# -- Markdown --------------------------------------------------------------------------------------


def _md_label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item
    text = code_span(label) if label else "the crate root"
    return text + " (in a macro)" if site.in_macro else text


def _link(site: Site) -> str:
    return code_span(f"{site.path}#L{site.span.line}")


def _clip(code: str) -> str:
    lines = textwrap.dedent(code).rstrip().split("\n")
    if len(lines) <= MARKDOWN_MAX_LINES:
        return "\n".join(lines)
    more = len(lines) - MARKDOWN_MAX_LINES
    return "\n".join([*lines[:MARKDOWN_MAX_LINES], f"// … {more} more lines"])


def write_markdown(comparison: Comparison, out: TextIO) -> None:
    """A summary table, then each site needing review with its location and code."""
    base, head, delta = comparison.base, comparison.head, comparison.delta
    if comparison.first_release:
        out.write("## unsafe-audit: first release\n\n")
    else:
        out.write(f"## unsafe-audit: changes since {base.label}\n\n")
    head_text = "the working tree" if head.working_tree else f"**{head.label}**"
    if head.commit is not None and head.ref != head.commit:
        head_text += f" ({code_span(head.commit[:12])})"
    if base.commit is not None:
        out.write(
            f"Comparing {head_text} with **{base.label}** ({code_span(base.commit[:12])}): "
            f"{comparison.reason}.\n\n"
        )
    else:
        out.write(f"Auditing {head_text}: {comparison.reason}.\n\n")
    out.write("| Status | Sites |\n|---|---:|\n")
    for status, count in delta.summary().items():
        mark = " (needs review)" if Status(status).needs_review and count else ""
        out.write(f"| {status}{mark} | {count} |\n")
    review = delta.needs_review()
    out.write(f"\n### Needs review ({len(review)})\n\n")
    if not review:
        out.write("Nothing new or changed.\n")
    for d in review:
        _write_review_site(comparison, d, out)
    listed = [
        d for d in delta.sites if not d.status.needs_review and d.status is not Status.UNCHANGED
    ]
    if listed:
        counts = ", ".join(
            f"{n} {k}"
            for k, n in delta.summary().items()
            if n and not Status(k).needs_review and k != Status.UNCHANGED.value
        )
        out.write(f"\n<details><summary>Not needing review: {counts}</summary>\n\n")
        for d in listed:
            s = d.site
            where = _link(d.head) if d.head is not None else f"was {_link(s)}"
            line = f"- {d.status.value} {code_span(s.kind.value)} in {_md_label(s)}"
            line += f" — {where}"
            if d.status is Status.MOVED and d.base is not None:
                line += f" (from {_link(d.base)})"
            out.write(line + "\n")
        out.write("\n</details>\n")


def _write_review_site(comparison: Comparison, d: SiteDelta, out: TextIO) -> None:
    s = d.site
    out.write(
        f"#### {d.status.value}: {code_span(s.kind.value)} in {_md_label(s)} — {_link(s)}\n\n"
    )
    if d.status is Status.CHANGED and d.base is not None and d.head is not None:
        before, after = before_after(
            d,
            base_source=comparison.base_source,
            head_source=comparison.head_source,
            whole_lines=True,
        )
        if before is not None:
            out.write(f"Before ({_link(d.base)} in {comparison.base.label}):\n\n")
            out.write(fence(_clip(before)) + "\n")
        if after is not None:
            out.write(f"After ({_link(d.head)}):\n\n")
            out.write(fence(_clip(after)) + "\n")
    elif d.head is not None:
        code = site_code(d.head, comparison.head_source, whole_lines=True)
        if code is not None:
            out.write(fence(_clip(code)) + "\n")
    if s.safety_comment is None and s.kind in (SiteKind.UNSAFE_BLOCK, SiteKind.UNSAFE_IMPL):
        out.write("No `// SAFETY:` comment.\n\n")
