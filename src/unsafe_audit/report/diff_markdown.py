"""``diff --format markdown``: a PR comment or CI job summary, with the code of each site that
needs review, and the head files the scan could not read (their sites are missing).

The report stays under 60,000 characters whatever the repository (see
:mod:`unsafe_audit.report.markdown_budget`): the summary first, then the sites that need review
with their code while they fit, the rest of them as one line each, the files not searched, the
other changes folded, and a note saying what was left out and how to get it. Locations link to
the code when the CI environment says where the repository lives.
"""

from __future__ import annotations

import textwrap
from typing import TextIO

from unsafe_audit.diff import SiteDelta, Status
from unsafe_audit.model import Side, Site, SiteKind
from unsafe_audit.report.escape import code_span, fence, markdown_inline
from unsafe_audit.report.interface import DiffReport
from unsafe_audit.report.markdown_budget import Budget, json_command

# Longest code shown per site; a PR comment has a size limit and a reviewer has the link for
# the rest.
MAX_LINES = 60


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item
    text = code_span(label) if label else "the crate root"
    return text + " (in a macro)" if site.in_macro else text


def _link(report: DiffReport, site: Site, side: Side) -> str:
    text = code_span(f"{site.path}#L{site.span.line}")
    links = report.links
    url = links.url(side, site.path, site.span.line) if links is not None else None
    return text if url is None else f"[{text}]({url})"


def _clip(code: str) -> str:
    lines = textwrap.dedent(code).rstrip().split("\n")
    if len(lines) <= MAX_LINES:
        return "\n".join(lines)
    more = len(lines) - MAX_LINES
    return "\n".join([*lines[:MAX_LINES], f"// … {more} more lines"])


def _summary(report: DiffReport) -> str:
    base, head, delta = report.base, report.head, report.delta
    parts: list[str] = []
    if report.first_release:
        parts.append("## unsafe-audit: first release\n\n")
    else:
        parts.append(f"## unsafe-audit: changes since {markdown_inline(base.label)}\n\n")
    head_text = "the working tree" if head.working_tree else f"**{markdown_inline(head.label)}**"
    if head.commit is not None and head.ref != head.commit:
        head_text += f" ({code_span(head.commit[:12])})"
    if base.commit is not None:
        parts.append(
            f"Comparing {head_text} with **{markdown_inline(base.label)}** "
            f"({code_span(base.commit[:12])}): {markdown_inline(report.reason)}.\n\n"
        )
    else:
        parts.append(f"Auditing {head_text}: {markdown_inline(report.reason)}.\n\n")
    parts.append("| Status | Sites |\n|---|---:|\n")
    for status, count in delta.summary().items():
        mark = " (needs review)" if Status(status).needs_review and count else ""
        parts.append(f"| {status}{mark} | {count} |\n")
    return "".join(parts)


def _line(report: DiffReport, d: SiteDelta) -> str:
    """One site as a list item: status, kind, name and where."""
    s = d.site
    where = (
        _link(report, d.head, report.head)
        if d.head is not None
        else f"was {_link(report, s, report.base)}"
    )
    line = f"- {d.status.value} {code_span(s.kind.value)} in {_label(s)} — {where}"
    if d.status is Status.MOVED and d.base is not None:
        line += f" (from {_link(report, d.base, report.base)})"
    return line + "\n"


def _how_to_get_the_rest(report: DiffReport) -> str:
    command = json_command("diff", report.base, report.head)
    return (
        f"Every site, with the code of each changed one, is in {code_span(' '.join(command))} "
        "(or the table, without `--format`); in CI, keep it as a job artifact."
    )


def write(report: DiffReport, out: TextIO) -> None:
    """The report, cut to fit a PR comment (see the module doc)."""
    delta = report.delta
    budget = Budget()
    budget.add(_summary(report))
    review = delta.needs_review()
    budget.add(f"\n### Needs review ({len(review)})\n\n")
    if not review:
        budget.add("Nothing new or changed.\n")
    blocks = [_review_site(report, d) for d in review]
    # When the code of every site does not fit, it takes at most two thirds of the room, so
    # that the rest lists the other sites, a line each.
    room = 0 if budget.fits("".join(blocks)) else budget.limit // 3
    shown = 0
    for block in blocks:
        if not budget.fits(block, after=room):
            break
        budget.add(block)
        shown += 1
    rest = review[shown:]
    budget.section(
        f"\nWithout their code, to keep this report short ({len(rest)}):\n\n",
        [_line(report, d) for d in rest],
        "",
        "sites that need review",
    )
    if report.unread:
        rows = []
        for f in report.unread:
            where = f"{f.path}#L{f.line}" if f.line else f.path
            rows.append(
                f"| {code_span(f.reason.value, table=True)} | {code_span(where, table=True)} | "
                f"{markdown_inline(f.message)} |\n"
            )
        budget.section(
            f"\n### Not searched for sites ({len(report.unread)})\n\n"
            "Their sites are missing from this diff.\n\n| Reason | File | Why |\n|---|---|---|\n",
            rows,
            "",
            "files not searched",
        )
    listed = [
        d for d in delta.sites if not d.status.needs_review and d.status is not Status.UNCHANGED
    ]
    if listed:
        counts = ", ".join(
            f"{n} {k}"
            for k, n in delta.summary().items()
            if n and not Status(k).needs_review and k != Status.UNCHANGED.value
        )
        budget.section(
            f"\n<details><summary>Not needing review: {counts}</summary>\n\n",
            [_line(report, d) for d in listed],
            "\n</details>\n",
            "sites not needing review",
        )
    out.write(budget.text(_how_to_get_the_rest(report)))


def _review_site(report: DiffReport, d: SiteDelta) -> str:
    s = d.site
    head_side, base_side = report.head, report.base
    where = _link(report, s, head_side if d.head is not None else base_side)
    parts = [f"#### {d.status.value}: {code_span(s.kind.value)} in {_label(s)} — {where}\n\n"]
    code = report.review_code[d]
    if d.status is Status.CHANGED and d.base is not None and d.head is not None:
        if code.before is not None:
            before = _link(report, d.base, base_side)
            parts.append(f"Before ({before} in {markdown_inline(report.base.label)}):\n\n")
            parts.append(fence(_clip(code.before)) + "\n")
        if code.after is not None:
            parts.append(f"After ({_link(report, d.head, head_side)}):\n\n")
            parts.append(fence(_clip(code.after)) + "\n")
    elif d.head is not None and code.after is not None:
        parts.append(fence(_clip(code.after)) + "\n")
    if s.safety_comment is None and s.kind in (SiteKind.UNSAFE_BLOCK, SiteKind.UNSAFE_IMPL):
        parts.append("No `// SAFETY:` comment.\n\n")
    return "".join(parts)
