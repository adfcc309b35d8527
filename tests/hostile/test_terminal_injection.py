"""Terminal injection: nothing a pull request writes reaches the reviewer's terminal as a control
sequence.

A PR author chooses file names, ``// SAFETY:`` comments, ledger fields (release, reviewer,
justification), tag names and checklist text. Each case here commits such text to a real git
repository and runs the real command (a subprocess, its output read as bytes, stdout strict
UTF-8) or the real review app (Textual's Pilot), then asserts that the output holds no raw
control, bidi or invisible format character — the text is there, as visible escapes — and the
exit code. OSC 52 writes the clipboard, OSC 0 sets the window title, CSI 2J clears the screen,
U+202E and the isolates reorder what the reviewer reads.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import TextArea

from tests.gitrepo import GitRepo, isolate_git_config
from tests.hostile.cli_run import run_cli
from tests.tui.conftest import repo_loader
from tests.tui.pilot import opened
from unsafe_audit.ledger.entry import Verdict
from unsafe_audit.model import SiteId
from unsafe_audit.review import QueueFilter
from unsafe_audit.tui import ReviewApp
from unsafe_audit.tui.screens.confirm import ConfirmSignOff
from unsafe_audit.tui.screens.editor import JustificationEditor
from unsafe_audit.tui.widgets.checklist import ITEM_PREFIX, ChecklistPanel
from unsafe_audit.tui.widgets.queue import QueueList

OSC52 = "\x1b]52;c;aGVsbG8=\x07"
TITLE = "\x1b]0;pwned\x07"
CSI = "\x1b[2J"
RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"

SIGNED = f"src/{OSC52}x{RLO}.rs"
"""Signed off at the release, changed since: its sign-off is stale."""
FRESH = f"src/{CSI}new{LRI}y{PDI}.rs"
"""New in head, never signed off."""
UNDECODABLE = f"src/{CSI}warn.rs"
"""Not UTF-8 inside: scanning it warns, naming it."""
RELEASE = f"v0.1.0{TITLE}"
JUSTIFICATION = f"Sound because {OSC52}reasons{TITLE}\n{RLO}second line"
ORPHAN = "00000000000000aa"

V1 = f"""\
pub fn f(p: *const u8) -> u8 {{
    // SAFETY: {TITLE}p is valid{OSC52}
    unsafe {{ *p }}
}}
"""
V2 = V1.replace("{ *p }", "{ *p.add(1) }")
NEW = f"""\
pub fn g(p: *const u8) -> u8 {{
    // SAFETY: the caller passes a valid pointer {OSC52}{RLO}
    unsafe {{ p.read() }}
}}
"""

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""What must never reach a terminal (tab and newline are layout)."""


def assert_inert(text: str) -> None:
    found = RAW.search(text)
    assert found is None, (
        f"raw {found.group()!r} at {found.start()}: {text[: found.start()][-60:]!r}"
    )


@dataclass
class Hostile:
    """The repository: released with a signed hostile site, head with changes in the work
    tree."""

    repo: GitRepo
    cache: Path
    signed_id: str = ""
    """The id the ledger entry was written for (the code at the release)."""
    stale_id: str = ""
    """The same site in head, its code changed: its sign-off is stale."""
    fresh_id: str = ""

    def run(self, *args: str) -> tuple[int, str, str]:
        """``unsafe-audit ARGS`` in the repository: exit code, stdout, stderr."""
        ran = run_cli(self.repo.path, self.cache, *args)
        return ran.code, ran.out, ran.err


def _site_id(hostile: Hostile, path: str) -> str:
    code, out, err = hostile.run("scan", ".", "--format", "json")
    assert code == 0, err
    [site] = [s for s in json.loads(out)["sites"] if s["path"] == path]
    return str(site["id"])


