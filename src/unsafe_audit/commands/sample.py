"""``unsafe-audit sample``: list the bundled sample extensions, or build one into a git repo."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from unsafe_audit import samples


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    p = subparsers.add_parser(
        "sample",
        help="list or build the sample pgrx extensions",
        description="Sample pgrx extensions with a release history, for trying unsafe-audit out.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="print the names of the bundled samples")
    build = actions.add_parser("build", help="build a sample as a git repository")
    build.add_argument("name", metavar="NAME", help="sample name (see `sample list`)")
    build.add_argument("dest", metavar="DEST", type=Path, help="new or empty directory")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        for name in samples.available():
            print(name)
        return 0
    built = samples.build(args.name, args.dest)
    print(built)
    return 0
