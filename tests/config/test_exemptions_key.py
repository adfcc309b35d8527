"""The configuration's ``exemptions`` key: the path of the adoption exemptions file."""

from __future__ import annotations

import pytest

from unsafe_audit.config.load import parse_config
from unsafe_audit.config.model import RepoConfig
from unsafe_audit.errors import ConfigError


def test_the_key_names_a_file_and_defaults_to_none() -> None:
    assert parse_config("exemptions: audit/baseline.yaml\n").exemptions == "audit/baseline.yaml"
    assert parse_config("exemptions:\n").exemptions is None
    assert parse_config("generated: []\n") == RepoConfig()


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("[a.yaml]", "2: 'exemptions' must be a file path, not a list"),
        ("12", "2: 'exemptions' must be a file path, not an int ('12')"),
        (
            "/etc/x.yaml",
            "2: 'exemptions' '/etc/x.yaml' starts with '/'; write paths from the "
            "repository root without it",
        ),
        ("../x.yaml", "2: 'exemptions' '../x.yaml' has an empty, '.' or '..' segment"),
        ("'*.yaml'", "2: 'exemptions' '*.yaml' holds '*' or '?'; name one file"),
    ],
)
def test_a_bad_value_is_an_error_with_its_line(value: str, error: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(f"allow_unread: []\nexemptions: {value}\n", ".unsafe-audit/config.yaml")
    assert str(e.value) == f".unsafe-audit/config.yaml:{error}"
