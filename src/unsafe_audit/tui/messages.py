"""Messages the background loader posts to the app."""

from __future__ import annotations

from textual.message import Message

from unsafe_audit.review import LoadedReview


class LoadProgress(Message):
    """A loading stage advanced."""

    def __init__(self, stage: str, done: int, total: int) -> None:
        super().__init__()
        self.stage = stage
        self.done = done
        self.total = total


class ReviewReady(Message):
    """The session is built."""

    def __init__(self, loaded: LoadedReview) -> None:
        super().__init__()
        self.loaded = loaded


class LoadFailed(Message):
    """Loading stopped with an error to show."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error
