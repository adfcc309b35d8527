"""A one-line progress bar on stderr for the commands that scan, shown only on a terminal.

Results go to stdout and may be piped; the bar is drawn on stderr, and only when stderr is a
terminal and the scan has enough files to take a while, so logs and pipes never see it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

MIN_FILES = 200
"""Scans of fewer files are over too soon for a bar to help."""


class ProgressBar:
    """Called with (files done, files in all); clears its line when the scan is over."""

    def __init__(self, stream: TextIO, label: str = "scanning") -> None:
        self.stream = stream
        self.label = label
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total < MIN_FILES:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()
            self.shown = False


@contextmanager
def progress_bar(label: str = "scanning") -> Iterator[ProgressBar | None]:
    """A bar on stderr when it is a terminal (else None), cleared however the block ends."""
    bar = ProgressBar(sys.stderr, label) if sys.stderr.isatty() else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.clear()
