"""Tag versions and the choice of the previous release (pure, no git)."""

from __future__ import annotations

import itertools
import time

import pytest

from unsafe_audit.releases import (
    Choice,
    Version,
    is_release_tag,
    parse_version,
    previous_release,
    tag_matches,
    tag_pattern_problem,
)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("v1.2.3", Version(1, 2, 3)),
        ("1.2.3", Version(1, 2, 3)),
        ("V1.2.3", Version(1, 2, 3)),
        ("v1.2", Version(1, 2, 0)),
        ("v1", Version(1, 0, 0)),
        ("1.2", Version(1, 2, 0)),
        ("v0.0.0", Version(0, 0, 0)),
        ("v1.0.0-rc.1", Version(1, 0, 0, ("rc", 1))),
        ("v1.0.0-rc1", Version(1, 0, 0, ("rc", 1))),
        ("v2.0.0-beta2", Version(2, 0, 0, ("beta", 2))),
        ("v2.0.0-alpha", Version(2, 0, 0, ("alpha",))),
        ("1.0.0-alpha.beta.1", Version(1, 0, 0, ("alpha", "beta", 1))),
        ("1.2.3-4", Version(1, 2, 3, (4,))),
        ("v1.0.0+build.5", Version(1, 0, 0)),
        ("v1.0.0-rc.1+sha.abc", Version(1, 0, 0, ("rc", 1))),
        ("pg_cache-v1.2.0", Version(1, 2, 0)),
        ("pg-cache-v1.2.0", Version(1, 2, 0)),
        ("release/1.2", Version(1, 2, 0)),
        ("release-1.2.3", Version(1, 2, 3)),
        ("pg_cache/v0.3.0-rc.2", Version(0, 3, 0, ("rc", 2))),
        ("v10.20.30", Version(10, 20, 30)),
    ],
)
def test_parse_version_reads_release_tags(tag: str, expected: Version) -> None:
    assert parse_version(tag) == expected


@pytest.mark.parametrize(
    "tag",
    [
        "latest",
        "stable",
        "nightly-2024-01-05",
        "42",  # a bare number is a build or PR number
        "build-42",
        "pr/123",
        "v1.2.3.4",
        "v1.2.3-",
        "v1.2.3+",
        "v01.2.3",
        "vnext",
        "",
        "v",
        "1.2.3 ",
    ],
)
def test_parse_version_ignores_non_version_tags(tag: str) -> None:
    assert parse_version(tag) is None


# Each list is in ascending precedence (semver 11, plus v-prefix, missing parts and `rc1`).
ASCENDING = [
    "v0.9.9",
    "v1.0.0-alpha",
    "v1.0.0-alpha.1",
    "v1.0.0-alpha.beta",
    "v1.0.0-beta",
    "v1.0.0-beta2",
    "v1.0.0-beta.11",
    "v1.0.0-rc.1",
    "v1.0.0",
    "v1.0.1",
    "v1.2",
    "v1.10.0",
    "2.0.0",
    "v10.0.0",
]


@pytest.mark.parametrize(("lower", "higher"), list(itertools.pairwise(ASCENDING)))
def test_versions_order_by_semver_precedence(lower: str, higher: str) -> None:
    low, high = parse_version(lower), parse_version(higher)
    assert low is not None and high is not None
    assert low < high
    assert high > low
    assert low <= high and not high <= low
    assert high >= low and not low >= high


def test_sorting_tags_by_version_uses_semver_order() -> None:
    shuffled = [ASCENDING[i] for i in (5, 0, 13, 8, 2, 11, 7, 1, 12, 4, 9, 3, 10, 6)]
    assert sorted(shuffled, key=lambda t: parse_version(t) or Version(0)) == ASCENDING


@pytest.mark.parametrize(
    ("a", "b"),
    [("v1.2", "1.2.0"), ("v1.0.0+build.1", "v1.0.0+build.2"), ("v1.0.0-rc1", "v1.0.0-rc.1")],
)
def test_equal_versions_compare_equal(a: str, b: str) -> None:
    assert parse_version(a) == parse_version(b)


def test_version_str_is_normalised() -> None:
    assert [str(parse_version(t)) for t in ("v1.2", "v1.0.0-rc1", "2.0.0+b")] == [
        "1.2.0",
        "1.0.0-rc.1",
        "2.0.0",
    ]


def test_is_prerelease() -> None:
    assert parse_version("v1.0.0-rc.1") == Version(1, 0, 0, ("rc", 1))
    assert Version(1, 0, 0, ("rc", 1)).is_prerelease
    assert not Version(1, 0, 0).is_prerelease


