"""``diff --format markdown``: a PR comment or CI job summary, with the code of each site that
needs review, and the head files the scan could not read (their sites are missing)."""

from __future__ import annotations

import textwrap
from typing import TextIO

from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.model import Site, SiteKind
from unsafe_audit.report.escape import code_span, fence, markdown_inline
from unsafe_audit.report.interface import DiffReport

# Longest code shown per site; a PR comment has a size limit and a reviewer has the link for
# the rest.
MAX_LINES = 60


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item
    text = code_span(label) if label else "the crate root"
    return text + " (in a macro)" if site.in_macro else text


def _link(site: Site) -> str:
    return code_span(f"{site.path}#L{site.span.line}")


def _clip(code: str) -> str:
    lines = textwrap.dedent(code).rstrip().split("\n")
    if len(lines) <= MAX_LINES:
        return "\n".join(lines)
    more = len(lines) - MAX_LINES
    return "\n".join([*lines[:MAX_LINES], f"// … {more} more lines"])


def write(report: DiffReport, out: TextIO) -> None:
    """A summary table, then each site needing review with its location and code."""
    base, head, delta = report.base, report.head, report.delta
    if report.first_release:
        out.write("## unsafe-audit: first release\n\n")
    else:
        out.write(f"## unsafe-audit: changes since {markdown_inline(base.label)}\n\n")
    head_text = "the working tree" if head.working_tree else f"**{markdown_inline(head.label)}**"
    if head.commit is not None and head.ref != head.commit:
        head_text += f" ({code_span(head.commit[:12])})"
    if base.commit is not None:
        out.write(
            f"Comparing {head_text} with **{markdown_inline(base.label)}** "
            f"({code_span(base.commit[:12])}): {markdown_inline(report.reason)}.\n\n"
        )
    else:
        out.write(f"Auditing {head_text}: {markdown_inline(report.reason)}.\n\n")
    out.write("| Status | Sites |\n|---|---:|\n")
    for status, count in delta.summary().items():
        mark = " (needs review)" if Status(status).needs_review and count else ""
        out.write(f"| {status}{mark} | {count} |\n")
    review = delta.needs_review()
    out.write(f"\n### Needs review ({len(review)})\n\n")
    if not review:
        out.write("Nothing new or changed.\n")
    for d in review:
        _write_review_site(report, d, out)
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
            line = f"- {d.status.value} {code_span(s.kind.value)} in {_label(s)}"
            line += f" — {where}"
            if d.status is Status.MOVED and d.base is not None:
                line += f" (from {_link(d.base)})"
            out.write(line + "\n")
        out.write("\n</details>\n")
    if report.unread:
        out.write(
            f"\n### Not searched for sites ({len(report.unread)})\n\n"
            "Their sites are missing from this diff.\n\n| Reason | File | Why |\n|---|---|---|\n"
        )
        for f in report.unread:
            where = f"{f.path}#L{f.line}" if f.line else f.path
            out.write(
                f"| {code_span(f.reason.value, table=True)} | {code_span(where, table=True)} | "
                f"{markdown_inline(f.message)} |\n"
            )


def _write_review_site(report: DiffReport, d: SiteDelta, out: TextIO) -> None:
    s = d.site
    out.write(f"#### {d.status.value}: {code_span(s.kind.value)} in {_label(s)} — {_link(s)}\n\n")
    code = report.review_code[d]
    if d.status is Status.CHANGED and d.base is not None and d.head is not None:
        if code.before is not None:
            out.write(f"Before ({_link(d.base)} in {markdown_inline(report.base.label)}):\n\n")
            out.write(fence(_clip(code.before)) + "\n")
        if code.after is not None:
            out.write(f"After ({_link(d.head)}):\n\n")
            out.write(fence(_clip(code.after)) + "\n")
    elif d.head is not None and code.after is not None:
        out.write(fence(_clip(code.after)) + "\n")
    if s.safety_comment is None and s.kind in (SiteKind.UNSAFE_BLOCK, SiteKind.UNSAFE_IMPL):
        out.write("No `// SAFETY:` comment.\n\n")
