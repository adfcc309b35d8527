"""Code and justifications are shown literally; a stale site offers its old justification."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from tests.tui.pilot import opened
from tests.tui.prepared import Answer, Entry, Group, SiteKind, Verdict, Workspace, prepare
from unsafe_audit.tui.widgets.literal import literal
from unsafe_audit.tui.widgets.site import code_renderable, previous_renderable

HOSTILE = """\
pub fn f(p: *const u8) -> u8 {
    // SAFETY: [bold]p[/bold] is valid [@click=app.quit]quit[/]
    unsafe { let _s = "\x1b[31mred\x1b[0m"; *p }
}
"""


def _plain(renderable: object) -> str:
    console = Console(width=120, record=True, color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def test_literal_replaces_control_characters() -> None:
    assert literal("a\x1b[31mb\x07c") == "a\\x1b[31mb\\x07c"
    assert literal("\tx\n") == "    x\n"
    assert literal("[bold]x[/bold]") == "[bold]x[/bold]"
    assert literal("a\u202eb\x9bc") == "a\\u202eb\\x9bc"


def test_markup_and_escapes_in_code_show_literally(tmp_path: Path) -> None:
    first_release = prepare(
        {"src/lib.rs": HOSTILE.encode()}, title="ext: first release", release="working tree"
    )
    workspace = Workspace(first_release, tmp_path / "ext")

    async def run() -> None:
        async with opened(workspace.loader()) as (app, pilot):
            assert app.loaded is not None
            item = app.loaded.session.current
            assert item is not None
            text = _plain(code_renderable(item))
            assert "[bold]p[/bold]" in text
            assert "[@click=app.quit]quit[/]" in text
            assert "\\x1b[31mred\\x1b[0m" in text
            assert "\x1b" not in text
            # The justification row shows the SAFETY comment literally too.
            await pilot.press("enter")
            await pilot.click("#site-code")
            await pilot.click("#checklist")
            await pilot.pause()
            assert app.is_running
            svg = app.export_screenshot()
            assert "[@click=app.quit]" in svg.replace("&#160;", " ")
            await pilot.press("e")
            editor_text = app.screen.query_one("#editor-text").text  # type: ignore[attr-defined]
            assert "[@click=app.quit]quit[/]" in editor_text
            await pilot.press("escape")
            assert app.is_running

    asyncio.run(run())


STALE_V1 = """\
pub fn read(p: *const u8) -> u8 {
    // SAFETY: p comes from palloc in the caller's context
    unsafe { *p }
}
"""
STALE_V2 = """\
pub fn read(p: *const u8) -> u8 {
    // SAFETY: p comes from palloc in the caller's context
    unsafe { *p.add(1) }
}
"""


def test_a_stale_site_shows_the_diff_and_the_old_justification(tmp_path: Path) -> None:
    prepared = prepare(
        {"src/lib.rs": STALE_V2.encode()},
        {"src/lib.rs": STALE_V1.encode()},
        title="ext: v0.2.0 → working tree of v0.2.0",
        release="working tree of v0.2.0",
    )
    [site] = [
        d.base for d in prepared.delta.sites if d.base and d.base.kind is SiteKind.UNSAFE_BLOCK
    ]
    workspace = Workspace(prepared, tmp_path / "ext")
    workspace.save(
        Entry(
            site=site.id,
            kind=site.kind,
            path=site.path,
            item=site.item,
            token_hash=site.token_hash,
            release="v0.1.0",
            checklist="pgrx-ffi@1",
            tool="unsafe-audit 0.1.0",
            reviewer="Old Reviewer <old@example.com>",
            reviewed_at="2025-01-01T00:00:00Z",
            lifetime_pattern="borrow",
            answers=(("ctx-owner", Answer(Verdict.PASS)),),
            justification="Only reads one byte the caller owns.",
        )
    )

    async def run() -> None:
        async with opened(workspace.loader()) as (app, _pilot):
            assert app.loaded is not None
            session = app.loaded.session
            item = session.current
            assert item is not None and item.group is Group.STALE
            assert item.previous_justification == "Only reads one byte the caller owns."
            assert session.justification(item.id) == "Only reads one byte the caller owns."
            assert item.diff_lines()[-2:] == ["-    unsafe { *p }", "+    unsafe { *p.add(1) }"]
            shown = _plain(app.query_one("#site-diff").render())
            assert "+    unsafe { *p.add(1) }" in shown
            previous = _plain(previous_renderable(item))
            assert item.reason == "the code changed since it was signed off for v0.1.0"
            assert (
                "previous sign-off (stale: the code changed since it was signed off for v0.1.0) "
                "by Old Reviewer <old@example.com> for v0.1.0:"
            ) in " ".join(previous.split())  # as one line, however the pane wraps it
            # Why it went stale is shown as the check says it, and literally.
            contracts = replace(item, reason="pg18 added: \x1b[31merrstart has a contract")
            previous = " ".join(_plain(previous_renderable(contracts)).split())
            assert "(stale: pg18 added: \\x1b[31merrstart has a contract) by Old" in previous

    asyncio.run(run())
