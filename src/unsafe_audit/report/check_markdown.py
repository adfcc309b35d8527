"""``check --format markdown``: a PR comment or CI job summary, under 60,000 characters whatever
the repository (see :mod:`unsafe_audit.report.markdown_budget`).

In order: the verdict and the counts (signed, exempt and other non-blocking sites are counts,
never rows), the files that block because they could not be searched, the sites that need a
sign-off, the hints seen at them, the sites shipped with a fail answer, the sites waived by
``--only-changed``, and the other files not searched, folded; then, when the report had to stop,
a note saying what is missing and how to get it. Locations link to the code when the CI
environment says where the repository lives (:mod:`unsafe_audit.report.links`).
"""

from __future__ import annotations

from typing import TextIO

from unsafe_audit.config.model import CONFIG_PATH
from unsafe_audit.contracts.summary import called_functions, contract_line
from unsafe_audit.model import Site
from unsafe_audit.report.escape import code_span, markdown_inline, markdown_mixed
from unsafe_audit.report.interface import CheckReport
from unsafe_audit.report.markdown_budget import Budget, json_command
from unsafe_audit.report.style import plural
from unsafe_audit.review_state import FileReview, Review, SiteReview

_HEADER = "| Review | Diff | Kind | Where | Item | Site id | Why |\n|---|---|---|---|---|---|---|\n"
_FILE_HEADER = "| Reason | File | Why |\n|---|---|---|\n"


def _label(site: Site) -> str:
    label = site.name if site.kind.is_pg_sys and site.name else site.item
    return code_span(label, table=True) if label else "crate root"


def _where(report: CheckReport, site: Site) -> str:
    text = code_span(f"{site.path}#L{site.span.line}", table=True)
    links = report.links
    url = links.url(report.head, site.path, site.span.line) if links is not None else None
    return text if url is None else f"[{text}]({url})"


def _row(report: CheckReport, r: SiteReview) -> str:
    s = r.site
    return (
        f"| {r.review.value} | {r.delta.status.value} | {code_span(s.kind.value, table=True)} | "
        f"{_where(report, s)} | {_label(s)} | "
        f"{code_span(s.id, table=True)} | {markdown_inline(r.reason)} |\n"
    )


def _hint_rows(report: CheckReport, rows: list[SiteReview]) -> list[str]:
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
    return lines


def _file_row(r: FileReview) -> str:
    f = r.file
    where = f"{f.path}#L{f.line}" if f.line else f.path
    return (
        f"| {code_span(f.reason.value, table=True)} | {code_span(where, table=True)} | "
        f"{markdown_inline(r.reason)} |\n"
    )


def _summary(report: CheckReport) -> str:
    state = report.state
    summary = state.summary()
    mark = "✅" if report.ok else "❌"
    failures = []
    if summary["blocking"]:
        blocking = summary["blocking"]
        verb = "needs" if blocking == 1 else "need"
        failures.append(f"{plural(blocking, 'review unit')} {verb} a sign-off")
    if state.blocking_files:
        failures.append(
            f"{plural(len(state.blocking_files), 'file')} could not be searched for sites"
        )
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
    if report.exemptions is not None:
        parts.append(
            f"| exempt since adoption (among the missing and stale; not blocking) | "
            f"{summary['exempt']} |\n"
        )
    parts.append(f"| orphaned entries (kept as history) | {summary['orphaned']} |\n")
    if report.unneeded_exemptions and report.exemptions is not None:
        parts.append(
            f"\n{len(report.unneeded_exemptions)} exemptions in "
            f"{code_span(report.exemptions)} are no longer needed (signed off, changed or "
            "gone): `unsafe-audit prune --apply` drops them.\n"
        )
    return "".join(parts)


def _how_to_get_the_rest(report: CheckReport) -> str:
    only = ["--only-changed"] if report.state.only_changed else []
    command = json_command("check", report.base, report.head, *only)
    return (
        f"Every site is in the JSON report, {code_span(' '.join(command))} (or "
        "`--format text`); in CI, keep it as a job artifact next to this summary."
    )


def write(report: CheckReport, out: TextIO) -> None:
    """The report, cut to fit a PR comment (see the module doc)."""
    state = report.state
    budget = Budget()
    budget.add(_summary(report))
    blocking_files = [r for r in state.files if r.blocking]
    budget.section(
        f"\n### Not searched for sites ({len(blocking_files)})\n\n{_FILE_HEADER}",
        [_file_row(r) for r in blocking_files],
        "\nEach blocks the gate: make it readable Rust (UTF-8, small enough to parse), or "
        f"allow it under `allow_unread` in `{CONFIG_PATH}`.\n",
        "files that could not be searched",
    )
    blocking = [r for r in state.sites if r.blocking]
    budget.section(
        f"\n### Needs sign-off ({len(blocking)})\n\n{_HEADER}",
        [_row(report, r) for r in blocking],
        "\nSign off with `unsafe-audit sign-off SITE_ID --justification TEXT "
        "--answer ITEM=pass|fail|n/a ...` and commit the new ledger file.\n",
        "sites that need a sign-off",
    )
    hints = _hint_rows(report, blocking)
    budget.section(
        f"\n<details><summary>What the code already shows ({len(hints)} hints)</summary>\n\n",
        hints,
        "\n</details>\n",
        "hints",
    )
    called = called_functions(s for r in blocking for s in (r.site, *r.member_sites))
    budget.section(
        "\n<details><summary>What PostgreSQL's source says about the functions these units "
        f"call ({len(called)})</summary>\n\n",
        [f"- {markdown_inline(contract_line(name))}\n" for name in called],
        "\nA static reading of PostgreSQL's C: evidence for the checklist, not proof.\n"
        "</details>\n",
        "pg_sys contracts",
    )
    failed = state.with_review(Review.FAILED)
    budget.section(
        f"\n### Shipped with a fail answer ({len(failed)})\n\n{_HEADER}",
        [_row(report, r) for r in failed],
        "",
        "sites shipped with a fail answer",
    )
    waived = [r for r in state.sites if not r.blocking and not r.review.valid and r.exempt is None]
    budget.section(
        f"\n<details><summary>Not signed off, not blocking with --only-changed "
        f"({len(waived)})</summary>\n\n{_HEADER}",
        [_row(report, r) for r in waived],
        "\n</details>\n",
        "sites not blocking with --only-changed",
    )
    others = [r for r in state.files if not r.blocking]
    budget.section(
        f"\n<details><summary>Not searched for sites, not blocking: generated or allowed "
        f"({len(others)})</summary>\n\n{_FILE_HEADER}",
        [_file_row(r) for r in others],
        "\n</details>\n",
        "files not searched (generated or allowed)",
    )
    out.write(budget.text(_how_to_get_the_rest(report)))
