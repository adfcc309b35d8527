"""The ``checklist`` command: print the review checklist, optionally with a team's additions."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO, assert_never

from unsafe_audit.checklist.load import default_checklist, load_checklist
from unsafe_audit.checklist.model import Checklist, merge_checklists
from unsafe_audit.commands.settings import apply_config
from unsafe_audit.report.escape import terminal_line, terminal_text

_WIDTH = 80


class OutputFormat(StrEnum):
    """How ``checklist`` prints: for people, or for other tools."""

    TEXT = "text"
    JSON = "json"


def add_checklist_option(p: argparse.ArgumentParser) -> None:
    """``--checklist PATH`` (repeatable), shared by every command that uses the checklist;
    :func:`build_checklist` turns the paths into the checklist in force."""
    p.add_argument(
        "--checklist",
        dest="checklists",
        metavar="PATH",
        action="append",
        default=[],
        help=(
            "a team checklist YAML file whose sections, lifetime patterns and items are ADDED on "
            "top of the built-in one (items may use the built-in sections A, B, C; ids must not "
            "collide with existing ones); repeat to add several"
        ),
    )


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "checklist",
        help="print the FFI-safety checklist reviewers answer for each site",
        description=(
            "Print the checklist a reviewer answers for every unsafe site and pg_sys use: the "
            "built-in pgrx-ffi checklist, plus the team checklists given with --checklist or, "
            "without it, named by `checklists` in the repository's .unsafe-audit/config.yaml."
        ),
    )
    p.add_argument(
        "path",
        nargs="?",
        default=".",
        type=Path,
        help="repository whose configured checklists to include (default .)",
    )
    add_checklist_option(p)
    p.add_argument(
        "--format",
        choices=[f.value for f in OutputFormat],
        default=OutputFormat.TEXT.value,
        help="text (default) for reading, json for tools (schema_version 1, docs/json.md)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    apply_config(args, args.path)
    checklist = build_checklist(args.checklists)
    output_format = OutputFormat(args.format)
    if output_format is OutputFormat.TEXT:
        write_text(checklist, sys.stdout)
    elif output_format is OutputFormat.JSON:
        json.dump(to_json(checklist), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        assert_never(output_format)
    return 0


def build_checklist(team_paths: list[str]) -> Checklist:
    """The default checklist with each team file merged on top, in the order given."""
    checklist = default_checklist()
    for path in team_paths:
        checklist = merge_checklists(checklist, load_checklist(path, base=checklist))
    return checklist


SCHEMA_VERSION = 1
"""The version of the JSON contract below (docs/json.md); raised when a field changes meaning
or goes away, never for an added field."""


def to_json(checklist: Checklist) -> dict[str, Any]:
    """The JSON contract: schema_version, id, version, sections, lifetime_patterns and items
    (without guidance)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "id": checklist.id,
        "version": checklist.version,
        "sections": [{"id": s.id, "title": s.title} for s in checklist.sections],
        "lifetime_patterns": [
            {"id": p.id, "title": p.title, "description": p.description}
            for p in checklist.lifetime_patterns
        ],
        "items": [
            {
                "id": item.id,
                "section": item.section,
                "question": item.question,
                "applies_to": [kind.value for kind in item.applies_to],
            }
            for item in checklist.items
        ],
    }


def write_text(checklist: Checklist, out: TextIO) -> None:
    """Items grouped by section, each with its id, question and site kinds, within 80 columns."""
    out.write(f"{terminal_line(checklist.title)} ({terminal_line(checklist.label)})\n")
    if checklist.description:
        out.write(textwrap.fill(terminal_text(checklist.description), _WIDTH) + "\n")
    for section in checklist.sections:
        items = checklist.items_in(section.id)
        if not items:
            continue
        out.write(f"\n{terminal_line(section.id)}. {terminal_line(section.title)}\n")
        for item in items:
            out.write(f"\n  {terminal_line(item.id)}\n")
            out.write(_fill(item.question, indent=4))
            kinds = ", ".join(kind.value for kind in item.applies_to)
            out.write(_fill(f"applies to: {kinds}", indent=4, subsequent=6))
    if checklist.lifetime_patterns:
        out.write("\nLifetime patterns (name one per site)\n")
        for pattern in checklist.lifetime_patterns:
            out.write(_fill(f"{pattern.id}: {pattern.title}", indent=2, subsequent=4))


def _fill(text: str, *, indent: int, subsequent: int | None = None) -> str:
    return (
        textwrap.fill(
            terminal_text(text),
            _WIDTH,
            initial_indent=" " * indent,
            subsequent_indent=" " * (indent if subsequent is None else subsequent),
            break_on_hyphens=False,
        )
        + "\n"
    )
