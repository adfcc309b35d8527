"""The open editor's text, written into the draft a moment after the reviewer stops typing.

:class:`Autosave` sits between an editor screen and a :class:`~unsafe_audit.review.TextEdit`:
each change restarts a short timer, and the text goes into the draft (and the drafts file) when
the timer fires, when the editor loses focus or closes, and when the app is suspended, hung up or
terminated (the app calls :meth:`Autosave.flush`). A kill loses at most the last
:data:`DELAY` seconds of typing; writing on every key would rewrite the drafts file at
key-repeat speed.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer

from unsafe_audit.errors import UnsafeAuditError
from unsafe_audit.review import TextEdit

DELAY = 0.4
"""Seconds after the last change before the text is written."""

SetTimer = Callable[[float, Callable[[], None]], Timer]
"""``App.set_timer`` (a one-shot timer on the app, which outlives the editor screen)."""


class Autosave:
    """Debounced writes of one editor's text into the draft."""

    def __init__(
        self,
        edit: TextEdit,
        set_timer: SetTimer,
        on_error: Callable[[str], None],
        *,
        delay: float = DELAY,
    ) -> None:
        self.edit = edit
        self._set_timer = set_timer
        self._on_error = on_error
        self.delay = delay
        self.pending: str | None = None
        """Text changed in the editor and not yet written."""
        self._timer: Timer | None = None
        self._failed: str | None = None
        self.closed = False
        """True once :meth:`finish` ran: a change reported late must not undo a cancel."""

    def changed(self, text: str) -> None:
        """The editor's text is now ``text``: write it once the changes pause."""
        if self.closed:
            return
        self.pending = text
        self._stop_timer()
        if self.delay <= 0:
            self.flush()
        else:
            self._timer = self._set_timer(self.delay, self.flush)

    def flush(self) -> None:
        """Write the pending text now (nothing when none is pending)."""
        self._stop_timer()
        text, self.pending = self.pending, None
        if text is not None:
            self._write(lambda: self.edit.type(text))

    def finish(self, text: str | None) -> None:
        """The editor closed: ``text`` saved, or None for cancelled (the draft gets back
        what it held when the editor opened)."""
        self._stop_timer()
        self.pending = None
        self.closed = True
        self._failed = None  # the last word on this text: said even if said before
        if text is None:
            self._write(self.edit.cancel)
        else:
            self._write(lambda: self.edit.save(text))

    def _write(self, write: Callable[[], None]) -> None:
        try:
            write()
        except (UnsafeAuditError, OSError) as e:
            # Said once per distinct error: a full disk would otherwise repeat it every pause.
            message = f"the draft could not be saved: {e}"
            if message != self._failed:
                self._failed = message
                self._on_error(message)
        else:
            self._failed = None

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