def _quoted(key: str, value: str) -> str:
    """One ``key: "value"`` YAML line, escapes and all (YAML's \\e, \\a, \\u202e)."""
    line: str = yaml.safe_dump({key: value}, allow_unicode=False, width=10**6)
    return line.strip()


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    """The hostile repository, built once per module (each test gets a copy)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _build_hostile(tmp_path_factory.mktemp("hostile"), monkeypatch)


@pytest.fixture
def hostile(hostile_template: Hostile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hostile:
    isolate_git_config(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    copy = hostile_template.repo.copy(tmp_path / "ext")
    return replace(hostile_template, repo=copy, cache=tmp_path / "cache")


def _build_hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hostile:
    isolate_git_config(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repo = GitRepo.init(tmp_path / "ext")
    repo.write("src/lib.rs", "pub fn ok() {}\n")
    repo.commit("start")
    repo.tag("v0.0.1")
    repo.write(SIGNED, V1)
    repo.commit("add a site")
    h = Hostile(repo, tmp_path / "cache")
    h.signed_id = _site_id(h, SIGNED)
    code, _, err = h.run(
        "sign-off", h.signed_id, "--all-pass", "--pattern", "borrow",
        "--justification", "placeholder", "--reviewer", "Rita <rita@example.com>",
    )  # fmt: skip
    assert code == 0, err
    # The PR author then edits the committed entry by hand, and adds an orphaned one.
    entry = repo.path / ".unsafe-audit" / "ledger" / f"{h.signed_id}.yaml"
    text = entry.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^release: .*$", lambda _: _quoted("release", RELEASE), text)
    text = re.sub(
        r"(?m)^justification:.*(\n  .*)*", lambda _: _quoted("justification", JUSTIFICATION), text
    )
    entry.write_text(text, encoding="utf-8")
    orphan = re.sub(r"(?m)^site: .*$", f"site: {ORPHAN}", text)
    orphan = re.sub(r"(?m)^path: .*$", lambda _: _quoted("path", f"src/{TITLE}gone.rs"), orphan)
    orphan = re.sub(r"(?m)^item: .*$", lambda _: _quoted("item", f"gone{RLO}::f"), orphan)
    orphan = re.sub(r"(?m)^token_hash: .*$", "token_hash: 00000000000000bb", orphan)
    (entry.parent / f"{ORPHAN}.yaml").write_text(orphan, encoding="utf-8")
    repo.commit("sign off")
    repo.tag("v0.1.0")
    repo.write("src/lib.rs", "pub fn ok() {}\npub fn next() {}\n")
    repo.commit("towards the next release")
    repo.write(SIGNED, V2)
    repo.write(FRESH, NEW)
    h.stale_id = _site_id(h, SIGNED)
    h.fresh_id = _site_id(h, FRESH)
    return h


def test_scan_table_and_its_warnings_show_names_as_escapes(hostile: Hostile) -> None:
    (hostile.repo.path / UNDECODABLE).write_bytes(b"pub fn w() { unsafe {} } \xff\n")

    code, out, err = hostile.run("scan", ".")

    assert code == 0
    assert_inert(out)
    assert_inert(err)
    # The table's 26 columns keep a path's end: its file name and line.
    assert ";aGVsbG8=\\x07x\\u202e.rs:3 " in out
    assert "warning: src/\\x1b[2Jwarn.rs" in err


def test_diff_table_and_its_choice_of_base_show_tag_and_names_as_escapes(
    hostile: Hostile,
) -> None:
    hostile.repo.tag(f"v0.1.0{RLO}-rc", rev="v0.0.1")

    code, out, err = hostile.run("diff", ".", "--base", f"v0.1.0{RLO}-rc")

    assert code == 0
    assert_inert(out)
    assert_inert(err)
    assert out.startswith("v0.1.0\\u202e-rc (")
    assert "comparing working tree with v0.1.0\\u202e-rc" in err
    # The location is cut from the left to fit its column: the escaped file name stays whole.
    assert "\\x1b[2Jnew\\u2066y\\u2069.rs:3" in out


def test_check_text_shows_paths_items_and_ledger_release_as_escapes(hostile: Hostile) -> None:
    code, out, err = hostile.run("check", ".")

    assert code == 1
    assert_inert(out)
    assert_inert(err)
    assert "src/\\x1b[2Jnew\\u2066y\\u2069.rs:3  \\x1b[2Jnew\\u2066y\\u2069::g" in out
    assert "signed off for v0.1.0\\x1b]0;pwned\\x07" in out


def test_sign_off_seeded_from_a_stale_sign_off_names_its_release_as_escapes(
    hostile: Hostile,
) -> None:
    code, out, err = hostile.run(
        "sign-off", hostile.stale_id, "--all-pass", "--pattern", "borrow",
        "--reviewer", "Rita <rita@example.com>",
    )  # fmt: skip

    assert code == 0, err
    assert_inert(out)
    assert_inert(err)
    assert "justification taken from the stale sign-off for v0.1.0\\x1b]0;pwned\\x07" in err
    assert "(unsafe_block at src/\\x1b]52;c;aGVsbG8=\\x07x\\u202e.rs:3)" in out


def test_prune_lists_an_orphaned_entrys_fields_as_escapes(hostile: Hostile) -> None:
    code, out, err = hostile.run("prune", ".")

    assert code == 0
    assert_inert(out)
    assert_inert(err)
    assert f"would delete .unsafe-audit/ledger/{ORPHAN}.yaml" in out
    assert "in gone\\u202e::f at src/\\x1b]0;pwned\\x07gone.rs" in out
    assert (hostile.repo.path / ".unsafe-audit" / "ledger" / f"{ORPHAN}.yaml").is_file()


def _team_checklist(where: Path) -> Path:
    """A team checklist whose title, section and question carry escapes and bidi."""
    team = where / "team.yaml"
    team.write_text(
        "\n".join(
            [
                "id: team",
                "version: 1",
                _quoted("title", f"Team {TITLE}rules"),
                "sections:",
                "  - id: T",
                "    " + _quoted("title", f"Ours{RLO}"),
                "items:",
                "  - id: guc-registered",
                "    section: T",
                "    " + _quoted("question", f"Is it {OSC52}registered?"),
                "    guidance: Look for the GUC in _PG_init.",
                "    applies_to: [unsafe_block]",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return team


def test_checklist_command_shows_a_team_checklists_text_as_escapes(hostile: Hostile) -> None:
    team = _team_checklist(hostile.repo.path)

    code, out, err = hostile.run("checklist", "--checklist", str(team))

    assert code == 0, err
    assert_inert(out)
    assert "T. Ours\\u202e" in out
    assert "Is it \\x1b]52;c;aGVsbG8=\\x07registered?" in out


def test_an_error_naming_a_hostile_file_is_shown_with_escapes(hostile: Hostile) -> None:
    """A CI job that globs the repository's checklists passes names the PR chose."""
    bad = f"{CSI}{TITLE}team.yaml"
    (hostile.repo.path / bad).write_text("id: [unclosed\n", encoding="utf-8")

    code, out, err = hostile.run("checklist", "--checklist", bad)

    assert code == 2
    assert out == ""
    assert_inert(err)
    assert err.startswith("unsafe-audit: error: \\x1b[2J\\x1b]0;pwned\\x07team.yaml")
    assert "Traceback" not in err


