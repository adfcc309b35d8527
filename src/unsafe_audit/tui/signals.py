"""The review app's signal handlers: a closed terminal (SIGHUP), a ``kill`` (SIGTERM) and a
suspend (SIGTSTP) first put the open editor's text into the draft.

Without them SIGHUP and SIGTERM end the process at once, losing whatever an editor had not
written yet. The handlers run on the app's event loop (``loop.add_signal_handler``), between
two messages, never in the middle of a draft being written. Textual's own handlers for SIGTSTP
(restore the terminal, stop) and SIGCONT (take the terminal back) run after ours, on the loop
too — except SIGCONT after a hang-up: a closing terminal sends its session leader SIGHUP and
then SIGCONT, and taking back a terminal that is gone started a second output thread that the
exit then waited on for ever.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

HANG_UP = (signal.SIGHUP, signal.SIGTERM)
"""The signals that end the review: the terminal closed, or a polite kill."""
HANG_UP_GRACE = 5.0
"""Seconds a hung-up review has to exit cleanly before it is ended."""

Handler = Callable[[int, FrameType | None], object]


class ReviewSignals:
    """Handlers on the running loop while the app runs: :meth:`install`, then :meth:`remove`."""

    def __init__(self, hang_up: Callable[[int], None], suspend: Callable[[], None]) -> None:
        self._hang_up = hang_up
        self._suspend = suspend
        self._loop: asyncio.AbstractEventLoop | None = None
        self._chained: dict[int, Handler] = {}
        self.hung_up = False
        """True once SIGHUP or SIGTERM came: the terminal is no longer ours."""

    def install(self) -> None:
        """Take the signals (call from the app's loop). Outside the main thread, where signals
        cannot be taken, nothing is done."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for signum in HANG_UP:
            loop.add_signal_handler(signum, self._on_hang_up, signum)
        for signum, then in (
            (signal.SIGTSTP, self._on_stop),
            (signal.SIGCONT, self._on_continue),
        ):
            previous = signal.getsignal(signum)
            if callable(previous):  # Textual's terminal driver (a test's headless one has none)
                self._chained[signum] = previous
                loop.add_signal_handler(signum, then)
        self._loop = loop

    def _on_hang_up(self, signum: int) -> None:
        self.hung_up = True
        self._hang_up(signum)

    def _on_stop(self) -> None:
        self._suspend()
        self._chained[signal.SIGTSTP](signal.SIGTSTP, None)

    def _on_continue(self) -> None:
        if not self.hung_up:
            self._chained[signal.SIGCONT](signal.SIGCONT, None)

    def exit_within(self, seconds: float, code: int) -> None:
        """End the process with ``code`` if it is still running ``seconds`` from now: after a
        hang-up, restoring a terminal that is gone must not keep it alive (what was typed is
        already saved)."""
        timer = threading.Timer(seconds, os._exit, (code,))
        timer.daemon = True
        timer.start()

    def remove(self) -> None:
        """Give the signals back (SIGHUP and SIGTERM end the process again)."""
        loop, self._loop = self._loop, None
        if loop is None or loop.is_closed():
            return
        for signum in HANG_UP:
            loop.remove_signal_handler(signum)
        for chained, previous in self._chained.items():
            loop.remove_signal_handler(chained)
            signal.signal(chained, previous)
        self._chained.clear()
