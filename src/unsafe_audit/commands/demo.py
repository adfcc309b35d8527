"""``unsafe-audit demo``: the review, on a bundled sample extension built into a git repository.

The repository lives at one place in the user's cache directory
(``$XDG_CACHE_HOME/unsafe-audit/demo/<sample>``), so a second ``demo`` resumes the review
where the first left it: sign-offs, drafts and all. It is built when missing, and built again
when it is not a sound repository of the sample (a half-finished build, a deleted tag, a
build by another version of the tool) or when ``--fresh`` asks. ``--keep DIR`` builds it
elsewhere. Every run ends by printing the commands that resume the review and check it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
from pathlib import Path
from typing import Any

from unsafe_audit import __version__, history, samples
from unsafe_audit.commands.review import add_review_options, open_review, request_from
from unsafe_audit.errors import GitError, UsageError
from unsafe_audit.scan.cache import default_cache_dir

DEMO_REVIEWER = "Demo Reviewer <reviewer@example.com>"
"""Used when git has no user.name/user.email (a fresh machine), so the demo still signs off."""
MARKER = "unsafe-audit-demo.json"
"""Written into the demo repository's git directory once its build is complete."""


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="try the review on a bundled sample extension",
        description=(
            "Build a sample pgrx extension (with its release history) into a git repository in "
            "your cache directory and open `unsafe-audit review` on its latest release. The "
            "next `demo` reuses that repository and resumes the review; --fresh starts over. "
            "Run `unsafe-audit check` in it after signing off."
        ),
    )
    p.add_argument(
        "--sample",
        default="pg_cache",
        help=f"which sample (default pg_cache; available: {', '.join(samples.available())})",
    )
    p.add_argument(
        "--keep",
        metavar="DIR",
        type=Path,
        help="build in DIR (an empty or missing directory, or an earlier demo there)",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="rebuild the demo repository in the cache, dropping earlier sign-offs and drafts",
    )
    add_review_options(p)
    p.set_defaults(run=run)


def demo_dir(sample: str) -> Path:
    """Where ``demo`` keeps the repository of ``sample``."""
    return default_cache_dir() / "demo" / sample


def is_built(repo: Path, sample: str) -> bool:
    """True when ``repo`` is a complete build of ``sample`` by this version of the tool: its
    own repository (not one around it), with the marker and every tag of the sample's plan."""
    try:
        marker = json.loads((repo / ".git" / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker != {"sample": sample, "tool": __version__}:
        return False
    try:
        with history.Repository.open(repo) as git_repo:
            if git_repo.root.resolve() != repo.resolve() or not git_repo.has_commits:
                return False
            tags = {name for name, _ in git_repo.tags()}
    except (history.NotARepository, GitError):
        return False
    wanted = {c.tag for c in samples.load_history(sample).commits if c.tag is not None}
    return wanted <= tags


def build_demo(sample: str, keep: Path | None, *, fresh: bool = False) -> tuple[Path, bool]:
    """The demo repository of ``sample`` and whether it was reused: the one in ``keep`` or in
    the cache, when it is complete (and ``fresh`` is not asked), else built anew."""
    target = keep if keep is not None else demo_dir(sample)
    if not fresh and is_built(target, sample):
        return target, True
    if keep is None and os.path.lexists(target):
        # Ours, in the cache: a broken or outdated build, or --fresh.
        if target.is_symlink() or not target.is_dir():
            target.unlink()
        else:
            shutil.rmtree(target)
    repo = samples.build(sample, target)
    (repo / ".git" / MARKER).write_text(
        json.dumps({"sample": sample, "tool": __version__}), encoding="utf-8"
    )
    return repo, False


def resume_commands(repo: Path, args: argparse.Namespace) -> list[str]:
    """The commands that take the review up again in ``repo``, and check it."""
    again = ["unsafe-audit", "demo"]
    if args.sample != "pg_cache":
        again += ["--sample", args.sample]
    if args.keep is not None:
        again += ["--keep", str(repo)]
    where = shlex.quote(str(repo))
    return [
        f"{shlex.join(again)}    # resume the review",
        f"cd {where} && unsafe-audit check    # exits 0 once every site is signed off",
    ]


def _say_resume(repo: Path, args: argparse.Namespace) -> None:
    print(f"unsafe-audit demo: the repository is kept at {repo}")
    for line in resume_commands(repo, args):
        print(f"  {line}")


def run(args: argparse.Namespace) -> int:
    repo, reused = build_demo(args.sample, args.keep, fresh=args.fresh)
    if reused:
        print(f"unsafe-audit demo: resuming sample {args.sample} in {repo} (--fresh starts over)")
    else:
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
        _say_resume(repo, args)
        raise
    _say_resume(repo, args)
    return code
