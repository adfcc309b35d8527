"""Keystroke scripts: the review driven by strings of keys, then the ledger read back from disk.

As detect-secrets tests its audit loop with strings like ``"yynb"``, each test types a script
(see :func:`tests.tui.pilot.keys`: ``1``/``2``/``3`` answer pass/fail/n/a, ``B``/``O``/``P``/``N``
name a lifetime pattern, ``s`` signs off, ``y``/``n`` answer the confirmation, ``e`` edits the
justification, ``<enter>`` opens a site or an item's note) into the app over the prepared
pg_cache review, and compares every entry of the reloaded ledger, field by field, with the
exact entry expected.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from textual.pilot import Pilot

from tests.tui.pilot import keys, opened
from tests.tui.prepared import (
    REVIEWER,
    STAMP,
    TOOL,
    Answer,
    Entry,
    SiteId,
    SiteKind,
    Verdict,
    Workspace,
)

FIRST = SiteId("4547316a557f82f9")
"""The first site in the queue: the unsafe block in ``pg_cache_key_len``, new in v0.3.0."""
FIRST_ITEMS = (
    "ctx-owner",
    "no-stored-borrow",
    "copy-to-outlive",
    "reset-no-dangling",
    "no-drop-on-reset",
    "safety-comment",
    "null-check",
    "short-pointer-life",
    "safe-wrapper-first",
    "struct-cast-isolated",
    "pgrx-error-macros",
    "no-use-after-throw",
    "minimal-unsafe",
    "reread-this-release",
)
FIRST_SAFETY = "the caller promises a NUL-terminated string."
SECOND = SiteId("a8af93467ae4906b")
"""The next one: the ``#[unsafe(export_name)]`` attribute on the same fn (no lifetime pattern)."""


def first_entry(
    answers: Sequence[Answer], *, pattern: str = "borrow", justification: str = FIRST_SAFETY
) -> Entry:
    """The entry a sign-off of :data:`FIRST` writes, with ``answers`` in checklist order."""
    assert len(answers) == len(FIRST_ITEMS)
    return Entry(
        site=FIRST,
        kind=SiteKind.UNSAFE_BLOCK,
        path="src/lib.rs",
        item="pg_cache_key_len",
        token_hash="4217ad98274ec004",
        release="working tree of v0.3.0",
        checklist="pgrx-ffi@2",
        tool=TOOL,
        reviewer=REVIEWER,
        reviewed_at=STAMP,
        lifetime_pattern=pattern,
        answers=tuple(zip(FIRST_ITEMS, answers, strict=True)),
        justification=justification,
    )


PASS = Answer(Verdict.PASS)
FAIL = Answer(Verdict.FAIL)
NOT_APPLICABLE = Answer(Verdict.NOT_APPLICABLE)


async def press(pilot: Pilot[int], script: str) -> None:
    await pilot.press(*keys(script))
    await pilot.pause()


def drafts_on_disk(workspace: Workspace) -> dict[str, object]:
    saved: dict[str, object] = json.loads(workspace.drafts_path.read_text())["drafts"]
    return saved


def test_script_reads_named_keys_and_characters() -> None:
    assert keys("<enter>1 1s<ctrl+s>y") == ["enter", "1", " ", "1", "s", "ctrl+s", "y"]


def test_answers_a_note_a_declined_sign_off_then_the_next_site(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST) as (app, pilot):
            # open the first site; pattern own; on ctx-owner a note (enter, text, enter), then
            # n/a; pass the other 13; sign off, and decline the confirmation
            await press(pilot, "<enter>O<enter>caller's<enter>3" + "1" * 13 + "sn")
            assert app.last_message == "Not signed off; your answers are kept."
            assert not workspace.ledger_dir.exists()
            assert drafts_on_disk(workspace) == {
                FIRST: {
                    "answers": {
                        "ctx-owner": {"answer": "n/a", "note": "caller's"},
                        **{i: {"answer": "pass", "note": ""} for i in FIRST_ITEMS[1:]},
                    },
                    "justification": None,
                    "pattern": "own",
                    "token_hash": "4217ad98274ec004",
                }
            }
            await press(pilot, "sy")  # sign off after all
            assert app.last_message.startswith(f"Signed off → .unsafe-audit/ledger/{FIRST}.yaml")
            # on to the attribute: three items, no pattern; pass them all
            assert app.loaded is not None
            app.loaded.session.select(SECOND)
            app.refresh_site()
            await press(pilot, "<enter>111sy")

    asyncio.run(run())
    assert workspace.ledger().entries == {
        FIRST: first_entry(
            [Answer(Verdict.NOT_APPLICABLE, "caller's")] + [PASS] * 13, pattern="own"
        ),
        SECOND: Entry(
            site=SECOND,
            kind=SiteKind.UNSAFE_ATTRIBUTE,
            path="src/lib.rs",
            item="pg_cache_key_len",
            token_hash="e895de9d4103cde8",
            release="working tree of v0.3.0",
            checklist="pgrx-ffi@2",
            tool=TOOL,
            reviewer=REVIEWER,
            reviewed_at=STAMP,
            lifetime_pattern="n/a",
            answers=(
                ("safety-comment", PASS),
                ("pg-guard", PASS),
                ("reread-this-release", PASS),
            ),
            justification="`key` must point to a NUL-terminated string.",
        ),
    }
    assert drafts_on_disk(workspace) == {}


def test_a_fail_is_signed_only_with_an_edited_justification(workspace: Workspace) -> None:
    async def run() -> None:
        async with opened(workspace.loader(), at=FIRST) as (app, pilot):
            # pattern pin, pass x12, fail minimal-unsafe, n/a reread-this-release, sign off
            await press(pilot, "<enter>P" + "1" * 12 + "23" + "s")
            assert app.last_message.startswith("Not ready to sign off: a fail answer needs")
            assert len(app.screen_stack) == 1
            await press(pilot, "e Ships.<ctrl+s>sy")

    asyncio.run(run())
    assert workspace.ledger().entries == {
        FIRST: first_entry(
            [PASS] * 12 + [FAIL, NOT_APPLICABLE],
            pattern="pin",
            justification=FIRST_SAFETY + " Ships.",
        )
    }
    assert drafts_on_disk(workspace) == {}