def test_a_usage_error_echoing_a_hostile_argument_is_shown_with_escapes(
    hostile: Hostile,
) -> None:
    code, out, err = hostile.run("scan", ".", f"{CSI}{TITLE}.rs")

    assert code == 2
    assert out == ""
    assert_inert(err)
    assert err.endswith("error: unrecognized arguments: \\x1b[2J\\x1b]0;pwned\\x07.rs\n")


# -- the review app ---------------------------------------------------------------------------


def _shown(screen: Screen[Any]) -> str:
    """Every character the screen would paint (the compositor's strips, as the driver writes
    them, without Textual's own style and cursor sequences)."""
    strips = screen._compositor.render_strips()
    return "\n".join("".join(s.text for s in strip if not s.control) for strip in strips)


async def _show(app: ReviewApp, pilot: Pilot[int], site_id: str) -> None:
    """Put the cursor on ``site_id`` and show it."""
    session = app.session
    assert session is not None
    assert session.select(SiteId(site_id)) is not None and session.current is not None
    assert session.current.id == site_id
    app.query_one(QueueList).sync_cursor()
    app.refresh_site()
    await pilot.pause()


async def _open_editor(app: ReviewApp, pilot: Pilot[int], site_id: str) -> JustificationEditor:
    """Show ``site_id`` and press ``e``, as a reviewer would."""
    await _show(app, pilot, site_id)
    await pilot.press("e")
    await pilot.pause()
    editor = app.screen
    assert isinstance(editor, JustificationEditor)
    return editor


