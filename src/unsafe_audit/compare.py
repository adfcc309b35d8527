"""Compare two sides of a repository: the previous release (or ``--base``) and head.

The glue between :mod:`unsafe_audit.history` (revisions, tags, blobs), :mod:`unsafe_audit.scan`
(sites, with the content cache) and :mod:`unsafe_audit.diff` (the pure classification). Both
sides are read from git objects, except a head that is the work tree, which is read from disk;
nothing is checked out.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from unsafe_audit import history, releases
from unsafe_audit.config.model import RepoConfig, has_config
from unsafe_audit.diff import Delta, classify
from unsafe_audit.errors import GitError
from unsafe_audit.hints.interface import Hint
from unsafe_audit.model import ScanResult, ScanWarning, Side, SkippedFile
from unsafe_audit.scan import ScanOptions, revision_request, scan_many, worktree_request
from unsafe_audit.source import EMPTY, Reader, Snapshot

SourceNeeds = Callable[[Path, Delta, tuple[int, ...]], tuple[Iterable[str], Iterable[str]]]
"""Given the repository root, the delta and the PostgreSQL majors head builds for, the paths
whose bytes to keep while the repository is open: (base paths, head paths)."""


def no_sources(
    root: Path, delta: Delta, majors: tuple[int, ...]
) -> tuple[Iterable[str], Iterable[str]]:
    """Keep no file's bytes (``check`` without hints, ``prune``)."""
    del root, delta, majors
    return (), ()


def sources_of_head_sites(
    root: Path, delta: Delta, majors: tuple[int, ...]
) -> tuple[Iterable[str], Iterable[str]]:
    """Keep every head file that holds a site, and the base files of sites that changed."""
    del root, majors
    head = {d.head.path for d in delta.sites if d.head is not None}
    base = {d.base.path for d in delta.sites if d.base is not None and d.status.needs_review}
    return base, head


@dataclass(frozen=True, slots=True)
class Comparison:
    """The classified sites of head against base: plain values, no open repository."""

    root: Path
    """The repository's top directory (its git directory when bare)."""
    git_dir: Path
    """The repository's git directory (review drafts and the review lock live in it)."""
    base: Side
    head: Side
    reason: str
    """Why this base was chosen, for people (``v0.2.1 is the highest release tag below ..``)."""
    delta: Delta
    warnings: tuple[ScanWarning, ...]
    """Problems scanning head (files not scanned, submodules skipped)."""
    submodules: tuple[str, ...]
    """Submodule paths in head, which are not scanned."""
    base_files: Snapshot
    """The base files that were asked for (see :data:`SourceNeeds`)."""
    head_files: Snapshot
    """The head files that were asked for; the work tree is read from disk on demand."""
    release: str
    """What an entry signed off against head records as its ``release`` (asked for with
    ``identity``; else the head's label)."""
    reviewer: str | None = None
    """``Name <email>`` from the repository's git config, when it has one."""
    unscanned: tuple[SkippedFile, ...] = ()
    """The head files the scan did not search (generated, unreadable...), in path order."""
    config: RepoConfig = dataclasses.field(default_factory=RepoConfig)
    """The repository's configuration (read from the work tree; empty when bare)."""
    head_hints: dict[str, tuple[Hint, ...]] = dataclasses.field(default_factory=dict)
    """By path, the hints of each head file the scan ran the rules over (with
    ``ScanOptions.hints``; see :func:`unsafe_audit.hints.registry.scoped_hints`)."""
    majors: tuple[int, ...] = ()
    """The PostgreSQL majors head builds for: the ``pg13`` ... ``pg18`` features of the scanned
    crate's ``Cargo.toml`` and its workspace members' (see :mod:`unsafe_audit.cargo_features`)."""

    @property
    def first_release(self) -> bool:
        """True when there was no base to compare with, so every site is new."""
        return self.base.commit is None


