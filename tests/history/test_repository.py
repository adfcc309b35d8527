"""Reading real git repositories: revisions, tags, releases, Rust files and blobs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, isolate_git_config
from unsafe_audit import releases
from unsafe_audit.errors import GitError
from unsafe_audit.history import BlobEntry, NotARepository, Repository
from unsafe_audit.history.ancestry import LaterTags
from unsafe_audit.releases import Choice

LIB_RS = "pub mod cache;\n"
CACHE_V1 = "pub fn get() -> i32 { unsafe { 1 } }\n"
CACHE_V2 = "pub fn get() -> i32 { unsafe { 2 } }\n"
CACHE_FIX = "pub fn get() -> i32 { unsafe { 21 } }\n"
FFI_RS = 'extern "C" { fn f(); }\n'
UNTAGGED = "(the revision under audit is not tagged; pre-releases skipped)"


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git_config(monkeypatch)


@dataclass
class History:
    """The repository built by :func:`history` and the shas of its commits."""

    repo: GitRepo
    c1: str
    c2: str
    fix: str
    rc: str
    c5: str
    head: str


@pytest.fixture(scope="module")
def history_template(tmp_path_factory: pytest.TempPathFactory) -> History:
    """main: v0.1.0 (annotated), v0.2.0 (lightweight), a rename, v0.3.0-rc.1, v0.3.0 + `latest`,
    then an untagged commit; v0.2.1 sits on `release/0.2`, never merged into main. Built once
    (every git call pins its config and dates); tests get a copy."""
    repo = GitRepo.init(tmp_path_factory.mktemp("history") / "ext")
    repo.write("Cargo.toml", '[package]\nname = "ext"\n')
    repo.write("src/lib.rs", LIB_RS)
    repo.write("src/cache.rs", CACHE_V1)
    c1 = repo.commit("initial")
    repo.tag("v0.1.0")
    repo.write("src/cache.rs", CACHE_V2)
    repo.write("src/ffi/mod.rs", FFI_RS)
    c2 = repo.commit("add ffi")
    repo.tag("v0.2.0", annotated=False)
    repo.branch("release/0.2", "v0.2.0", checkout=True)
    repo.write("src/cache.rs", CACHE_FIX)
    fix = repo.commit("fix cache")
    repo.tag("v0.2.1")
    repo.checkout("main")
    repo.rename("src/cache.rs", "src/store.rs")
    repo.write("src/lib.rs", "pub mod store;\n")
    rc = repo.commit("rename cache to store")
    repo.tag("v0.3.0-rc.1")
    repo.write(".gitignore", "/target/\n*.generated.rs\n")
    c5 = repo.commit("ignore build output")
    repo.tag("v0.3.0")
    repo.tag("latest", annotated=False)
    repo.tag("lib-blob", annotated=False, rev=repo.blob_sha("HEAD", "src/lib.rs"))
    repo.write("src/lib.rs", "pub mod store;\npub mod ffi;\n")
    head = repo.commit("use ffi")
    return History(repo, c1, c2, fix, rc, c5, head)


@pytest.fixture
def history(history_template: History, tmp_path: Path) -> History:
    """A fresh copy of :func:`history_template` (tests may commit, tag and configure it)."""
    repo = history_template.repo.copy(tmp_path / "ext")
    return replace(history_template, repo=repo)


@pytest.fixture
def opened(history: History) -> Iterator[Repository]:
    with Repository.open(history.repo.path) as repository:
        yield repository


# -- opening --------------------------------------------------------------------------------


def test_open_from_a_subdirectory_finds_the_root(history: History) -> None:
    with Repository.open(history.repo.path / "src" / "ffi") as repository:
        assert repository.root == history.repo.path.resolve()
        assert not repository.is_bare
        assert not repository.is_shallow
        assert repository.has_commits


def test_open_a_plain_directory_raises_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(NotARepository) as info:
        Repository.open(plain)
    assert str(info.value) == (
        f"{plain} is not inside a git repository; run from a repository, "
        "or scan the directory without revisions"
    )
    assert isinstance(info.value, GitError)


def test_open_a_missing_path_is_a_git_error_but_not_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError) as info:
        Repository.open(tmp_path / "nowhere")
    assert not isinstance(info.value, NotARepository)
    assert (
        str(info.value)
        == f"{tmp_path / 'nowhere'} does not exist; pass the path of a git repository"
    )


def test_empty_repository_has_no_commits(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "empty")
    repo.write("src/lib.rs", LIB_RS)
    with Repository.open(repo.path) as repository:
        assert not repository.has_commits
        assert repository.tags() == []
        assert repository.working_tree_rust_files() == ["src/lib.rs"]
        message = (
            f"the repository at {repo.path.resolve()} has no commits yet; commit the code first, "
            "or scan the directory without revisions"
        )
        for call in (
            lambda: repository.resolve("HEAD"),
            lambda: repository.rust_files("main"),
            lambda: repository.previous_release(),
            lambda: repository.require_commit("HEAD"),
        ):
            with pytest.raises(GitError) as info:
                call()
            assert str(info.value) == message


# -- revisions -------------------------------------------------------------------------------


def test_resolve_branches_tags_and_relative_revisions(history: History, opened: Repository) -> None:
    assert opened.resolve("HEAD") == history.head
    assert opened.resolve("main") == history.head
    assert opened.resolve("release/0.2") == history.fix
    assert opened.resolve("v0.1.0") == history.c1  # annotated tag peeled
    assert opened.resolve("v0.2.0") == history.c2
    assert opened.resolve("HEAD~1") == history.c5
    assert opened.resolve(history.c1[:10]) == history.c1


@pytest.mark.parametrize("rev", ["v9.9.9", "no-such-branch", "--all", "lib-blob", ""])
def test_resolve_unknown_revision(history: History, opened: Repository, rev: str) -> None:
    with pytest.raises(GitError) as info:
        opened.resolve(rev)
    root = history.repo.path.resolve()
    if rev.startswith("-") or not rev:
        assert str(info.value) == f"unknown revision {rev!r}: not a branch, tag or commit name"
    else:
        assert str(info.value) == (
            f"unknown revision {rev!r}: no such commit in {root}; "
            "list tags with `git tag` and branches with `git branch -a`"
        )


def test_is_ancestor_follows_the_graph(opened: Repository) -> None:
    assert opened.is_ancestor("v0.2.0", "main")
    assert opened.is_ancestor("main", "main")
    assert not opened.is_ancestor("v0.2.1", "main")
    assert not opened.is_ancestor("main", "v0.2.0")
    assert opened.is_ancestor("v0.2.0", "release/0.2")


def test_describe_rev(history: History, opened: Repository) -> None:
    short = history.repo.git("rev-parse", "--short", "HEAD")
    assert opened.describe_rev("v0.1.0") == "v0.1.0"
    assert opened.describe_rev("HEAD") == f"v0.3.0-1-g{short}"
    assert opened.describe_rev("release/0.2") == "v0.2.1"


# -- tags and releases ---------------------------------------------------------------------


def test_tags_peels_annotated_tags_and_skips_tags_on_blobs(
    history: History, opened: Repository
) -> None:
    assert opened.tags() == [
        ("latest", history.c5),
        ("v0.1.0", history.c1),
        ("v0.2.0", history.c2),
        ("v0.2.1", history.fix),
        ("v0.3.0", history.c5),
        ("v0.3.0-rc.1", history.rc),
    ]


def test_tags_peels_a_tag_of_a_tag_to_its_commit(history: History) -> None:
    history.repo.git("tag", "-a", "-m", "re-tag", "v0.1.0-signed", "v0.1.0")
    history.repo.git("tag", "-a", "-m", "again", "v0.1.0-twice", "v0.1.0-signed")
    with Repository.open(history.repo.path) as repository:
        tags = dict(repository.tags())
    assert tags["v0.1.0-signed"] == history.c1
    assert tags["v0.1.0-twice"] == history.c1


def test_previous_release_of_the_work_tree_is_the_latest_release(
    history: History, opened: Repository
) -> None:
    assert opened.previous_release() == Choice(
        "v0.3.0", history.c5, f"v0.3.0 is the highest release tag {UNTAGGED}"
    )


@pytest.mark.parametrize(
    ("head", "tag", "reason"),
    [
        (
            "v0.3.0",
            "v0.2.1",
            "v0.2.1 is the highest release tag below v0.3.0 (pre-releases skipped)",
        ),
        (
            "v0.3.0-rc.1",
            "v0.2.1",
            "v0.2.1 is the highest tag below v0.3.0-rc.1 "
            "(pre-releases included because v0.3.0-rc.1 is a pre-release)",
        ),
        (
            "release/0.2",
            "v0.2.0",
            "v0.2.0 is the highest release tag below v0.2.1 (pre-releases skipped)",
        ),
        (
            "v0.2.0",
            "v0.1.0",
            "v0.1.0 is the highest release tag below v0.2.0 (pre-releases skipped)",
        ),
    ],
)
def test_previous_release_of_a_tagged_revision(
    history: History, opened: Repository, head: str, tag: str, reason: str
) -> None:
    expected_commit = history.repo.rev_parse(tag)
    assert opened.previous_release(head) == Choice(tag, expected_commit, reason)


def test_previous_release_of_the_first_release_is_none(opened: Repository) -> None:
    assert opened.previous_release("v0.1.0") is None


def test_previous_release_of_an_old_untagged_commit_skips_later_tags(
    history: History, tmp_path: Path
) -> None:
    repo = history.repo
    repo.branch("topic", "v0.2.0", checkout=True)
    repo.write("src/topic.rs", "\n")
    repo.commit("topic work")
    with Repository.open(repo.path) as repository:
        # v0.2.0 is this commit's parent; v0.2.1 is on another branch but has a higher version.
        assert repository.previous_release() == Choice(
            "v0.3.0", history.c5, f"v0.3.0 is the highest release tag {UNTAGGED}"
        )
        assert repository.previous_release("v0.2.0~0^{commit}") == Choice(
            "v0.1.0",
            history.c1,
            "v0.1.0 is the highest release tag below v0.2.0 (pre-releases skipped)",
        )


def test_previous_release_of_an_untagged_commit_below_a_release(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", LIB_RS)
    c1 = repo.commit("one")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", "pub mod two;\n")
    c2 = repo.commit("two")
    repo.write("src/lib.rs", "pub mod three;\n")
    repo.commit("three")
    repo.tag("v0.2.0")
    repo.checkout(c2)
    with Repository.open(repo.path) as repository:
        # v0.2.0 was tagged on a descendant of c2: it is later than c2 despite being "previous".
        assert repository.resolve("HEAD") == c2
        assert repository.previous_release() == Choice(
            "v0.1.0", c1, f"v0.1.0 is the highest release tag {UNTAGGED}"
        )


def _many_later_releases(path: Path) -> tuple[GitRepo, str, str]:
    """v0.1.0, then an untagged commit (returned, checked out), then twelve releases after it."""
    repo = GitRepo.init(path)
    repo.write("src/lib.rs", LIB_RS)
    first = repo.commit("one")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", "pub mod two;\n")
    old = repo.commit("two")
    for minor in range(2, 14):
        repo.write("src/lib.rs", f"pub mod m{minor};\n")
        repo.commit(f"release {minor}")
        repo.tag(f"v0.{minor}.0")
    repo.checkout(old)
    return repo, first, old


def test_the_choice_of_release_asks_git_twice_however_many_releases_came_later(
    tmp_path: Path,
) -> None:
    repo, first, old = _many_later_releases(tmp_path / "ext")
    asked: list[str] = []
    with Repository.open(repo.path) as repository:

        def ask(a: str, b: str) -> bool:
            asked.append("merge-base --is-ancestor")
            return repository.is_ancestor(a, b)

        def containing(commit: str) -> set[str] | None:
            asked.append("for-each-ref --contains")
            return repository.tag_commits_containing(commit)

        later = LaterTags(old, ask, containing)
        choice = releases.previous_release(repository.tags(), old, is_ancestor=later.is_ancestor)
        assert choice == repository.previous_release()

    assert choice == Choice("v0.1.0", first, f"v0.1.0 is the highest release tag {UNTAGGED}")
    assert asked == ["merge-base --is-ancestor", "for-each-ref --contains"]


def test_where_git_cannot_list_the_later_tags_each_is_asked_alone(tmp_path: Path) -> None:
    repo, first, old = _many_later_releases(tmp_path / "ext")
    asked: list[str] = []
    with Repository.open(repo.path) as repository:

        def ask(a: str, b: str) -> bool:
            asked.append(b)
            return repository.is_ancestor(a, b)

        later = LaterTags(old, ask, lambda commit: None)
        choice = releases.previous_release(repository.tags(), old, is_ancestor=later.is_ancestor)

    assert choice is not None and choice.commit == first
    assert len(asked) == 13  # the twelve later releases, then v0.1.0


def test_a_tag_pattern_limits_the_releases_of_a_repository(history: History) -> None:
    history.repo.tag("ffi-v9.0.0", rev=history.c2)
    with Repository.open(history.repo.path) as repository:
        assert repository.previous_release() == Choice(
            "ffi-v9.0.0", history.c2, f"ffi-v9.0.0 is the highest release tag {UNTAGGED}"
        )
        assert repository.previous_release(tag_pattern="v*") == Choice(
            "v0.3.0",
            history.c5,
            f"v0.3.0 is the highest release tag matching 'v*' {UNTAGGED}",
        )
        assert repository.previous_release(tag_pattern="nope-*") is None


# -- files and blobs -------------------------------------------------------------------------


def _entry(repo: GitRepo, rev: str, path: str, text: str) -> BlobEntry:
    return BlobEntry(path, repo.blob_sha(rev, path), len(text.encode()))


def test_rust_files_lists_every_rs_blob_of_a_commit(history: History, opened: Repository) -> None:
    repo = history.repo
    assert opened.rust_files("v0.2.0") == [
        _entry(repo, "v0.2.0", "src/cache.rs", CACHE_V2),
        _entry(repo, "v0.2.0", "src/ffi/mod.rs", FFI_RS),
        _entry(repo, "v0.2.0", "src/lib.rs", LIB_RS),
    ]
    assert opened.submodules("v0.2.0") == []


def test_rust_files_follow_a_rename(history: History, opened: Repository) -> None:
    paths = [e.path for e in opened.rust_files("v0.3.0-rc.1")]
    assert paths == ["src/ffi/mod.rs", "src/lib.rs", "src/store.rs"]
    store = opened.rust_files("v0.3.0-rc.1")[2]
    # A pure rename keeps the blob: the file's content is the one v0.2.0 had.
    assert store.blob_sha == opened.rust_files("v0.2.0")[0].blob_sha
    assert opened.read_blob(store.blob_sha) == CACHE_V2.encode()


def test_rust_files_never_touch_the_work_tree(history: History, opened: Repository) -> None:
    before = sorted(p.name for p in (history.repo.path / "src").iterdir())
    entries = opened.rust_files("v0.2.1")
    assert [opened.read_blob(e.blob_sha) for e in entries] == [
        CACHE_FIX.encode(),
        FFI_RS.encode(),
        LIB_RS.encode(),
    ]
    assert sorted(p.name for p in (history.repo.path / "src").iterdir()) == before
    assert history.repo.git("status", "--porcelain") == ""
    assert opened.resolve("HEAD") == history.head


def test_read_blob_rejects_missing_and_non_blob_objects(
    history: History, opened: Repository
) -> None:
    missing = "0123456789abcdef0123456789abcdef01234567"
    root = history.repo.path.resolve()
    with pytest.raises(GitError) as info:
        opened.read_blob(missing)
    assert str(info.value) == (
        f"blob {missing} is not in the repository at {root}; "
        "fetch the missing history (`git fetch --unshallow`)"
    )
    tree = history.repo.git("rev-parse", "HEAD^{tree}")
    with pytest.raises(GitError) as info:
        opened.read_blob(tree)
    assert str(info.value) == f"{tree} is a tree, not a file's blob"
    with pytest.raises(GitError) as info:
        opened.read_blob("HEAD:src/lib.rs")
    assert str(info.value) == "'HEAD:src/lib.rs' is not a blob sha"


def test_read_many_blobs(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "many")
    for i in range(400):
        repo.write(f"src/m{i:03}.rs", f"pub const N: u32 = {i};\n")
    repo.commit("many files")
    with Repository.open(repo.path) as repository:
        entries = repository.rust_files("HEAD")
        contents = [repository.read_blob(e.blob_sha) for e in entries]
    assert len(entries) == 400
    assert contents[0] == b"pub const N: u32 = 0;\n"
    assert contents[399] == b"pub const N: u32 = 399;\n"
    assert [e.size for e in entries] == [len(c) for c in contents]


def test_working_tree_rust_files(history: History, opened: Repository) -> None:
    repo = history.repo
    repo.write("src/scratch.rs", "fn scratch() {}\n")  # untracked: listed
    repo.write("src/bindings.generated.rs", "\n")  # ignored by pattern
    repo.write("target/debug/build/out.rs", "\n")  # ignored directory
    repo.write("notes.txt", "\n")  # not Rust
    (repo.path / "src" / "ffi" / "mod.rs").unlink()  # tracked but deleted
    assert opened.working_tree_rust_files() == ["src/lib.rs", "src/scratch.rs", "src/store.rs"]


def test_symlinked_rust_files_are_skipped(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "links")
    repo.write("src/lib.rs", LIB_RS)
    (repo.path / "src" / "alias.rs").symlink_to("lib.rs")
    repo.commit("symlink")
    with Repository.open(repo.path) as repository:
        assert [e.path for e in repository.rust_files("HEAD")] == ["src/lib.rs"]
        assert repository.working_tree_rust_files() == ["src/lib.rs"]


# -- submodules, bare and shallow repositories ---------------------------------------------


def test_submodules_are_reported_not_descended(tmp_path: Path) -> None:
    dep = GitRepo.init(tmp_path / "dep")
    dep.write("src/dep.rs", "pub unsafe fn dep() {}\n")
    dep.commit("dep")
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", LIB_RS)
    repo.add_submodule(dep, "vendor/dep")
    repo.commit("add dep")
    assert (repo.path / "vendor" / "dep" / "src" / "dep.rs").is_file()
    with Repository.open(repo.path) as repository:
        assert repository.rust_files("HEAD") == [_entry(repo, "HEAD", "src/lib.rs", LIB_RS)]
        assert repository.submodules("HEAD") == ["vendor/dep"]
        assert repository.working_tree_rust_files() == ["src/lib.rs"]


def test_bare_repository(history: History, tmp_path: Path) -> None:
    bare = history.repo.clone(tmp_path / "ext.git", bare=True)
    with Repository.open(bare.path) as repository:
        assert repository.is_bare
        assert repository.root == bare.path.resolve()
        assert repository.resolve("main") == history.head
        assert [e.path for e in repository.rust_files("v0.2.1")] == [
            "src/cache.rs",
            "src/ffi/mod.rs",
            "src/lib.rs",
        ]
        assert repository.previous_release("v0.3.0") == Choice(
            "v0.2.1",
            history.fix,
            "v0.2.1 is the highest release tag below v0.3.0 (pre-releases skipped)",
        )
        with pytest.raises(GitError) as info:
            repository.working_tree_rust_files()
        assert str(info.value) == (
            f"{bare.path.resolve()} is a bare repository and has no work tree; "
            "name a revision instead"
        )


def test_shallow_clone_missing_the_base_commit(history: History, tmp_path: Path) -> None:
    shallow = history.repo.clone(tmp_path / "shallow", depth=1)
    root = shallow.path.resolve()
    with Repository.open(shallow.path) as repository:
        assert repository.is_shallow
        assert repository.resolve("HEAD") == history.head
        assert repository.tags() == []  # `clone --depth 1` fetched no tag: none is on HEAD
        with pytest.raises(GitError) as info:
            repository.previous_release()
        assert str(info.value) == (
            "no earlier release tag found, and this is a shallow clone that may lack tags and "
            "history; run `git fetch --unshallow --tags`, or name the base revision explicitly"
        )
        with pytest.raises(GitError) as info:
            repository.resolve("v0.2.0")
        assert str(info.value) == (
            f"unknown revision 'v0.2.0': no such commit in {root}; this is a shallow clone, so "
            "older tags and commits may not have been fetched; run `git fetch --unshallow --tags`"
        )
        with pytest.raises(GitError) as info:
            repository.require_commit(history.c2)
        assert str(info.value) == (
            f"the base commit {history.c2} is not in this shallow clone; run "
            f"`git fetch --unshallow` (or `git fetch --depth=N origin {history.c2}`)"
        )

    # The tag's name arrived (as from `git ls-remote`) but not its commit.
    (shallow.path / ".git" / "refs" / "tags" / "v0.2.0").write_text(history.c2 + "\n")
    with Repository.open(shallow.path) as repository:
        assert repository.tags() == [("v0.2.0", history.c2)]
        expected = (
            f"the base commit {history.c2} (tag v0.2.0) is not in this shallow clone; run "
            "`git fetch --unshallow` (or `git fetch --depth=N origin tag v0.2.0`)"
        )
        for call in (
            lambda: repository.previous_release(),
            lambda: repository.require_commit("v0.2.0"),
        ):
            with pytest.raises(GitError) as info:
                call()
            assert str(info.value) == expected

    # Following the advice makes the base readable without unshallowing the rest.
    shallow.git("fetch", "--quiet", "--depth=1", "origin", "tag", "v0.2.0")
    with Repository.open(shallow.path) as repository:
        assert repository.is_shallow
        assert repository.previous_release() == Choice(
            "v0.2.0", history.c2, f"v0.2.0 is the highest release tag {UNTAGGED}"
        )
        assert repository.require_commit("v0.2.0") == history.c2
        assert [e.path for e in repository.rust_files("v0.2.0")] == [
            "src/cache.rs",
            "src/ffi/mod.rs",
            "src/lib.rs",
        ]


# -- configuration ---------------------------------------------------------------------------


def test_user_name_and_email_come_from_git_config(history: History, opened: Repository) -> None:
    assert opened.user_name() is None
    assert opened.user_email() is None
    history.repo.git("config", "user.name", "Grace Reviewer")
    history.repo.git("config", "user.email", "grace@example.com")
    assert opened.user_name() == "Grace Reviewer"
    assert opened.user_email() == "grace@example.com"


def test_unborn_branch_still_resolves_other_revisions(history: History) -> None:
    history.repo.git("switch", "--quiet", "--orphan", "fresh")
    with Repository.open(history.repo.path) as repository:
        assert repository.has_commits
        assert repository.resolve("v0.1.0") == history.c1
        with pytest.raises(GitError) as info:
            repository.resolve("HEAD")
        assert str(info.value).startswith("unknown revision 'HEAD': no such commit in ")
