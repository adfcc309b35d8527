"""Path patterns of ``.unsafe-audit/config.yaml``: what each matches, and which list wins."""

from __future__ import annotations

import pytest

from unsafe_audit.config.model import PathPatterns, RepoConfig, matches


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("src/lib.rs", "src/lib.rs", True),
        ("src/lib.rs", "crates/a/src/lib.rs", False),
        ("src/*.rs", "src/gen.rs", True),
        ("src/*.rs", "src/a/gen.rs", False),
        ("src/gen_?.rs", "src/gen_1.rs", True),
        ("src/gen_?.rs", "src/gen_12.rs", False),
        ("vendor/**", "vendor/a/b/c.rs", True),
        ("vendor/**", "vendors/a.rs", False),
        ("**/bindings.rs", "bindings.rs", True),
        ("**/bindings.rs", "a/b/bindings.rs", True),
        ("**/bindings.rs", "a/b/my_bindings.rs", False),
        ("a/**/b.rs", "a/b.rs", True),
        ("a/**/b.rs", "a/x/y/b.rs", True),
        ("src/[ab].rs", "src/[ab].rs", True),
        ("src/[ab].rs", "src/a.rs", False),
        ("src/a.rs", "src/aXrs", False),
        ("src/*", "src/line\nbreak.rs", True),
    ],
)
def test_a_pattern_matches_whole_paths_from_the_root(
    pattern: str, path: str, expected: bool
) -> None:
    assert matches(pattern, path) is expected


def test_not_generated_wins_over_generated_and_the_bytes_decide_otherwise() -> None:
    config = RepoConfig(
        generated=PathPatterns(("src/gen/**",)),
        not_generated=PathPatterns(("src/gen/hand.rs",)),
    )

    assert config.generated_override("src/gen/a.rs") is True
    assert config.generated_override("src/gen/hand.rs") is False
    assert config.generated_override("src/lib.rs") is None
    assert RepoConfig().generated_override("src/gen/a.rs") is None


def test_the_first_matching_pattern_is_named() -> None:
    patterns = PathPatterns(("a/*.rs", "**/*.rs"))

    assert patterns.first_match("a/x.rs") == "a/*.rs"
    assert patterns.first_match("b/x.rs") == "**/*.rs"
    assert patterns.first_match("b/x.txt") is None