def _blob_reader(repo: history.Repository, commit: str) -> Reader:
    blobs = {e.path: e.blob_sha for e in repo.rust_files(commit)}

    def read(path: str) -> bytes | None:
        sha = blobs.get(path)
        return repo.read_blob(sha) if sha is not None else None

    return read


def _disk_reader(root: Path) -> Reader:
    def read(path: str) -> bytes | None:
        try:
            return (root / path).read_bytes()
        except OSError:
            return None

    return read


def release_label(repo: history.Repository, head: Side) -> str:
    """The ``release`` an entry records: the tag or short sha, or ``working tree of v0.3.0``."""
    if not head.working_tree:
        if head.ref and head.ref != head.commit:
            return head.ref
        return (head.commit or "")[:12]
    if repo.has_commits:
        return f"working tree of {repo.describe_rev('HEAD')}"
    return "working tree"


def _first_release_error(repo: history.Repository, head: str, pattern: str | None) -> GitError:
    has_release = any(releases.is_release_tag(name, pattern) for name, _ in repo.tags())
    tag = "release tag" if pattern is None else f"release tag matching {pattern!r}"
    if has_release:
        where = f"no {tag} older than {head}"
    elif pattern is None:
        where = "no release tag (such as v0.1.0) in the repository"
    else:
        where = f"no {tag} in the repository"
    return GitError(
        f"{where}, so there is no previous release to diff against; if this is the first "
        "release, every site is new: pass --allow-first-release to list them all as new, "
        "or --base REF to compare with another revision"
    )


def compare(
    path: Path,
    *,
    base: str | None = None,
    head: str | None = None,
    allow_first_release: bool = False,
    options: ScanOptions | None = None,
    sources: SourceNeeds = no_sources,
    identity: bool = False,
    no_base: bool = False,
) -> Comparison:
    """Classify the sites of ``head`` (None: the work tree) against ``base``.

    ``base`` None means the previous release: the highest release tag older than head by
    version (see :meth:`history.Repository.previous_release`). Without any, raises
    :class:`GitError` unless ``allow_first_release``, in which case every site is new.
    ``path`` may be a directory inside the repository; only files under it are compared.
    The repository is open only inside this call: the bytes of the files ``sources`` names
    are read before it returns. With ``identity``, also what a sign-off records: the release
    label and the reviewer from git config (three more git calls, so only when asked).
    With ``no_base``, nothing is compared: every head site is new.
    """
    options = options or ScanOptions()
    try:
        repo = history.Repository.open(path)
    except history.NotARepository as e:
        raise GitError(
            f"{path} is not inside a git repository; diff compares git revisions "
            "(use `unsafe-audit scan` for a plain directory)"
        ) from e
    with repo:
        if options.config is None:
            options = dataclasses.replace(options, config=_config_of(repo))
        comparison = _compare(
            repo,
            path,
            None if no_base else base,
            head,
            allow_first_release or no_base,
            options,
            sources,
            no_base=no_base,
        )
        if identity:
            comparison = dataclasses.replace(
                comparison,
                release=release_label(repo, comparison.head),
                reviewer=repo.identity(),
            )
        return comparison


def _config_of(repo: history.Repository) -> RepoConfig:
    """The configuration in the work tree (a bare repository has none to read)."""
    if repo.is_bare or not has_config(repo.root):
        return RepoConfig()
    from unsafe_audit.config.load import load_config

    return load_config(repo.root)


