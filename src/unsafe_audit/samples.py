"""The sample pgrx extensions: where their data lives, and how to build each into a git repository.

Each sample under ``sample_repos/<name>/`` has ``history.yaml`` (the commit, branch and tag
plan), ``releases/<tree>/`` (the full source tree of each commit) and ``manifests/<tag>.yaml``
(every site of that release, listed by hand). ``build`` replays the plan with
:func:`unsafe_audit.history.run_pinned_git`, with the plan's author and dates, so the same
sample always gets the same commit SHAs.
"""

from __future__ import annotations

import importlib.resources
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from unsafe_audit.errors import UsageError

_PACKAGED_DIR = "_sample_repos"
"""Where the wheel force-includes ``sample_repos/`` inside the package."""


@dataclass(frozen=True, slots=True)
class Author:
    """Who authors, commits and tags every commit of a sample."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class PlannedCommit:
    """One commit of a sample's history, as ``history.yaml`` plans it."""

    tree: str
    """Directory under ``releases/`` whose content is exactly the commit's tree."""
    branch: str
    """Branch the commit is made on."""
    date: str
    """ISO 8601 author, committer and tagger date."""
    message: str
    """Commit message (and annotated tag message, if tagged)."""
    tag: str | None = None
    """Annotated tag to create on the commit."""
    from_tag: str | None = None
    """Tag to create ``branch`` at when the branch does not exist yet."""


@dataclass(frozen=True, slots=True)
class History:
    """A sample's whole plan."""

    name: str
    author: Author
    commits: tuple[PlannedCommit, ...]


def _samples_root() -> Path:
    packaged = importlib.resources.files("unsafe_audit") / _PACKAGED_DIR
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    # A source checkout: sample_repos/ sits next to src/.
    return Path(__file__).resolve().parents[2] / "sample_repos"


def available() -> list[str]:
    """Names of the samples that have a history plan, sorted."""
    root = _samples_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "history.yaml").is_file())


def sample_dir(name: str) -> Path:
    """The directory holding sample ``name``'s plan, releases and manifests."""
    path = _samples_root() / name
    if not (path / "history.yaml").is_file():
        known = ", ".join(available()) or "none"
        raise UsageError(f"unknown sample {name!r}; available samples: {known}")
    return path


def load_history(name: str) -> History:
    """Reads and checks ``history.yaml`` of sample ``name``."""
    path = sample_dir(name) / "history.yaml"
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    try:
        author = Author(name=str(data["author"]["name"]), email=str(data["author"]["email"]))
        commits = tuple(
            PlannedCommit(
                tree=str(c["tree"]),
                branch=str(c["branch"]),
                date=str(c["date"]),
                message=str(c["message"]),
                tag=None if c.get("tag") is None else str(c["tag"]),
                from_tag=None if c.get("from") is None else str(c["from"]),
            )
            for c in data["commits"]
        )
    except (KeyError, TypeError) as e:
        raise UsageError(
            f"{path}: malformed history plan ({e!r}); see sample_repos/README.md"
        ) from e
    return History(name=str(data["name"]), author=author, commits=commits)


def manifest(name: str, tag: str) -> list[dict[str, Any]]:
    """The hand-written site list of release ``tag`` of sample ``name``."""
    path = sample_dir(name) / "manifests" / f"{tag}.yaml"
    if not path.is_file():
        raise UsageError(f"sample {name!r} has no manifest for {tag!r} (looked for {path})")
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    sites: list[dict[str, Any]] = data["sites"]
    return sites


def _replace_work_tree(repo: Path, release: Path) -> None:
    for entry in repo.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    # copy, not copy2: a copied mtime equal to the previous release's file of the same size
    # would let git's stat cache skip re-hashing it (a "racy git" miss). The index is also
    # dropped so `git add -A` hashes every file afresh.
    shutil.copytree(release, repo, dirs_exist_ok=True, copy_function=shutil.copy)
    (repo / ".git" / "index").unlink(missing_ok=True)


def build(name: str, dest: Path) -> Path:
    """Builds sample ``name`` as a git repository at ``dest`` (created if missing, else empty).

    Returns ``dest``. Every commit, branch and annotated tag of the plan is made with the plan's
    author and dates, and ``main`` is checked out at the end.
    """
    # Imported here: listing and reading samples needs no git.
    from unsafe_audit.history import run_pinned_git

    plan = load_history(name)
    releases = sample_dir(name) / "releases"
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"{dest} is not an empty directory; pick a new path for the sample")
    dest.mkdir(parents=True, exist_ok=True)

    def git(date: str, *args: str) -> None:
        run_pinned_git(dest, *args, name=plan.author.name, email=plan.author.email, date=date)

    first = plan.commits[0]
    git(first.date, "init", "-q", "-b", first.branch)
    branches = {first.branch}
    current = first.branch
    for commit in plan.commits:
        if commit.branch not in branches:
            start = commit.from_tag or "HEAD"
            git(commit.date, "checkout", "-q", "-b", commit.branch, start)
            branches.add(commit.branch)
        elif commit.branch != current:
            git(commit.date, "checkout", "-q", commit.branch)
        current = commit.branch
        release = releases / commit.tree
        if not release.is_dir():
            raise UsageError(f"{name}: history.yaml names tree {commit.tree!r}, not in {releases}")
        _replace_work_tree(dest, release)
        git(commit.date, "add", "-A")
        git(commit.date, "commit", "-q", "--allow-empty", "-m", commit.message)
        if commit.tag is not None:
            git(commit.date, "tag", "-a", commit.tag, "-m", commit.message)
    if current != "main":
        git(first.date, "checkout", "-q", "main")
    return dest