def test_the_editor_gets_a_stale_justification_and_a_file_name_as_escapes(
    hostile: Hostile,
) -> None:
    async def run() -> None:
        async with opened(repo_loader(hostile.repo.path), size=(160, 60)) as (app, pilot):
            await _show(app, pilot, hostile.stale_id)
            shown = _shown(app.screen)
            assert_inert(shown)
            # The site pane's previous sign-off and the checklist's justification row.
            assert "for v0.1.0\\x1b]0;pwned\\x07" in shown
            assert "Sound because \\x1b]52;c;aGVsbG8=\\x07reasons" in shown
            editor = await _open_editor(app, pilot, hostile.stale_id)
            text = editor.query_one(TextArea).text
            assert text == (
                "Sound because \\x1b]52;c;aGVsbG8=\\x07reasons\\x1b]0;pwned\\x07\n"
                "\\u202esecond line"
            )
            assert editor.title_text == (
                "Justification — unsafe_block at src/\\x1b]52;c;aGVsbG8=\\x07x\\u202e.rs:3"
            )
            assert_inert(_shown(editor))
            await pilot.press("escape")
            assert app.is_running

    asyncio.run(run())


def test_the_editor_gets_a_safety_comment_as_escapes(hostile: Hostile) -> None:
    async def run() -> None:
        async with opened(repo_loader(hostile.repo.path)) as (app, pilot):
            editor = await _open_editor(app, pilot, hostile.fresh_id)
            text = editor.query_one(TextArea).text
            assert text == "the caller passes a valid pointer \\x1b]52;c;aGVsbG8=\\x07\\u202e"
            assert editor.title_text == (
                "Justification — unsafe_block at src/\\x1b[2Jnew\\u2066y\\u2069.rs:3"
            )
            assert_inert(_shown(editor))
            # Saved as shown: the escapes, never the bytes, go into the draft.
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.session is not None
            assert "\x1b" not in app.session.justification(SiteId(hostile.fresh_id))

    asyncio.run(run())


def test_panes_queue_title_and_the_confirm_screen_paint_no_control_character(
    hostile: Hostile, tmp_path: Path
) -> None:
    team = _team_checklist(tmp_path)
    request = repo_loader(hostile.repo.path, checklists=[str(team)])

    async def run() -> None:
        async with opened(request, size=(160, 60)) as (app, pilot):
            session = app.session
            assert session is not None
            # The queue's title names the file the filter is set to.
            session.set_filter(QueueFilter(file=FRESH))
            app.query_one(QueueList).load(session)
            app.refresh_progress()
            assert session.select(SiteId(hostile.fresh_id)) is not None
            app.refresh_site()
            await pilot.pause()
            shown = _shown(app.screen)
            assert_inert(shown)
            # The queue is narrow: its title and file row are cut, escapes and all.
            assert "╭─ to review · src/\\x1b[2Jn… ─╮" in shown
            assert "│ src/\\x1b[2Jnew\\u2066y\\u2069…│" in shown
            assert "unsafe_block  src/\\x1b[2Jnew\\u2066y\\u2069.rs:3  \\x1b[2Jnew" in shown
            assert "SAFETY: the caller passes a valid pointer \\x1b]52" in shown  # code
            # The team's item, scrolled into view in the checklist pane.
            panel = app.query_one(ChecklistPanel)
            panel.highlighted = panel.get_option_index(f"{ITEM_PREFIX}guc-registered")
            await pilot.pause()
            shown = _shown(app.screen)
            assert_inert(shown)
            assert "Is it \\x1b]52;c;aGVsbG8=\\x07registered?" in shown
            item = session.current
            assert item is not None and item.id == hostile.fresh_id
            for checklist_item in item.items:
                session.set_answer(item.id, checklist_item.id, Verdict.PASS)
            session.set_pattern(item.id, "borrow")
            await pilot.press("s")
            await pilot.pause()
            confirm = app.screen
            assert isinstance(confirm, ConfirmSignOff)
            shown = _shown(confirm)
            assert_inert(shown)
            assert "\\u2066" in shown
            await pilot.press("n")
            await pilot.pause()
            assert not (
                hostile.repo.path / ".unsafe-audit" / "ledger" / f"{hostile.fresh_id}.yaml"
            ).exists()

    asyncio.run(run())
