"""An editor open on one text of a site's draft: its justification or one item's note. Pure.

What the reviewer types goes into the draft while the editor is open (:meth:`TextEdit.type`),
so a killed process or a closed terminal loses at most what the UI had not handed over yet.
Cancelling puts back exactly what the draft held when the editor opened — an untouched
justification becomes untouched again (the offered text), not a copy of it — so escape still
means "as if I had never opened the editor"; so does typing the opening text back. Saving
(:meth:`save`) keeps the text whatever it is. The UI decides how often to call :meth:`type`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from unsafe_audit.model import SiteId

if TYPE_CHECKING:
    from unsafe_audit.review.session import ReviewSession


class TextEdit:
    """The justification (``item_id`` None) or the note of ``item_id`` of ``site_id``, being
    edited in ``session``. ``show`` is how the editor shows text (the UI makes text from the
    repository literal); what it types is kept as typed."""

    def __init__(
        self,
        session: ReviewSession,
        site_id: SiteId,
        item_id: str | None = None,
        *,
        show: Callable[[str], str] = str,
    ) -> None:
        self.session = session
        self.site_id = site_id
        self.item_id = item_id
        draft = session.draft(site_id)
        self.opened: str | None = (
            draft.justification if item_id is None else draft.answer(item_id).note
        )
        """The draft's own value when the editor opened (None: the justification untouched)."""
        self.text = show(session.justification(site_id) if item_id is None else self.opened or "")
        """The text the editor opens with, as shown."""
        self.written: str | None = self.opened
        """What this edit last put in the draft."""

    def type(self, text: str) -> None:
        """Put ``text``, as it stands in the editor, in the draft (nothing if unchanged); the
        opening text puts back what the draft held at the opening."""
        if text == self.text:
            self.cancel()
        elif text != self.written:
            self._set(text)

    def save(self, text: str) -> None:
        """The editor saved ``text``: it is the draft's, even when it is the opening text (the
        offered text, saved, becomes the reviewer's own as shown)."""
        if text != self.written:
            self._set(text)

    def cancel(self) -> None:
        """Put back what the draft held when the editor opened."""
        if self.written != self.opened:
            self._set(self.opened)

    def _set(self, text: str | None) -> None:
        if self.item_id is None:
            self.session.set_justification(self.site_id, text)
        else:
            self.session.set_note(self.site_id, self.item_id, text or "")
        self.written = text