def _compare(
    repo: history.Repository,
    path: Path,
    base: str | None,
    head: str | None,
    allow_first_release: bool,
    options: ScanOptions,
    sources: SourceNeeds,
    *,
    no_base: bool = False,
) -> Comparison:
    if repo.is_bare and head is None:
        raise GitError(
            f"{repo.root} is a bare repository and has no work tree to compare; "
            "name the revision to audit with --head REF"
        )
    root = repo.root
    sub = path.resolve().relative_to(root.resolve()).as_posix() if not repo.is_bare else "."
    prefix = "" if sub == "." else sub + "/"

    # Head first: an unknown --head is reported before anything is chosen against it.
    head_commit = repo.resolve(head) if head is not None else None
    head_name = head if head is not None else "HEAD"
    base_commit: str | None
    if base is not None:
        base_commit = repo.require_commit(base)
        base_side = Side(ref=base, commit=base_commit)
        reason = f"{base} was given with --base"
    else:
        pattern = options.config.tag_pattern if options.config is not None else None
        choice = (
            repo.previous_release(head_commit, pattern)
            if repo.has_commits and not no_base
            else None
        )
        if choice is None:
            if not allow_first_release:
                raise _first_release_error(repo, head_name, pattern)
            base_commit = None
            base_side = Side(ref=None, commit=None)
            reason = (
                "no earlier release tag: treating this as the first release, so every site "
                "is new (--allow-first-release)"
            )
        else:
            base_commit = choice.commit
            base_side = Side(ref=choice.tag, commit=choice.commit)
            reason = choice.reason

    if not options.use_cache:
        # Still parse each distinct blob once within this run, in a cache that does not outlive it.
        with tempfile.TemporaryDirectory(prefix="unsafe-audit-diff-") as tmp:
            run_options = dataclasses.replace(options, use_cache=True, cache_dir=Path(tmp))
            base_scan, head_scan = _scan_both(repo, prefix, base_commit, head_commit, run_options)
    else:
        base_scan, head_scan = _scan_both(repo, prefix, base_commit, head_commit, options)

    if head_commit is not None:
        head_side = Side(ref=head, commit=head_commit)
        head_files = Snapshot(reader=_blob_reader(repo, head_commit))
        submodules = repo.submodules(head_commit)
        warnings = list(head_scan.warnings)
    else:
        based_on = repo.resolve("HEAD") if repo.has_commits else None
        head_side = Side(ref=None, commit=None, working_tree=True, based_on=based_on)
        head_files = Snapshot(reader=_disk_reader(root))
        submodules = repo.submodules(based_on) if based_on is not None else []
        warnings = list(head_scan.warnings) + [
            ScanWarning(s, 0, "submodule not scanned (scan it on its own)")
            for s in submodules
            if s.startswith(prefix)
        ]
    base_files = Snapshot(reader=_blob_reader(repo, base_commit)) if base_commit else EMPTY
    delta = classify(base_scan.files if base_scan else (), head_scan.files)
    majors = history.side_majors(repo, head_commit, prefix)
    base_paths, head_paths = sources(root, delta, majors)
    base_files.load(base_paths).frozen()
    head_files.load(head_paths)
    if not head_side.working_tree:
        head_files.frozen()  # the work tree stays readable from disk; blobs need the repository
    return Comparison(
        root=root,
        git_dir=repo.git_dir,
        base=base_side,
        head=head_side,
        reason=reason,
        delta=delta,
        warnings=tuple(warnings),
        submodules=tuple(s for s in submodules if s.startswith(prefix)),
        base_files=base_files,
        head_files=head_files,
        release=head_side.label,
        unscanned=head_scan.skipped,
        config=options.config or RepoConfig(),
        head_hints={f.path: f.hints for f in head_scan.files if f.hints is not None},
        majors=majors,
    )


def _scan_both(
    repo: history.Repository,
    prefix: str,
    base_commit: str | None,
    head_commit: str | None,
    options: ScanOptions,
) -> tuple[ScanResult | None, ScanResult]:
    """Both sides in one scan, so the files either side must parse share the workers."""
    if head_commit is not None:
        head = revision_request(repo, head_commit, prefix)
    else:
        head = worktree_request(repo, prefix)
    if base_commit is None:
        return None, scan_many([head], options)[0]
    # The release compared with needs its sites only: hints are shown for head's sites.
    base = dataclasses.replace(revision_request(repo, base_commit, prefix), hints=False)
    base_scan, head_scan = scan_many([base, head], options)
    return base_scan, head_scan
