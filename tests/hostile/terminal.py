"""A real pseudo-terminal running ``python -m unsafe_audit ARGS``, for the lost-work tests.

Python's :mod:`pty` only, so CI needs nothing installed. The command runs as the leader of its
own session with the pseudo-terminal as its controlling terminal, as in a terminal emulator:
closing the terminal (:meth:`Terminal.hang_up`) makes the kernel send it SIGHUP. A thread
drains the output (a full pty buffer would stall the app) and keeps it for :meth:`wait_for`.
Every wait has a time limit, and :meth:`Terminal.close` kills what is left, so no test hangs.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.gitrepo import CONFIG_ISOLATION

# Runs in the child, before the command: make the pty (its stdin) the controlling terminal of
# the new session, then become the command. (pty.fork would fork this multi-threaded process.)
_LAUNCHER = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
)


class Terminal:
    """``python -m unsafe_audit ARGS`` in a ``columns`` x ``rows`` pseudo-terminal."""

    def __init__(
        self, *args: str, cwd: Path, env: dict[str, str], size: tuple[int, int] = (100, 30)
    ) -> None:
        columns, rows = size
        self._master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        environment.update(CONFIG_ISOLATION)
        environment.update({"TERM": "xterm-256color", **env})
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, "-m", "unsafe_audit", *args],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=cwd,
                env=environment,
                start_new_session=True,
            )
        finally:
            os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._open = True

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: the command ended and the other side is closed
                return
            if not data:
                return
            with self._lock:
                self._output.extend(data)

    @property
    def output(self) -> bytes:
        """Everything the command wrote so far (escape sequences and all)."""
        with self._lock:
            return bytes(self._output)

    def mark(self) -> int:
        """Where the output is now, for :meth:`wait_for` ``since``."""
        return len(self.output)

    def wait_for(self, text: str, *, since: int = 0, timeout: float = 60) -> None:
        """Wait until ``text`` shows in the output after ``since``; fail after ``timeout`` s."""
        wanted = text.encode()
        until(lambda: wanted in self.output[since:], timeout, f"{text!r} on the screen")

    def send(self, keys: str) -> None:
        """Type ``keys`` (``\\x1b`` is escape, ``\\x13`` ctrl+s)."""
        os.write(self._master, keys.encode())

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def hang_up(self) -> None:
        """Close the terminal, as closing its window does."""
        if self._open:
            self._stop.set()
            self._reader.join(5)
            os.close(self._master)
            self._open = False

    def wait(self, timeout: float = 30) -> int:
        """The exit code (minus the signal number if a signal ended it); fails after
        ``timeout`` seconds."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {timeout} s later") from None

    def close(self) -> None:
        """Kill the command if it still runs and close the terminal."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.hang_up()


@contextmanager
def terminal(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Iterator[Terminal]:
    """A :class:`Terminal`, closed (and its command killed) however the test ends."""
    term = Terminal(*args, cwd=cwd, env=env or {})
    try:
        yield term
    finally:
        term.close()


def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until ``condition()`` holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout} s")
        time.sleep(0.02)


__all__ = ["Terminal", "terminal", "until"]
