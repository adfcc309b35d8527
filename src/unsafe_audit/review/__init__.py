"""The review, without any UI: the queue of sites, drafts, and the session that signs off. Pure.

- :mod:`~unsafe_audit.review.queue`: each head site as the reviewer sees it, groups, order,
  filters;
- :mod:`~unsafe_audit.review.draft`: unfinished answers, kept between sessions;
- :mod:`~unsafe_audit.review.session`: the cursor, answers and sign-off, with the store and
  the draft sink injected;
- :mod:`~unsafe_audit.review.edit`: a text being edited, in the draft as it is typed;
- :mod:`~unsafe_audit.review.marks` and :mod:`~unsafe_audit.review.bulk`: marked sites, a
  bulk sign-off of them, and copying answers from the previous site;
- :mod:`~unsafe_audit.review.loaded`: what a loader hands the UI.

The pipeline that loads a review from a repository is :mod:`unsafe_audit.audit`; the terminal
UI over a session is :mod:`unsafe_audit.tui`.
"""

from unsafe_audit.review.draft import ANSWER_CYCLE, Draft, ItemAnswer
from unsafe_audit.review.edit import TextEdit
from unsafe_audit.review.loaded import LoadedReview, Loader, ProgressCallback
from unsafe_audit.review.marks import Marks
from unsafe_audit.review.queue import (
    ALL,
    TO_REVIEW,
    Group,
    QueueFilter,
    ReviewItem,
    build_items,
    group_of,
    queue_key,
)
from unsafe_audit.review.session import DraftSink, ReviewError, ReviewSession, SignOffStore
from unsafe_audit.signoff import SignOffIdentity
from unsafe_audit.source import CodeView

__all__ = [
    "ALL",
    "ANSWER_CYCLE",
    "TO_REVIEW",
    "CodeView",
    "Draft",
    "DraftSink",
    "Group",
    "ItemAnswer",
    "LoadedReview",
    "Loader",
    "Marks",
    "ProgressCallback",
    "QueueFilter",
    "ReviewError",
    "ReviewItem",
    "ReviewSession",
    "SignOffIdentity",
    "SignOffStore",
    "TextEdit",
    "build_items",
    "group_of",
    "queue_key",
]
