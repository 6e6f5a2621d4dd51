"""Supervisor review of workers' records: what can be reviewed, the actions, and where an item
stands after the actions taken on it so far.

An item (a finalised note, a release-day record, a referral) waits in the review queue until a
supervisor signs it off. Returning it for correction takes it out of the queue and onto the
worker's list; the worker's answer (an addendum for a note) puts it back in the queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class ReviewItemKind(StrEnum):
    NOTE = "note"
    RELEASE = "release"
    REFERRAL = "referral"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS: Mapping[ReviewItemKind, str] = MappingProxyType(
    {
        ReviewItemKind.NOTE: "Contact note",
        ReviewItemKind.RELEASE: "Release day",
        ReviewItemKind.REFERRAL: "Referral",
    }
)


class ReviewAction(StrEnum):
    REVIEWED = "reviewed"  # signed off by a supervisor
    COMMENT = "comment"  # a supervisor's comment; the item stays in the queue
    RETURNED = "returned"  # back to the worker for correction, with a comment
    ANSWERED = "answered"  # the worker's answer to a return: back to the queue
    SEEN = "seen"  # the worker has read a comment (changes nothing in the queue)

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS: Mapping[ReviewAction, str] = MappingProxyType(
    {
        ReviewAction.REVIEWED: "Reviewed",
        ReviewAction.COMMENT: "Comment",
        ReviewAction.RETURNED: "Returned for correction",
        ReviewAction.ANSWERED: "Answered",
        ReviewAction.SEEN: "Seen",
    }
)


class ReviewState(StrEnum):
    TO_REVIEW = "to_review"
    RETURNED = "returned"  # waiting for the worker's answer
    REVIEWED = "reviewed"

    @property
    def label(self) -> str:
        return {
            "to_review": "To review",
            "returned": "Returned for correction",
            "reviewed": "Reviewed",
        }[self.value]


@dataclass(frozen=True)
class ReviewEvent:
    action: ReviewAction
    at: dt.datetime
    id: str  # a tie-break for events recorded in the same instant (ids are time-ordered)


#: The actions that move an item; a comment or "seen" leaves it where it is.
_MOVES: Mapping[ReviewAction, ReviewState] = MappingProxyType(
    {
        ReviewAction.REVIEWED: ReviewState.REVIEWED,
        ReviewAction.RETURNED: ReviewState.RETURNED,
        ReviewAction.ANSWERED: ReviewState.TO_REVIEW,
    }
)

#: The actions a supervisor takes, and those a worker takes.
SUPERVISOR_ACTIONS = frozenset({ReviewAction.REVIEWED, ReviewAction.COMMENT, ReviewAction.RETURNED})
MOVING_ACTIONS = frozenset(_MOVES)


def review_state(events: Iterable[ReviewEvent]) -> ReviewState:
    """Where an item stands: the last action that moves it decides (none yet: to review)."""
    moves = [e.action for e in sorted(events, key=lambda e: (e.at, e.id)) if e.action in _MOVES]
    return state_after(moves[-1] if moves else None)


def state_after(last_move: str | None) -> ReviewState:
    """Where an item stands after the last action that moved it (None: none yet)."""
    if last_move is None:
        return ReviewState.TO_REVIEW
    return _MOVES.get(ReviewAction(last_move), ReviewState.TO_REVIEW)


def action_problem(action: ReviewAction, comment: str, state: ReviewState) -> str | None:
    """Why an action cannot be taken now, in the reviewer's words; None when it can."""
    if action in (ReviewAction.COMMENT, ReviewAction.RETURNED) and not comment.strip():
        return (
            "Write what needs correcting."
            if action == ReviewAction.RETURNED
            else "Write the comment first."
        )
    if action == ReviewAction.ANSWERED and not comment.strip():
        return "Write what you corrected or added."
    if action == ReviewAction.RETURNED and state == ReviewState.RETURNED:
        return "It is already with the worker for correction."
    if action == ReviewAction.ANSWERED and state != ReviewState.RETURNED:
        return "It has not been returned for correction."
    if action == ReviewAction.REVIEWED and state == ReviewState.REVIEWED:
        return "It has already been reviewed."
    return None
