"""The review app's signal handlers: a closed terminal (SIGHUP), a ``kill`` (SIGTERM) and a
suspend (SIGTSTP) first put the open editor's text into the draft.

Without them SIGHUP and SIGTERM end the process at once, losing whatever an editor had not
written yet. The handlers run on the app's event loop (``loop.add_signal_handler``), between
two messages, never in the middle of a draft being written. SIGTSTP keeps Textual's own handler
(which restores the terminal and stops the process) and runs it after the flush.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from types import FrameType

HANG_UP = (signal.SIGHUP, signal.SIGTERM)
"""The signals that end the review: the terminal closed, or a polite kill."""


class ReviewSignals:
    """Handlers on the running loop while the app runs: :meth:`install`, then :meth:`remove`."""

    def __init__(self, hang_up: Callable[[int], None], suspend: Callable[[], None]) -> None:
        self._hang_up = hang_up
        self._suspend = suspend
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: Callable[[int, FrameType | None], object] | None = None

    def install(self) -> None:
        """Take SIGHUP, SIGTERM and SIGTSTP (call from the app's loop, in the main thread)."""
        loop = asyncio.get_running_loop()
        for signum in HANG_UP:
            loop.add_signal_handler(signum, self._hang_up, signum)
        previous = signal.getsignal(signal.SIGTSTP)
        if callable(previous):  # Textual's terminal driver, which suspends the app
            self._stop = previous
            loop.add_signal_handler(signal.SIGTSTP, self._on_stop)
        self._loop = loop

    def _on_stop(self) -> None:
        self._suspend()
        if self._stop is not None:
            self._stop(signal.SIGTSTP, None)

    def remove(self) -> None:
        """Give the signals back (SIGHUP and SIGTERM end the process again)."""
        loop, self._loop = self._loop, None
        if loop is None or loop.is_closed():
            return
        for signum in HANG_UP:
            loop.remove_signal_handler(signum)
        if self._stop is not None:
            loop.remove_signal_handler(signal.SIGTSTP)
            signal.signal(signal.SIGTSTP, self._stop)
            self._stop = None
