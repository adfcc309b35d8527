"""Reading ``.unsafe-audit/config.yaml``: the settings keys, their values and their mistakes.

(The path-pattern keys and the file's own hostility are tested in
``tests/hostile/test_scan_fail_closed.py``.)
"""

from __future__ import annotations

import pytest

from unsafe_audit.config.load import parse_config
from unsafe_audit.config.model import PathPatterns, RepoConfig
from unsafe_audit.errors import ConfigError

NAME = ".unsafe-audit/config.yaml"


def test_every_key_is_read_into_its_field() -> None:
    config = parse_config(
        "ledger: audit/ledger\n"
        "checklists:\n"
        "  - audit/team.yaml\n"
        "  - audit/more.yaml\n"
        "only_changed: true\n"
        "tag_pattern: 'pg_cache-v*'\n"
        "generated: ['gen/*.rs']\n"
        "not_generated: ['src/**']\n"
        "allow_unread: ['vendor/a.rs']\n"
    )

    assert config == RepoConfig(
        generated=PathPatterns(("gen/*.rs",)),
        not_generated=PathPatterns(("src/**",)),
        allow_unread=PathPatterns(("vendor/a.rs",)),
        ledger="audit/ledger",
        checklists=("audit/team.yaml", "audit/more.yaml"),
        only_changed=True,
        tag_pattern="pg_cache-v*",
    )


def test_an_empty_file_and_empty_values_say_nothing() -> None:
    assert parse_config("") == RepoConfig()
    empty = parse_config("ledger:\nchecklists:\nonly_changed:\ntag_pattern:\n")
    assert empty == RepoConfig()
    assert (empty.ledger, empty.only_changed, empty.tag_pattern) == (None, None, None)


def test_only_changed_false_is_kept_apart_from_not_said() -> None:
    assert parse_config("only_changed: false\n").only_changed is False
    assert parse_config("only_changed: no\n").only_changed is False
    assert parse_config("only_changed: yes\n").only_changed is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ledger: [a]\n", "1: 'ledger' must be a path from the repository root, not a list"),
        ("ledger: 12\n", "1: 'ledger' must be a path from the repository root, not an int ('12')"),
        (
            "ledger: /etc\n",
            "1: 'ledger' '/etc' starts with '/'; write paths from the repository root without it",
        ),
        ("ledger: a/../../x\n", "1: 'ledger' 'a/../../x' has an empty, '.' or '..' segment"),
        ("ledger: 'led*'\n", "1: 'ledger' 'led*' holds '*' or '?'; name one path, not a pattern"),
        (
            "checklists: team.yaml\n",
            "1: 'checklists' must be a list of checklist files, not a str ('team.yaml')",
        ),
        (
            "checklists:\n  - a.yaml\n  - ../b.yaml\n",
            "3: 'checklists' '../b.yaml' has an empty, '.' or '..' segment",
        ),
        (
            "checklists:\n" + "  - a.yaml\n" * 33,
            "2: 'checklists' names over 32 files",
        ),
        ("only_changed: 'yes'\n", "1: 'only_changed' must be true or false, not a str ('yes')"),
        ("only_changed: 1\n", "1: 'only_changed' must be true or false, not an int ('1')"),
        (
            "\ntag_pattern: [v*]\n",
            "2: 'tag_pattern' must be a tag name pattern such as \"v*\", not a list",
        ),
        ("tag_pattern: ''\n", "1: 'tag_pattern' '' is empty"),
        (
            "tag_pattern: '" + "v" * 201 + "'\n",
            "1: 'tag_pattern' '" + "v" * 40 + "…' is longer than 200 characters",
        ),
        (
            'tag_pattern: "v\\t*"\n',
            "1: 'tag_pattern' 'v\\t*' holds a control character or a backslash",
        ),
        (
            "exemption: a.yaml\n",
            "1: unknown key 'exemption' (expected ledger, checklists, only_changed, tag_pattern, "
            "generated, not_generated, allow_unread, exemptions)",
        ),
    ],
)
def test_a_mistake_names_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, NAME)

    assert str(caught.value).startswith(f"{NAME}:{message}"), str(caught.value)
