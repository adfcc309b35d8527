"""``unsafe-audit demo``: build a bundled sample extension into a temporary git repository and
open the review on it. The repository is kept, and its path printed, so ``unsafe-audit check``
can be run in it afterwards."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from unsafe_audit import history, samples
from unsafe_audit.commands.review import add_review_options, open_review, request_from
from unsafe_audit.errors import UsageError

DEMO_REVIEWER = "Demo Reviewer <reviewer@example.com>"
"""Used when git has no user.name/user.email (a fresh machine), so the demo still signs off."""


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="try the review on a bundled sample extension",
        description=(
            "Build a sample pgrx extension (with its release history) into a new git repository "
            "and open `unsafe-audit review` on its latest release. The repository is kept; run "
            "`unsafe-audit check` in it after signing off."
        ),
    )
    p.add_argument(
        "--sample",
        default="pg_cache",
        help=f"which sample (default pg_cache; available: {', '.join(samples.available())})",
    )
    p.add_argument("--keep", metavar="DIR", type=Path, help="build here instead of a temp dir")
    add_review_options(p)
    p.set_defaults(run=run)


def build_demo(sample: str, keep: Path | None) -> Path:
    """Build ``sample`` into ``keep`` (or a new temporary directory); returns the repository."""
    if keep is not None:
        target = keep
    else:
        target = Path(tempfile.mkdtemp(prefix=f"unsafe-audit-demo-{sample}-")) / sample
    return samples.build(sample, target)


def run(args: argparse.Namespace) -> int:
    repo = build_demo(args.sample, args.keep)
    print(f"unsafe-audit demo: built sample {args.sample} in {repo}")
    request = request_from(args, repo)
    if request.reviewer is None:
        with history.Repository.open(repo) as git_repo:
            identity = git_repo.identity()
        if identity is None:
            request.reviewer = DEMO_REVIEWER
            request.extra_notices.append(
                f"git has no user.name/user.email here: signing off as {DEMO_REVIEWER}"
            )
    try:
        code = open_review(request)
    except UsageError:
        print(f"unsafe-audit demo: the repository is kept at {repo}")
        raise
    print(f"unsafe-audit demo: the repository is kept at {repo}")
    print(f"  cd {repo} && unsafe-audit check    # exits 0 once every site is signed off")
    return code
