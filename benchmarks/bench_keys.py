"""Benchmark: keys per signed review unit in a whole review of a bundled sample, with bulk actions.

    python benchmarks/bench_keys.py [--sample pg_cache] [--no-bulk]

Builds the sample as a git repository in a temporary directory, opens ``unsafe-audit review``
on it headless at 80x24 (Textual's Pilot, the real loader, ledger and drafts) and signs off
every review unit that needs a review, pressing keys as a reviewer would. Each key goes through
the app; nothing is set behind its back. The queue holds units (an unsafe site with the pg_sys
uses inside it as members, or a pg_sys use outside every unsafe site: see ``units.py``). The
reviewer, unit by unit in queue order:

- answers the unit: ``c`` (copy the answers and pattern of the unit signed off last) when that
  covers every item, else ``1`` for each item still unanswered (pass), and ``B`` (borrow) when
  a lifetime pattern applies and none is named;
- writes a justification only where none is offered (no ``// SAFETY:`` comment, no signed
  enclosing site, no sign-off of a member from before units): ``e``, the text, ``ctrl+s``;
- signs off: ``s y`` for a unit alone; for a unit followed in the queue by units of the same
  shape (same kind and file, the same pg_sys symbols as members, a checklist its answers
  cover), ``escape v`` then ``j`` once per such unit, then ``S y``: one bulk sign-off with the
  first unit's answers and justification, each entry previewed.

Keys pressed between two sign-offs are shared equally by the units those sign-offs wrote. The
characters typed into justifications are counted apart, as typed text (``typed``), not keys.
``--no-bulk`` runs the same reviewer without ``c``, ranges and ``S`` (every item answered and
every unit signed on its own), for comparison. Prints the median and total keys per signed
unit, and checks that every unit that needed a review is signed off at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from textual.pilot import Pilot

from unsafe_audit import samples
from unsafe_audit.review import ReviewItem, ReviewSession
from unsafe_audit.review_loader import ReviewRequest, make_loader
from unsafe_audit.tui import ReviewApp, make_app

REVIEWER = "Bench Reviewer <bench@example.com>"
TEXT = "Reviewed: sound for this release."
"""What the reviewer types where no justification is offered."""


@dataclass
class Tally:
    """Keys and typed characters, and what they bought."""

    keys: int = 0
    typed: int = 0
    per_unit: list[float] = field(default_factory=list)
    batch_keys: int = 0

    def signed(self, count: int) -> None:
        """``count`` units were just signed off with the keys pressed since the last time."""
        if count:
            self.per_unit.extend([self.batch_keys / count] * count)
        self.batch_keys = 0


async def press(pilot: Pilot[int], tally: Tally, *keys: str) -> None:
    tally.keys += len(keys)
    tally.batch_keys += len(keys)
    await pilot.press(*keys)


async def type_text(pilot: Pilot[int], tally: Tally, text: str) -> None:
    tally.typed += len(text)
    await pilot.press(*("space" if c == " " else c for c in text))


def shape(item: ReviewItem) -> tuple[object, ...]:
    """What makes two units look alike to a reviewer: kind, file, and the pg_sys symbols they
    use (their members' names, in order)."""
    return (item.site.kind, item.site.path, tuple(m.name for m in item.members))


def same_shape_after(session: ReviewSession, item: ReviewItem) -> list[ReviewItem]:
    """The units right after ``item`` in the queue that have its shape, still need a review,
    and whose checklist its answers cover (a bulk sign-off would refuse the others)."""
    shown = session.visible_items()
    position = shown.index(item)
    out: list[ReviewItem] = []
    for other in shown[position + 1 :]:
        covered = {i.id for i in other.items} <= {i.id for i in item.items} and (
            item.pattern_applies or not other.pattern_applies
        )
        if shape(other) != shape(item) or not covered or not session.group(other).needs_review:
            break
        out.append(other)
    return out


def copy_covers(session: ReviewSession, item: ReviewItem) -> bool:
    """True when the unit signed off last answered every item ``item`` asks."""
    if session.last_signed is None:
        return False
    entry = session.entry_of(session.last_signed)
    if entry is None:
        return False
    answered = {k for k, _ in entry.answers}
    return all(i.id in answered for i in item.items)


async def answer(pilot: Pilot[int], app: ReviewApp, tally: Tally, bulk: bool) -> None:
    session = app.loaded.session if app.loaded else None
    assert session is not None and session.current is not None
    item = session.current
    if bulk and copy_covers(session, item):
        await press(pilot, tally, "c")
    draft = session.draft(item.id)
    missing = [i for i in item.items if draft.answer(i.id).verdict is None]
    if missing:
        await press(pilot, tally, *["1"] * len(missing))
    if item.pattern_applies and session.draft(item.id).pattern is None:
        await press(pilot, tally, "B")
    if not session.justification(item.id).strip():
        await press(pilot, tally, "e")
        await type_text(pilot, tally, TEXT)
        await press(pilot, tally, "ctrl+s")


async def review(path: Path, bulk: bool) -> tuple[Tally, int, int]:
    loader = make_loader(
        ReviewRequest(path=path, reviewer=REVIEWER, cache_dir=path.parent / "cache")
    )
    app = make_app(loader, site_delay=0)
    tally = Tally()
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(3000):
            if app.loaded is not None:
                break
            await pilot.pause(0.01)
        assert app.loaded is not None, app.last_message
        session = app.loaded.session
        for _ in range(10 * len(session.items)):
            item = session.current
            if item is None or not session.group(item).needs_review:
                break
            before = len(session.signed_now)
            await answer(pilot, app, tally, bulk)
            alike = same_shape_after(session, item) if bulk else []
            if alike:
                await press(pilot, tally, "escape", "v", *["j"] * len(alike), "S", "y")
            else:
                await press(pilot, tally, "s", "y")
            signed = len(session.signed_now) - before
            if signed == 0:
                raise SystemExit(f"not signed off: {item.site.label}: {app.last_message}")
            tally.signed(signed)
        done, total = session.progress()
        await pilot.press("q")
    return tally, done, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", default="pg_cache")
    parser.add_argument("--no-bulk", action="store_true", help="sign every unit on its own")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        repo = samples.build(args.sample, Path(tmp) / args.sample)
        tally, done, total = asyncio.run(review(repo, bulk=not args.no_bulk))
    units = len(tally.per_unit)
    mode = "single sign-offs" if args.no_bulk else "bulk actions"
    print(f"{args.sample}, {mode}: {units} units signed off at 80x24 ({done}/{total} signed)")
    print(f"keys per unit: median {statistics.median(tally.per_unit):.1f}, ", end="")
    print(f"mean {statistics.mean(tally.per_unit):.1f}, max {max(tally.per_unit):.1f}")
    print(f"keys in total: {tally.keys}; justification text typed: {tally.typed} characters")
    return 0 if done == total else 1


if __name__ == "__main__":
    sys.exit(main())