# A history: main has v0.1.0 .. v0.3.0; v0.2.1 was tagged on a release branch never merged back.
MAIN_TAGS = [
    ("v0.1.0", "c1"),
    ("v0.2.0", "c2"),
    ("v0.2.1", "r1"),  # on release/0.2
    ("v0.3.0-rc.1", "c3"),
    ("v0.3.0-rc.2", "c4"),
    ("v0.3.0", "c5"),
    ("latest", "c5"),
    ("deploy-staging", "c6"),
]
NO_SKIP = "(pre-releases skipped)"


@pytest.mark.parametrize(
    ("tags", "head", "expected"),
    [
        pytest.param(
            MAIN_TAGS,
            "c5",
            Choice("v0.2.1", "r1", f"v0.2.1 is the highest release tag below v0.3.0 {NO_SKIP}"),
            id="head-tagged-release-skips-prereleases-and-picks-release-branch-tag",
        ),
        pytest.param(
            MAIN_TAGS,
            "c4",
            Choice(
                "v0.3.0-rc.1",
                "c3",
                "v0.3.0-rc.1 is the highest tag below v0.3.0-rc.2 "
                "(pre-releases included because v0.3.0-rc.2 is a pre-release)",
            ),
            id="head-prerelease-takes-earlier-prerelease",
        ),
        pytest.param(
            MAIN_TAGS,
            "c3",
            Choice(
                "v0.2.1",
                "r1",
                "v0.2.1 is the highest tag below v0.3.0-rc.1 "
                "(pre-releases included because v0.3.0-rc.1 is a pre-release)",
            ),
            id="first-prerelease-takes-last-release",
        ),
        pytest.param(
            MAIN_TAGS,
            "c6",
            Choice(
                "v0.3.0",
                "c5",
                "v0.3.0 is the highest release tag (the revision under audit is not tagged; "
                "pre-releases skipped)",
            ),
            id="head-with-only-non-version-tags-is-untagged",
        ),
        pytest.param(
            MAIN_TAGS,
            "c7",
            Choice(
                "v0.3.0",
                "c5",
                "v0.3.0 is the highest release tag (the revision under audit is not tagged; "
                "pre-releases skipped)",
            ),
            id="head-untagged",
        ),
        pytest.param(
            [("v0.1.0", "c1"), ("v0.2.0", "c2"), ("v0.2.1", "r1")],
            "c2",
            Choice("v0.1.0", "c1", f"v0.1.0 is the highest release tag below v0.2.0 {NO_SKIP}"),
            id="strictly-below-head-even-when-a-higher-tag-exists-elsewhere",
        ),
        pytest.param(
            [("v1.0.0-rc.1", "c1"), ("v1.0.0-rc.2", "c2"), ("v1.0.0", "c2")],
            "c2",
            None,
            id="rc-promoted-to-release-on-same-commit-has-no-earlier-release",
        ),
        pytest.param(
            [("0.1.0", "c1"), ("v0.2.0", "c2"), ("pg_cache-v0.3.0", "c3")],
            "c3",
            Choice(
                "v0.2.0", "c2", f"v0.2.0 is the highest release tag below pg_cache-v0.3.0 {NO_SKIP}"
            ),
            id="prefixes-mixed",
        ),
        pytest.param(
            [("v1.0", "c1"), ("1.0.0", "c1"), ("v2.0.0", "c2")],
            "c2",
            Choice("v1.0", "c1", f"v1.0 is the highest release tag below v2.0.0 {NO_SKIP}"),
            id="equal-versions-break-ties-by-name",
        ),
        pytest.param(
            [("v0.1.0", "c1")],
            "c1",
            None,
            id="head-is-the-only-release",
        ),
        pytest.param([], "c1", None, id="no-tags"),
        pytest.param(
            [("v0.1.0-rc.1", "c1"), ("nightly", "c2")],
            "c3",
            None,
            id="untagged-head-never-takes-prereleases",
        ),
        pytest.param(
            [("v0.1.0", "c1"), ("v0.1.0-rc.1", "c1")],
            "c2",
            Choice(
                "v0.1.0",
                "c1",
                "v0.1.0 is the highest release tag (the revision under audit is not tagged; "
                "pre-releases skipped)",
            ),
            id="release-and-prerelease-on-one-commit",
        ),
    ],
)
def test_previous_release(tags: list[tuple[str, str]], head: str, expected: Choice | None) -> None:
    assert previous_release(tags, head) == expected


def test_highest_of_several_head_tags_is_heads_version() -> None:
    tags = [("v0.9.0", "a"), ("v1.0.0-rc.3", "b"), ("v1.0.0", "b")]
    assert previous_release(tags, "b") == Choice(
        "v0.9.0", "a", f"v0.9.0 is the highest release tag below v1.0.0 {NO_SKIP}"
    )


