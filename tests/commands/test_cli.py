"""The command line's manners: the version, suggestions for typos, colour only on a terminal,
progress only on a terminal, ``sign-off``'s path, plurals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.commands.test_sign_off import LIB, _isolated, make_repo, sites_of, units_of
from unsafe_audit import __version__
from unsafe_audit.cli import did_you_mean, main
from unsafe_audit.commands.colour import palette_for
from unsafe_audit.commands.progress import ProgressBar
from unsafe_audit.report.style import COLOUR, PLAIN, Tone, plural

__all__ = ["_isolated"]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse's own exits (--version, usage errors)
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_the_version(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    assert cli(capsys, flag) == (0, f"unsafe-audit {__version__}\n", "")


def test_a_mistyped_subcommand_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "dif", ".")
    assert (code, out) == (2, "")
    assert "argument COMMAND: invalid choice: 'dif' (did you mean 'diff'?) (choose from" in err


def test_a_mistyped_option_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "diff", ".", "--bsae", "v1")
    assert code == 2
    assert err.endswith("error: unrecognized arguments: --bsae v1 (did you mean '--base'?)\n")
    code, _, err = cli(capsys, "check", "--only-chaged")
    assert err.endswith("unrecognized arguments: --only-chaged (did you mean '--only-changed'?)\n")
    code, _, err = cli(capsys, "scan", "--formt=json")
    assert err.endswith("unrecognized arguments: --formt=json (did you mean '--format'?)\n")


def test_a_mistyped_choice_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "diff", "--format", "tabel")
    assert code == 2
    assert err.endswith(
        "argument --format: invalid choice: 'tabel' (did you mean 'table'?) "
        "(choose from 'table', 'json', 'markdown')\n"
    )


def test_nothing_close_suggests_nothing() -> None:
    assert did_you_mean("--frobnicate", ["--base", "--head"]) == ""
    assert did_you_mean("chekc", ["check", "checklist", "scan"]) == " (did you mean 'check'?)"


def test_sign_off_takes_the_path_after_the_site_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", LIB)
    first, second = units_of(repo)[:2]
    answers = ("--all-pass", "--pattern", "own", "--justification", "checked")

    code, out, err = cli(capsys, "sign-off", first.id, str(repo.path), *answers)
    assert (code, err) == (0, "")
    assert out.startswith(f"signed off {first.id} ")
    # After the options too, although argparse before 3.13 would leave it unrecognized.
    code, out, err = cli(capsys, "sign-off", second.id[:8], *answers, str(repo.path))
    assert (code, err) == (0, "")
    assert out.startswith(f"signed off {second.id} ")


def test_sign_off_dash_c_still_works_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", LIB)
    site = sites_of(repo)[0]
    code, out, err = cli(
        capsys, "sign-off", site.id, "-C", str(repo.path), "--all-pass", "--pattern", "own"
    )
    assert code == 0
    assert out.startswith(f"signed off {site.id} ")
    assert err.startswith(
        "unsafe-audit: sign-off -C/--path is deprecated; give the path after the site id "
        f"(unsafe-audit sign-off SITE_ID {repo.path})\n"
    )
    code, _, err = cli(capsys, "sign-off", site.id, str(tmp_path), "-C", str(repo.path))
    assert code == 2
    assert f"error: two paths given: {tmp_path} and -C {repo.path}" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert palette_for(_Terminal(), {"TERM": "xterm"}) is COLOUR
    assert palette_for(io.StringIO(), {"TERM": "xterm"}) is PLAIN
    assert palette_for(_Terminal(), {"NO_COLOR": "1"}) is PLAIN
    assert palette_for(_Terminal(), {"NO_COLOR": ""}) is COLOUR  # set but empty: no-color.org
    assert palette_for(_Terminal(), {"TERM": "dumb"}) is PLAIN


def test_a_palette_paints_only_when_enabled() -> None:
    assert COLOUR.paint("NEW (2)", Tone.ATTENTION) == "\x1b[1;33mNEW (2)\x1b[0m"
    assert PLAIN.paint("NEW (2)", Tone.ATTENTION) == "NEW (2)"


def test_the_progress_bar_draws_for_long_scans_and_clears_its_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar(10, 100)  # a short scan: no bar
    assert stream.getvalue() == ""
    bar(150, 300)
    bar.clear()
    assert stream.getvalue() == (
        "\rscanning [###############---------------] 150/300 files" + "\r" + " " * 60 + "\r"
    )


def test_the_table_commands_write_no_colour_or_progress_when_piped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", LIB)
    repo.commit("next")
    code, out, err = cli(capsys, "diff", str(repo.path), "--no-cache")
    assert code == 0
    assert "\x1b" not in out + err
    assert "\r" not in err


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [
        (1, "orphaned entry", "1 orphaned entry"),
        (2, "orphaned entry", "2 orphaned entries"),
        (0, "site", "0 sites"),
        (1, "file", "1 file"),
        (3, "key", "3 keys"),
    ],
)
def test_plural(count: int, word: str, expected: str) -> None:
    assert plural(count, word) == expected


def test_prune_counts_one_orphaned_entry_in_the_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "ext", LIB)
    site = sites_of(repo)[0]
    assert (
        cli(capsys, "sign-off", site.id, str(repo.path), "--all-pass", "--pattern", "own")[0] == 0
    )
    repo.write("src/lib.rs", LIB[: LIB.index("pub fn a")] + LIB[LIB.index("pub fn c") :])
    code, _, err = cli(capsys, "prune", str(repo.path), "--no-cache")
    assert code == 0
    assert err.endswith("1 orphaned entry; run with --apply to delete them\n")
