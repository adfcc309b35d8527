"""The review screen's keys, each bound once, as priority bindings of the app.

Textual runs a priority binding the moment its key reaches the app; a plain binding only after
the key has been delivered to the focused widget and bubbled back, by which time the next key
has already been delivered too — to whatever had focus then. Routing every key of the review
screen here, and letting each action finish its work before it returns, runs keys strictly one
after another (see :mod:`unsafe_audit.tui.app`). ``ReviewApp.check_action`` turns them off while
a dialog is open, so the dialog gets its keys.
"""

from __future__ import annotations

from textual.binding import Binding

PATTERN_LETTERS = "ABCDEFHILMNOPQRTUVWXYZ"
"""Upper-case letters free for lifetime pattern keys (``B`` borrow, ``O`` own ...); which ones
name a pattern depends on the checklist (``widgets.checklist.pattern_keys``)."""


def _keys(keys: str, action: str) -> Binding:
    return Binding(keys, action, show=False, priority=True)


REVIEW_KEYS: tuple[Binding, ...] = (
    _keys("q", "quit_review"),
    _keys("question_mark", "help"),
    _keys("n", "next"),
    _keys("p", "previous"),
    _keys("b", "step_back"),
    _keys("e", "edit"),
    _keys("s", "sign_off"),
    _keys("S", "sign_off_marked"),
    _keys("c", "copy_previous"),
    _keys("d", "toggle_diff"),
    _keys("slash", "search"),
    _keys("f", "filter"),
    _keys("tab", "pane(1)"),
    _keys("shift+tab", "pane(-1)"),
    _keys("escape", "escape"),
    _keys("J", "scroll_site(0.5)"),
    _keys("K", "scroll_site(-0.5)"),
    _keys("j,down", "step(1)"),
    _keys("k,up", "step(-1)"),
    _keys("pagedown", "page(1)"),
    _keys("pageup", "page(-1)"),
    _keys("home,g", "edge(-1)"),
    _keys("end,G", "edge(1)"),
    _keys("enter", "enter"),
    _keys("space", "space"),
    _keys("v", "range"),
    _keys("1", "answer(0)"),
    _keys("2", "answer(1)"),
    _keys("3", "answer(2)"),
    *(_keys(letter, f"pattern_key('{letter}')") for letter in PATTERN_LETTERS),
)
"""Every key of the review screen (the README and the help screen list them)."""

ROUTED = frozenset(binding.action.split("(")[0] for binding in REVIEW_KEYS)
"""The actions of those keys."""