def test_untagged_head_skips_tags_on_its_descendants() -> None:
    # Head is an old commit `c2` checked out after v0.3.0 (on `c5`) was tagged.
    descendants = {("c2", "c5"), ("c2", "c2")}

    def is_ancestor(a: str, b: str) -> bool:
        return (a, b) in descendants

    choice = previous_release(MAIN_TAGS, "c2x", is_ancestor=is_ancestor)
    assert choice is not None and choice.tag == "v0.3.0"
    choice = previous_release([("v0.1.0", "c1"), ("v0.3.0", "c5")], "c2", is_ancestor=is_ancestor)
    assert choice == Choice(
        "v0.1.0",
        "c1",
        "v0.1.0 is the highest release tag (the revision under audit is not tagged; "
        "pre-releases skipped)",
    )


def test_is_ancestor_is_not_consulted_for_a_tagged_head() -> None:
    def is_ancestor(a: str, b: str) -> bool:
        raise AssertionError("a tagged head is placed by version, not by the graph")

    choice = previous_release(MAIN_TAGS, "c5", is_ancestor=is_ancestor)
    assert choice is not None and choice.tag == "v0.2.1"


def test_untagged_head_asks_about_tags_from_the_highest_down_and_stops() -> None:
    asked: list[str] = []
    later = {"c5"}  # v0.3.0 was tagged after head

    def is_ancestor(a: str, b: str) -> bool:
        asked.append(b)
        return b in later

    choice = previous_release(MAIN_TAGS, "c4x", is_ancestor=is_ancestor)

    assert choice is not None and choice.tag == "v0.2.1"
    assert asked == ["c5", "r1"]  # v0.3.0, then v0.2.1; never v0.2.0 or v0.1.0


# -- which tags are releases: tag_pattern ---------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("v*", "v1.2.3", True),
        ("v*", "pg_cache-v1.2.3", False),
        ("pg_cache-v*", "pg_cache-v1.2.3", True),
        ("pg_cache-v*", "pg_hooks-v1.2.3", False),
        ("release/*", "release/1.2", True),
        ("*", "release/1.2", True),  # `*` crosses `/` in tag names
        ("v?.*", "v1.2.3", True),
        ("v?.*", "v10.2.3", False),
        ("v1.2.3", "v1.2.3", True),
        ("v1.2.3", "v1.2.30", False),  # the whole name must match
        ("*-v*", "pg_cache-v1.0.0", True),
        ("[v]*", "v1.0.0", False),  # brackets are literal
        ("", "", True),
        ("**", "", True),
    ],
)
def test_tag_matches(pattern: str, name: str, expected: bool) -> None:
    assert tag_matches(pattern, name) is expected


def test_tag_matching_never_backtracks_exponentially() -> None:
    # A regular expression or fnmatch-style recursion would try every split of the name among
    # the stars: hours for this pair. Both come from the repository.
    pattern = "*a" * 40 + "*b"
    name = "a" * 5_000

    start = time.perf_counter()
    assert tag_matches(pattern, name) is False
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("v*", None),
        ("", "is empty"),
        ("v" * 201, "is longer than 200 characters"),
        ("v\n*", "holds a control character or a backslash, which no tag name has"),
        ("v\\*", "holds a control character or a backslash, which no tag name has"),
    ],
)
def test_tag_pattern_problem(pattern: str, problem: str | None) -> None:
    assert tag_pattern_problem(pattern) == problem


def test_a_tag_pattern_limits_which_tags_are_releases() -> None:
    tags = [
        ("pg_cache-v0.1.0", "a1"),
        ("pg_hooks-v0.9.0", "b1"),
        ("pg_cache-v0.2.0", "a2"),
        ("pg_hooks-v1.0.0", "b2"),
    ]

    choice = previous_release(tags, "a2", pattern="pg_cache-v*")
    assert choice == Choice(
        "pg_cache-v0.1.0",
        "a1",
        "pg_cache-v0.1.0 is the highest release tag matching 'pg_cache-v*' below "
        f"pg_cache-v0.2.0 {NO_SKIP}",
    )
    # Without the pattern, the other crate's tags compete with this one's.
    unpatterned = previous_release(tags, "x")
    assert unpatterned is not None and unpatterned.tag == "pg_hooks-v1.0.0"
    assert previous_release(tags, "x", pattern="pg_cache-v*") == Choice(
        "pg_cache-v0.2.0",
        "a2",
        "pg_cache-v0.2.0 is the highest release tag matching 'pg_cache-v*' (the revision under "
        "audit is not tagged; pre-releases skipped)",
    )
    assert previous_release(tags, "x", pattern="nothing-*") is None


def test_a_tag_matching_the_pattern_still_needs_a_version() -> None:
    assert is_release_tag("v1.0.0", "v*")
    assert not is_release_tag("vnext", "v*")
    assert not is_release_tag("pg_cache-v1.0.0", "v*")
    assert is_release_tag("pg_cache-v1.0.0")
