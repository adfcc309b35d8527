"""The :class:`Repository` reader: revisions, tags, Rust files at a commit and their blobs."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from operator import attrgetter
from pathlib import Path
from types import TracebackType
from typing import Any

import git

from unsafe_audit import releases
from unsafe_audit.errors import GitError
from unsafe_audit.history import blobs
from unsafe_audit.history.ancestry import LaterTags
from unsafe_audit.history.values import BlobEntry, NotARepository, TreeListing, blob_size
from unsafe_audit.releases import Choice

_HEX_RE = re.compile(r"[0-9a-fA-F]{4,64}")
_GITLINK_MODE = "160000"
_SYMLINK_MODE = "120000"
_CARGO = "/Cargo.toml"  # leading slash: a repository-relative path is checked as "/" + path


def _text(value: str | bytes) -> str:
    # GitPython returns the object type from `cat-file --batch` as bytes.
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


class Repository:
    """A git repository opened for reading. Use :meth:`open`; close it (or use ``with``)."""

    def __init__(self, repo: git.Repo) -> None:
        self._repo = repo
        self._listings: dict[str, TreeListing] = {}
        self._tags: list[tuple[str, str]] | None = None
        self._commits: set[str] = set()
        """Full shas already resolved to commits."""

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Repository:
        """Open the repository containing ``path`` (``path`` itself or one of its parents).

        Raises :class:`NotARepository` for a directory outside any repository and
        :class:`GitError` for a path that does not exist.
        """
        target = Path(path)
        if not target.exists():
            raise GitError(f"{target} does not exist; pass the path of a git repository")
        try:
            repo = git.Repo(target, search_parent_directories=True)
        except git.InvalidGitRepositoryError as e:
            raise NotARepository(
                f"{target} is not inside a git repository; run from a repository, "
                "or scan the directory without revisions"
            ) from e
        except (git.NoSuchPathError, git.GitError) as e:
            raise GitError(f"cannot open a git repository at {target}: {e}") from e
        return cls(repo)

    def close(self) -> None:
        """Stop the persistent git processes."""
        self._repo.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def root(self) -> Path:
        """The work tree's top directory, or the git directory of a bare repository."""
        top = self._repo.git_dir if self.is_bare else self._repo.working_tree_dir
        if top is None:  # GitPython's type allows it; a non-bare repository has a work tree
            raise GitError("the repository has no work tree")
        return Path(top)

    @property
    def git_dir(self) -> Path:
        """The repository's git directory (a linked worktree's own one; the root when bare)."""
        return Path(self._repo.git_dir)

    @property
    def is_bare(self) -> bool:
        """True for a repository without a work tree."""
        return bool(self._repo.bare)

    @property
    def is_shallow(self) -> bool:
        """True for a shallow clone, whose history stops before the first commit."""
        return self._git("rev-parse", "--is-shallow-repository") == "true"

    @property
    def has_commits(self) -> bool:
        """False for a repository created by ``git init`` with nothing committed yet."""
        if self._repo.head.is_valid():
            return True
        # HEAD may be an unborn branch (`git switch --orphan`) while other refs have commits.
        return bool(self._git("for-each-ref", "--count=1", "--format=%(objectname)"))

    # -- revisions ---------------------------------------------------------------------------

    def resolve(self, rev: str) -> str:
        """The full sha of the commit that ``rev`` (branch, tag, sha, ``HEAD~2``...) names."""
        if rev in self._commits:
            return rev
        if not rev or rev.startswith("-") or "\n" in rev:
            raise GitError(f"unknown revision {rev!r}: not a branch, tag or commit name")
        status, out, _ = self._run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        if status != 0:
            if not self.has_commits:
                raise GitError(
                    f"the repository at {self.root} has no commits yet; commit the code first, "
                    "or scan the directory without revisions"
                )
            hint = "list tags with `git tag` and branches with `git branch -a`"
            if self.is_shallow:
                hint = (
                    "this is a shallow clone, so older tags and commits may not have been "
                    "fetched; run `git fetch --unshallow --tags`"
                )
            raise GitError(f"unknown revision {rev!r}: no such commit in {self.root}; {hint}")
        sha = out.strip()
        # A full sha names the same commit forever: every later lookup of it (the listing and
        # the scan of a revision each resolve it again) needs no `git rev-parse`.
        self._commits.add(sha)
        return sha

    def require_commit(self, rev: str) -> str:
        """Like :meth:`resolve`, but a commit missing from a shallow clone gets its own advice.

        Use for base commits: a release tag, or a sha recorded in the ledger.
        """
        if not self.has_commits:
            return self.resolve(rev)
        tag_commits = dict(self.tags())
        if rev in tag_commits:
            sha, label, fetch = tag_commits[rev], f"{tag_commits[rev]} (tag {rev})", f"tag {rev}"
        elif _HEX_RE.fullmatch(rev):
            sha, label, fetch = rev, rev, rev
        else:
            return self.resolve(rev)
        try:
            self._repo.git.get_object_header(sha)
        except ValueError as e:
            if self.is_shallow:
                raise GitError(
                    f"the base commit {label} is not in this shallow clone; run "
                    f"`git fetch --unshallow` (or `git fetch --depth=N origin {fetch}`)"
                ) from e
            raise GitError(
                f"the base commit {label} is not in the repository at {self.root}; "
                "fetch it (`git fetch origin`) or name another base"
            ) from e
        return self.resolve(sha)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is ``descendant`` or one of its ancestors."""
        a, b = self.resolve(ancestor), self.resolve(descendant)
        status, _, err = self._run("merge-base", "--is-ancestor", a, b)
        if status in (0, 1):
            return status == 0
        raise GitError(f"cannot tell whether {ancestor} is an ancestor of {descendant}: {err}")

    def describe_rev(self, rev: str) -> str:
        """A short name for display: ``v0.3.0``, ``v0.2.1-3-g1a2b3c4``, or an abbreviated sha."""
        sha = self.resolve(rev)
        return self._git("describe", "--tags", "--always", sha)

    # -- tags and releases ---------------------------------------------------------------------

    def tags(self) -> list[tuple[str, str]]:
        """Every tag as ``(name, commit sha)``, annotated tags peeled to their commit, by name.

        Tags on trees or blobs are left out. A lightweight tag whose commit is missing (a
        shallow clone) is kept, so that using it gives the shallow-clone advice.
        """
        if self._tags is None:
            self._tags = self._read_tags()
        return list(self._tags)

    def _read_tags(self) -> list[tuple[str, str]]:
        # One for-each-ref names each tag's object and what an annotated tag points at, so a
        # repository with hundreds of tags needs no object read per tag. It fails when a tagged
        # object is missing (a shallow clone); then each tag is peeled on its own.
        fields = "%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(refname:strip=2)"
        status, out, _ = self._run("for-each-ref", f"--format={fields}", "refs/tags")
        found: list[tuple[str, str]] = []
        if status == 0:
            for line in out.splitlines():
                sha, kind, target, target_kind, name = line.split(" ", 4)
                if kind == "commit":
                    found.append((name, sha))
                elif kind == "tag" and target_kind == "commit":
                    found.append((name, target))
                elif kind == "tag" and target_kind == "tag":
                    commit = self._peel_to_commit(target)
                    if commit is not None:
                        found.append((name, commit))
            return sorted(found)
        out = self._git("for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/tags")
        for line in out.splitlines():
            name, _, sha = line.rpartition(" ")
            commit = self._peel_to_commit(sha)
            if commit is not None:
                found.append((name, commit))
        return sorted(found)

    def _peel_to_commit(self, sha: str) -> str | None:
        for _ in range(32):  # tags of tags are legal; a bound keeps a corrupt repo from looping
            try:
                _, raw_kind, _, data = self._repo.git.get_object_data(sha)
            except ValueError:
                return sha
            kind = _text(raw_kind)
            if kind == "commit":
                return sha
            if kind != "tag":
                return None
            first = data.split(b"\n", 1)[0].decode("ascii", "replace")
            if not first.startswith("object "):
                return None
            sha = first.removeprefix("object ").strip()
        return None

    def previous_release(
        self, head_rev: str | None = None, tag_pattern: str | None = None
    ) -> Choice | None:
        """The release tag to diff ``head_rev`` against (None: the work tree, i.e. HEAD).

        See :func:`unsafe_audit.releases.previous_release` for the rules; ``tag_pattern``
        limits which tags count as releases. Returns None when there is no earlier release.
        In a shallow clone, where tags and history may simply not have been fetched, raises
        :class:`GitError` instead of guessing.
        """
        head = self.resolve("HEAD" if head_rev is None else head_rev)
        later = LaterTags(head, self._is_ancestor_sha, self.tag_commits_containing)
        choice = releases.previous_release(
            self.tags(), head, is_ancestor=later.is_ancestor, pattern=tag_pattern
        )
        if choice is None:
            if self.is_shallow:
                raise GitError(
                    "no earlier release tag found, and this is a shallow clone that may lack "
                    "tags and history; run `git fetch --unshallow --tags`, or name the base "
                    "revision explicitly"
                )
            return None
        self.require_commit(choice.tag)
        return choice

    def tag_commits_containing(self, commit: str) -> set[str] | None:
        """The commits of the tags whose history holds ``commit``, from one git call; None
        when git cannot tell (a shallow clone missing a tagged commit)."""
        status, out, _ = self._run(
            "for-each-ref", f"--contains={commit}", "--format=%(refname:strip=2)", "refs/tags"
        )
        if status != 0:
            return None
        names = set(out.splitlines())
        return {sha for name, sha in self.tags() if name in names}

    def _is_ancestor_sha(self, ancestor: str, descendant: str) -> bool:
        status, _, _ = self._run("merge-base", "--is-ancestor", ancestor, descendant)
        # A commit missing from a shallow clone cannot be placed; treat it as unrelated.
        return status == 0

    # -- files -----------------------------------------------------------------------------------

    def rust_files(self, rev: str) -> list[BlobEntry]:
        """Every ``*.rs`` file in the tree of ``rev``, sorted by path, read from git objects.

        Symlinks and the contents of submodules are left out (see :meth:`submodules`).
        """
        return list(self._listing(rev).rust_files)

    def manifests(self, rev: str) -> list[BlobEntry]:
        """Every ``Cargo.toml`` in the tree of ``rev`` (symlinks left out), sorted by path."""
        return list(self._listing(rev).manifests)

    def submodules(self, rev: str) -> list[str]:
        """Paths of the submodules (gitlinks) in the tree of ``rev``, sorted."""
        return list(self._listing(rev).submodules)

    def _listing(self, rev: str) -> TreeListing:
        sha = self.resolve(rev)
        cached = self._listings.get(sha)
        if cached is not None:
            return cached
        out = self._git("ls-tree", "-r", "-z", "--long", "--full-tree", sha, strip=False)
        rust: list[BlobEntry] = []
        manifests: list[BlobEntry] = []
        subs: list[str] = []
        for record in out.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, kind, object_sha, size = meta.split()
            if mode == _GITLINK_MODE:
                subs.append(path)
            elif kind == "blob" and mode != _SYMLINK_MODE and path.endswith(".rs"):
                rust.append(BlobEntry(path=path, blob_sha=object_sha, size=blob_size(size)))
            elif kind == "blob" and mode != _SYMLINK_MODE and ("/" + path).endswith(_CARGO):
                manifests.append(BlobEntry(path=path, blob_sha=object_sha, size=blob_size(size)))
        by = attrgetter("path")
        listing = TreeListing(sorted(rust, key=by), sorted(subs), sorted(manifests, key=by))
        self._listings[sha] = listing
        return listing

    def read_blob(self, blob_sha: str) -> bytes:
        """The content of a blob. Uses one long-running ``git cat-file --batch`` process."""
        return blobs.read_blob(self._repo, self.root, blob_sha)

    def blob_chunks(self, blob_sha: str, chunk_bytes: int) -> Iterator[bytes]:
        """The content of a blob in chunks of at most ``chunk_bytes`` (for a file too large to
        read whole); read it to the end or close the iterator."""
        return blobs.blob_chunks(self._repo, self.root, blob_sha, chunk_bytes)

    def working_tree_rust_files(self) -> list[str]:
        """Tracked and untracked-but-not-ignored ``*.rs`` files in the work tree, sorted
        (tracked files deleted from disk, symlinks and submodule contents left out)."""
        return self.working_tree_files(lambda path: path.endswith(".rs"))

    def working_tree_files(self, wanted: Callable[[str], bool]) -> list[str]:
        """The files as :meth:`working_tree_rust_files` lists them, of the paths ``wanted``."""
        if self.is_bare:
            raise GitError(
                f"{self.root} is a bare repository and has no work tree; name a revision instead"
            )
        out = self._git("ls-files", "-z", "-co", "--exclude-standard", strip=False)
        root = self.root
        paths = {
            p
            for p in out.split("\0")
            if wanted(p) and (root / p).is_file() and not (root / p).is_symlink()
        }
        return sorted(paths)

    def is_ignored(self, path: str) -> bool:
        """Whether git ignores ``path`` (relative to the root), itself or by an ignored parent."""
        status, _, err = self._run("check-ignore", "-q", "--", path)
        if status not in (0, 1):
            raise GitError(f"cannot ask git whether {path} is ignored: {err}")
        return status == 0

    # -- configuration ------------------------------------------------------------------------

    def identity(self) -> str | None:
        """``Name <email>`` from git config, or None when either is unset."""
        name, email = self.user_name(), self.user_email()
        return f"{name} <{email}>" if name and email else None

    def user_name(self) -> str | None:
        """``user.name`` from git config (repository, global or system), or None if unset."""
        return self._config("user.name")

    def user_email(self) -> str | None:
        """``user.email`` from git config, or None if unset."""
        return self._config("user.email")

    def _config(self, key: str) -> str | None:
        status, out, err = self._run("config", "--get", key)
        if status == 1:
            return None
        if status != 0:
            raise GitError(f"cannot read {key} from git config: {err}")
        return out.strip() or None

    # -- running git -----------------------------------------------------------------------------

    def _run(self, *args: str) -> tuple[int, str, str]:
        """Run git; return (status, stdout, stderr) without raising on a non-zero status."""
        kwargs: dict[str, Any] = {"with_extended_output": True, "with_exceptions": False}
        try:
            status, out, err = self._repo.git.execute(["git", *args], **kwargs)
        except git.GitError as e:
            raise GitError(f"git {args[0]} failed in {self.root}: {e}") from e
        return int(status), str(out), str(err).strip()

    def _git(self, *args: str, strip: bool = True) -> str:
        """Run git and return its output; a non-zero status becomes a GitError."""
        kwargs: dict[str, Any] = {"strip_newline_in_stdout": strip}
        try:
            out = self._repo.git.execute(["git", *args], **kwargs)
        except git.GitCommandError as e:
            detail = str(e.stderr).strip().removeprefix("stderr: ").strip("'").strip()
            raise GitError(f"`git {' '.join(args)}` failed in {self.root}: {detail}") from e
        except git.GitError as e:
            raise GitError(f"git {args[0]} failed in {self.root}: {e}") from e
        return str(out)
