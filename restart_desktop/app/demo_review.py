"""Demo review and barriers: most older notes, release days and referrals signed off a few
days after, some notes returned for correction, some comments; and a register of barriers
the board could work from."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select

from restart_desktop.app.session import AppSession
from restart_desktop.domain.clock import at_local, local_date
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.review import ReviewAction, ReviewItemKind
from restart_desktop.store.changes import Actor, NewRow, write_created
from restart_desktop.store.models import Barrier, ContactNote, Referral, Review

REVIEWED_SHARE = 0.8  # of notes, release days and referrals older than REVIEW_AFTER_DAYS
REVIEW_AFTER_DAYS = 14

RETURN_COMMENTS = (
    "Please add what was agreed about the first night (demo).",
    "Which council was the Duty to Refer sent to? Add it in an addendum (demo).",
)
COMMENTS = (
    "Good note: clear actions and dates (demo).",
    "Worth raising the prescription gap as a barrier (demo).",
)


DEMO_BARRIERS = (
    (
        "No housing on a Friday afternoon",
        "accommodation",
        "escalated",
        "Housing options close at 4pm on Fridays; people released at 2pm are told to come back "
        "on Monday (demo).",
    ),
    (
        "Universal Credit without photo ID",
        "benefits_dwp",
        "open",
        "Claims stall for two weeks when the person has no photo ID at release (demo).",
    ),
    (
        "Prescriptions not ready at release",
        "health_prescriptions",
        "resolved",
        "Community pharmacy not told of the release date in time (demo).",
    ),
    (
        "Bank accounts cannot be opened inside",
        "id_banking",
        "open",
        "The prison banking scheme has a waiting list of six weeks (demo).",
    ),
    (
        "Discharge paperwork arrives after the person",
        "prison_release_day",
        "open",
        "Licence conditions not handed over at the gate, so probation cannot see the person "
        "(demo).",
    ),
    (
        "Probation appointment clashes with script collection",
        "probation",
        "closed",
        "Both booked for the release afternoon in different towns (demo).",
    ),
    (
        "No detox beds near Oxford",
        "substance_misuse",
        "escalated",
        "Nearest bed is two hours away; people decline it (demo).",
    ),
)


def demo_barriers(
    people: list[str], session: AppSession, rng: random.Random, today: dt.date
) -> None:
    """A register the board could work from: a few barriers, each seen on a few cases."""
    with session.db.write() as s:
        for number, (title, category, status, description) in enumerate(DEMO_BARRIERS):
            raised = today - dt.timedelta(days=10 + 12 * number)
            done = status in ("resolved", "closed")
            s.add(
                Barrier(
                    title=title,
                    category=category,
                    description=description,
                    case_ids=rng.sample(people, min(len(people), rng.randint(1, 3))),
                    raised_on=raised,
                    status=status,
                    resolution="Agreed with the partner at the board (demo)." if done else "",
                    resolved_on=raised + dt.timedelta(days=20) if done else None,
                    # Every other barrier has its wording for the board confirmed: the titles
                    # name no one, so the title serves.
                    board_wording=title if number % 2 == 0 else "",
                    board_wording_by=session.worker.id if number % 2 == 0 else "",
                    board_wording_at=at_local(raised, dt.time(17)) if number % 2 == 0 else None,
                )
            )


def demo_reviews(
    session: AppSession, rng: random.Random, today: dt.date, person_ids: list[str], manager_id: str
) -> None:
    """Review actions on the demo people's older notes and referrals: most signed off a few
    days after, some notes returned for correction, some comments. Colleagues' records
    are reviewed by the demo user; the demo user's own by the manager, so "My actions" has
    comments and a return to answer."""
    own = session.worker.id
    cutoff = at_local(today - dt.timedelta(days=REVIEW_AFTER_DAYS), dt.time())
    as_manager = session.db.with_actor(Actor(worker_id=manager_id, device_id=session.device_id))
    with session.db.read() as s:
        items = [
            (ReviewItemKind.NOTE, *row)
            for row in s.execute(
                select(
                    ContactNote.id,
                    ContactNote.person_id,
                    ContactNote.worker_id,
                    ContactNote.contact_at,
                ).where(ContactNote.person_id.in_(person_ids), ContactNote.contact_at < cutoff)
            )
        ]
        items += [
            (ReviewItemKind.REFERRAL, item_id, person_id, by, at_local(made_on, dt.time(12)))
            for item_id, person_id, by, made_on in s.execute(
                select(
                    Referral.id, Referral.person_id, Referral.created_by, Referral.made_on
                ).where(
                    Referral.person_id.in_(person_ids),
                    Referral.status != "draft",
                    Referral.made_on < local_date(cutoff),
                )
            )
        ]
    counts = {ReviewAction.RETURNED: 0, ReviewAction.COMMENT: 0}
    for database in (session.db, as_manager):
        mine = database is as_manager  # the manager reviews the demo user's records
        reviews = [
            review
            for kind, item_id, person_id, worker_id, when in items
            if (worker_id == own) == mine
            and (review := _review(rng, kind, item_id, person_id, worker_id, when, mine, counts))
        ]
        with database.write(bulk=True) as s:
            write_created(s, reviews)


#: At most this many of the demo user's own records are returned or commented on.
OWN_LIMITS = {ReviewAction.RETURNED: 2, ReviewAction.COMMENT: 4}


def _review(
    rng: random.Random,
    kind: ReviewItemKind,
    item_id: str,
    person_id: str,
    worker_id: str,
    when: dt.datetime,
    mine: bool,
    counts: dict[ReviewAction, int],
) -> NewRow | None:
    """One item's review (None: not reviewed yet); ``counts`` of the user's own so far."""
    at = when + dt.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6))
    roll = rng.random()
    review: dict[str, Any] = {
        "id": uuid7(),
        "item_kind": kind.value,
        "item_id": item_id,
        "person_id": person_id,
        "worker_id": worker_id,
        "at": at,
    }
    if roll < REVIEWED_SHARE:
        return NewRow.of(Review, **review, action=ReviewAction.REVIEWED.value, comment="")
    returned, comment = ReviewAction.RETURNED, ReviewAction.COMMENT
    if (
        roll < 0.81
        and kind == ReviewItemKind.NOTE
        and (not mine or counts[returned] < OWN_LIMITS[returned])
    ):
        counts[returned] += mine
        return NewRow.of(
            Review, **review, action=returned.value, comment=rng.choice(RETURN_COMMENTS)
        )
    if roll < 0.82 and (not mine or counts[comment] < OWN_LIMITS[comment]):
        counts[comment] += mine
        return NewRow.of(Review, **review, action=comment.value, comment=rng.choice(COMMENTS))
    return None
