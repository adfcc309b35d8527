"""``check --format markdown``: a PR comment or CI job summary. Files not searched for sites
are listed by path: those that block in a table of their own, generated and allowed ones in a
folded list."""

from __future__ import annotations

from typing import TextIO

from unsafe_audit.config.model import CONFIG_PATH
from unsafe_audit.model import Site
from unsafe_audit.report.escape import code_span, markdown_inline, markdown_mixed
from unsafe_audit.report.interface import CheckReport
from unsafe_audit.review_state import FileReview, Review, SiteReview


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item
    return code_span(label, table=True) if label else "crate root"


def _row(r: SiteReview) -> str:
    s = r.site
    return (
        f"| {r.review.value} | {r.delta.status.value} | {code_span(s.kind.value, table=True)} | "
        f"{code_span(f'{s.path}#L{s.span.line}', table=True)} | {_label(s)} | "
        f"{code_span(s.id, table=True)} | {markdown_inline(r.reason)} |\n"
    )


def _hint_section(report: CheckReport, rows: list[SiteReview]) -> list[str]:
    """What the static hints saw at these sites: evidence for the reviewer, not verdicts."""
    seen: set[tuple[str, str, int]] = set()
    lines: list[str] = []
    for r in rows:
        for hint in report.hints.get(r.site.id, ()):
            key = (hint.hint_id, hint.path, hint.line)
            if key in seen:
                continue
            seen.add(key)
            lines.append(
                f"- {code_span(f'{hint.path}#L{hint.line}')} {code_span(hint.hint_id)} "
                f"({markdown_inline(', '.join(hint.items))}): {markdown_mixed(hint.message)}\n"
            )
    if not lines:
        return []
    return [
        f"\n<details><summary>What the code already shows ({len(lines)} hints)</summary>\n\n",
        *lines,
        "\n</details>\n",
    ]


_HEADER = "| Review | Diff | Kind | Where | Item | Site id | Why |\n|---|---|---|---|---|---|---|\n"
_FILE_HEADER = "| Reason | File | Why |\n|---|---|---|\n"


def _file_row(r: FileReview) -> str:
    f = r.file
    where = f"{f.path}#L{f.line}" if f.line else f.path
    return (
        f"| {code_span(f.reason.value, table=True)} | {code_span(where, table=True)} | "
        f"{markdown_inline(r.reason)} |\n"
    )


def _file_sections(files: tuple[FileReview, ...]) -> list[str]:
    """The files not searched: blocking ones in a table, the others folded."""
    parts: list[str] = []
    blocking = [r for r in files if r.blocking]
    if blocking:
        parts.append(f"\n### Not searched for sites ({len(blocking)})\n\n{_FILE_HEADER}")
        parts.extend(_file_row(r) for r in blocking)
        parts.append(
            "\nEach blocks the gate: make it readable Rust (UTF-8, small enough to parse), or "
            f"allow it under `allow_unread` in `{CONFIG_PATH}`.\n"
        )
    others = [r for r in files if not r.blocking]
    if others:
        parts.append(
            f"\n<details><summary>Not searched for sites, not blocking: generated or allowed "
            f"({len(others)})</summary>\n\n{_FILE_HEADER}"
        )
        parts.extend(_file_row(r) for r in others)
        parts.append("\n</details>\n")
    return parts


def write(report: CheckReport, out: TextIO) -> None:
    """A verdict line, counts, then tables of blocking and shipped-with-fail sites, and the
    hints seen at the blocking ones."""
    state = report.state
    summary = state.summary()
    mark = "✅" if report.ok else "❌"
    failures = []
    if summary["blocking"]:
        failures.append(f"{summary['blocking']} review units need a sign-off")
    if state.blocking_files:
        failures.append(f"{len(state.blocking_files)} files could not be searched for sites")
    verdict = " and ".join(failures) if failures else "every site that needs a sign-off has one"
    parts = [
        f"## unsafe-audit check {mark}\n\n",
        f"{markdown_inline(report.head.label)} against **{markdown_inline(report.base.label)}** "
        f"({markdown_inline(report.reason)}): {verdict}.\n\n",
        f"{summary['units']} review units ({summary['sites']} sites: a pg_sys use inside an "
        "unsafe site is reviewed with it).\n\n",
        "| Review | Units |\n|---|---:|\n",
    ]
    parts.extend(f"| {r.value} | {summary[r.value]} |\n" for r in Review)
    parts.append(f"| orphaned entries (kept as history) | {summary['orphaned']} |\n")
    blocking = [r for r in state.sites if r.blocking]
    if blocking:
        parts.append(f"\n### Needs sign-off ({len(blocking)})\n\n{_HEADER}")
        parts.extend(_row(r) for r in blocking)
        parts.append(
            "\nSign off with `unsafe-audit sign-off SITE_ID --justification TEXT "
            "--answer ITEM=pass|fail|n/a ...` and commit the new ledger file.\n"
        )
        parts.extend(_hint_section(report, blocking))
    failed = state.with_review(Review.FAILED)
    if failed:
        parts.append(f"\n### Shipped with a fail answer ({len(failed)})\n\n{_HEADER}")
        parts.extend(_row(r) for r in failed)
    waived = [r for r in state.sites if not r.blocking and not r.review.valid]
    if waived:
        parts.append(
            f"\n<details><summary>Not signed off, not blocking with --only-changed "
            f"({len(waived)})</summary>\n\n{_HEADER}"
        )
        parts.extend(_row(r) for r in waived)
        parts.append("\n</details>\n")
    parts.extend(_file_sections(state.files))
    out.write("".join(parts))
