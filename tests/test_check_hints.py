"""check --format markdown shows the static hints found at the sites that need a sign-off."""

from __future__ import annotations

from pathlib import Path

import pytest

from unsafe_audit import samples
from unsafe_audit.cli import main


def test_markdown_lists_the_hints_of_blocking_sites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repo = samples.build("pg_cache", tmp_path / "pg_cache")

    code = main(["check", str(repo), "--format", "markdown", "--no-cache"])
    out = capsys.readouterr().out

    assert code == 1
    section = out[out.index("What the code already shows") :]
    # The C-ABI fn added in v0.3.0 has no #[pg_guard]; the OnceLock holds a MemoryContext.
    assert "- `src/lib.rs#L111` `pg-guard-missing` (pg-guard): `pg_cache_key_len`" in section
    assert "- `src/context.rs#L21` `long-lived-static` (no-stored-borrow, ctx-owner)" in section


def test_json_report_does_not_spend_time_on_hints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repo = samples.build("pg_cache", tmp_path / "pg_cache")

    main(["check", str(repo), "--format", "json", "--no-cache"])

    assert "pg-guard-missing" not in capsys.readouterr().out
