"""The site pane lists a review unit's pg_sys uses, each with its kind and line; the queue holds
units, not the pg_sys uses inside them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.tui.pilot import opened
from tests.tui.prepared import SiteKind, Workspace, prepare
from tests.tui.test_literal_and_stale import _plain
from unsafe_audit.tui.widgets.checklist import option_prompts
from unsafe_audit.tui.widgets.site import facts_renderable

LIB = """\
use pgrx::pg_sys;
pub fn cache_context(name: *const i8) -> pg_sys::MemoryContext {
    // SAFETY: created once under TopMemoryContext; it lives as long as the backend.
    unsafe {
        pg_sys::AllocSetContextCreateExtended(pg_sys::TopMemoryContext, name, 0, 8, 64)
    }
}
pub fn database() -> pg_sys::Oid {
    pg_sys::MyDatabaseId
}
"""


def test_the_site_pane_lists_the_units_pg_sys_uses(tmp_path: Path) -> None:
    review = prepare({"src/lib.rs": LIB.encode()}, title="ext: first release", release="wt")
    workspace = Workspace(review, tmp_path / "ext")

    async def run() -> None:
        async with opened(workspace.loader()) as (app, pilot):
            assert app.loaded is not None
            session = app.loaded.session
            kinds = sorted(item.site.kind.value for item in session.items)
            assert kinds == ["pg_sys_static", "unsafe_block"]  # three sites, two units
            by_kind = {item.site.kind: item for item in session.items}
            block = by_kind[SiteKind.UNSAFE_BLOCK]
            assert _plain(facts_renderable(block)).startswith(
                "pg_sys: AllocSetContextCreateExtended (call, line 5), TopMemoryContext (static)\n"
                # What PostgreSQL's source says about each function called, as evidence.
                "  · AllocSetContextCreateExtended: may raise ERROR (aset.c:449); never returns "
                "NULL; release with MemoryContextDelete\n"
            )
            # The contracts suggest (never answer) what they settle, with their evidence.
            prompts = dict(option_prompts(block, session))
            assert "suggested: pass: no function called here returns NULL" in (
                prompts["item:null-check"].plain
            )
            assert "suggested" not in prompts["item:no-use-after-throw"].plain  # it may raise
            assert session.draft(block.id).answer("null-check").verdict is None
            outside = by_kind[SiteKind.PG_SYS_STATIC]
            assert _plain(facts_renderable(outside)).startswith(
                "pg_sys: MyDatabaseId (static, line 9), outside any unsafe site\n"
            )
            for _ in range(len(session.items)):
                if session.current is not None and session.current.id == block.id:
                    break
                await pilot.press("j")
            assert session.current is not None and session.current.id == block.id
            # The site pane renders once the keys stop (a short timer): wait for it, boundedly.
            shown = ""
            for _ in range(40):
                await pilot.pause(0.05)
                shown = app.export_screenshot().replace("&#160;", " ")
                if "AllocSetContextCreateExtended (call" in shown:
                    break
            assert "AllocSetContextCreateExtended (call, line 5)" in shown
            assert "pg_sys: none" not in shown

    asyncio.run(run())
