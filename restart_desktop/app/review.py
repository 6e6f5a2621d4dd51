"""Supervisor review: the queue of workers' records to review, the reading pane, review actions
(sign off, comment, return for correction), and the worker's side (comments and returns to
answer). Every action is a ``Review`` record, so it syncs with its author and time like any
other change and works offline after a sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from restart_desktop.app.audit import record
from restart_desktop.app.errors import UserError, ValidationFailed
from restart_desktop.app.lookups import case_or_gone, record_or_gone
from restart_desktop.app.permissions import allowed
from restart_desktop.app.session import AppSession
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import display_name
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.clock import DATE_PATTERN, Clock, date_text
from restart_desktop.domain.notes import ContactType
from restart_desktop.domain.referrals import ReferralStatus
from restart_desktop.domain.review import (
    MOVING_ACTIONS,
    SUPERVISOR_ACTIONS,
    ReviewAction,
    ReviewEvent,
    ReviewItemKind,
    ReviewState,
    action_problem,
    review_state,
    state_after,
)
from restart_desktop.domain.roles import Permission
from restart_desktop.store.models import (
    Addendum,
    ContactNote,
    Person,
    Referral,
    ReleasePlan,
    Review,
    Worker,
)
from restart_desktop.store.queries import worker_names
from restart_desktop.store.types import UtcDateTime

PAGE = 200


@dataclass(frozen=True)
class ReviewFilter:
    worker_id: str | None = None
    organisation_code: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kind: ReviewItemKind | None = None
    state: ReviewState = ReviewState.TO_REVIEW


@dataclass(frozen=True)
class ReviewRow:
    kind: ReviewItemKind
    item_id: str
    person_id: str
    person_name: str
    worker_id: str
    worker_name: str
    organisation_code: str
    when: dt.date
    state: ReviewState


@dataclass(frozen=True)
class ReviewEntry:
    id: str
    action: ReviewAction
    author: str
    at: dt.datetime  # UTC
    comment: str


@dataclass(frozen=True)
class ReviewDetail:
    kind: ReviewItemKind
    item_id: str
    person_id: str
    title: str  # "Contact note, 20 Nov 2026, EXAMPLE, Alfie"
    worker_name: str
    body: tuple[tuple[str, str], ...]  # (label, text) pairs, in reading order
    state: ReviewState
    history: tuple[ReviewEntry, ...] = field(default=())  # oldest first


@dataclass(frozen=True)
class Notice:
    """For the worker: a supervisor's comment or a return on one of their records."""

    review_id: str
    kind: ReviewItemKind
    item_id: str
    person_id: str
    person_name: str
    action: ReviewAction
    comment: str
    author: str
    at: dt.datetime
    needs_answer: bool  # returned and not answered yet


def _when(value: dt.date, clock: Clock) -> dt.date:
    """The day an item is listed by: a note's contact time (an instant) on the session's
    calendar, as the period filter reads it (00:30 in summer time is not the day before)."""
    return clock.day_of(value) if isinstance(value, dt.datetime) else value


def _last_move(item_id: Any) -> Any:
    """The last action that moved the item (sign-off, return, answer), or NULL: one index
    lookup per item (``ix_reviews_item_id_action_at``)."""
    return (
        select(Review.action)
        .where(Review.item_id == item_id, Review.action.in_([a.value for a in MOVING_ACTIONS]))
        .order_by(Review.at.desc(), Review.id.desc())
        .limit(1)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class _Source:
    """One kind of reviewable record: its columns, and which of its rows count."""

    kind: ReviewItemKind
    item_id: Any
    person_id: Any
    worker_id: Any  # whose record it is
    when: Any  # the date it is listed by (oldest first)
    only: Any = None  # a condition on the rows, if any


_SOURCES = (
    _Source(
        ReviewItemKind.NOTE,
        ContactNote.id,
        ContactNote.person_id,
        ContactNote.worker_id,
        ContactNote.contact_at,
    ),
    _Source(
        ReviewItemKind.RELEASE,
        ReleasePlan.id,
        ReleasePlan.person_id,
        ReleasePlan.updated_by,
        ReleasePlan.release_date,
        ReleasePlan.outcome_recorded_at.is_not(None),
    ),
    _Source(
        ReviewItemKind.REFERRAL,
        Referral.id,
        Referral.person_id,
        Referral.created_by,
        Referral.made_on,
        Referral.status != ReferralStatus.DRAFT.value,
    ),
)


def _bound(source: _Source, day: dt.date, clock: Clock) -> dt.date | dt.datetime:
    """The start of a day on the session's calendar, as the source's column holds it (a date,
    or the instant local midnight is: a note made at 00:30 in summer is that day's)."""
    return clock.at_local(day, dt.time.min) if isinstance(source.when.type, UtcDateTime) else day


class ReviewService:
    def __init__(self, session: AppSession, clock: Clock | None = None) -> None:
        self._app = session
        self._db = session.db
        self._clock = clock or session.clock
        self._now = self._clock.now

    @property
    def clock(self) -> Clock:
        """The clock this service stamps its records with: a window showing or defaulting
        to a date or time reads it here, so what it shows sits with what is recorded."""
        return self._clock

    @property
    def is_supervisor(self) -> bool:
        return allowed(self._app, Permission.SUPERVISE)

    def _require_supervisor(self) -> None:
        if not self.is_supervisor:
            raise UserError("Only a supervisor reviews workers' records.")

    # --- the queue ------------------------------------------------------------------------
    def _query(self, source: _Source, wanted: ReviewFilter, *columns: Any) -> Select[Any]:
        last = _last_move(source.item_id)
        # A supervisor's own records are reviewed by another supervisor.
        conditions: list[ColumnElement[bool]] = [source.worker_id != self._app.worker.id]
        if source.only is not None:
            conditions.append(source.only)
        if wanted.state == ReviewState.TO_REVIEW:
            conditions.append(
                func.coalesce(last, ReviewAction.ANSWERED.value) == ReviewAction.ANSWERED.value
            )
        else:
            conditions.append(last == wanted.state.value)
        if wanted.worker_id:
            conditions.append(source.worker_id == wanted.worker_id)
        if wanted.organisation_code:
            conditions.append(Worker.organisation_code == wanted.organisation_code)
        if wanted.date_from:
            conditions.append(source.when >= _bound(source, wanted.date_from, self._clock))
        if wanted.date_to:
            conditions.append(
                source.when < _bound(source, wanted.date_to + dt.timedelta(days=1), self._clock)
            )
        return (
            select(*columns)
            .select_from(source.item_id.class_)
            .join(Person, Person.id == source.person_id)
            .outerjoin(Worker, Worker.id == source.worker_id)
            .where(and_(*conditions))
        )

    def _sources(self, wanted: ReviewFilter) -> list[_Source]:
        return [source for source in _SOURCES if wanted.kind in (None, source.kind)]

    def queue(self, wanted: ReviewFilter, offset: int = 0, limit: int = PAGE) -> list[ReviewRow]:
        """Records to review (or, by ``state``, returned or reviewed), oldest first. Each kind
        is read oldest first up to the page's end and the kinds merged."""
        self._require_supervisor()
        rows: list[ReviewRow] = []
        with self._db.read() as s:
            for source in self._sources(wanted):
                query = (
                    self._query(
                        source,
                        wanted,
                        source.item_id,
                        source.person_id,
                        source.worker_id,
                        source.when,
                        Person.given_name,
                        Person.family_name,
                        Person.preferred_name,
                        Worker.name,
                        Worker.organisation_code,
                        _last_move(source.item_id),
                    )
                    .order_by(source.when, source.item_id)
                    .limit(offset + limit)
                )
                rows.extend(
                    ReviewRow(
                        kind=source.kind,
                        item_id=r[0],
                        person_id=r[1],
                        person_name=display_name(r[4], r[5], r[6]),
                        worker_id=r[2] or "",
                        worker_name=r[7] or "Unknown worker",
                        organisation_code=r[8] or "",
                        when=_when(r[3], self._clock),
                        state=state_after(r[9]),
                    )
                    for r in s.execute(query)
                )
        rows.sort(key=lambda row: (row.when, row.item_id))
        return rows[offset : offset + limit]

    def count(self, wanted: ReviewFilter) -> int:
        self._require_supervisor()
        with self._db.read() as s:
            return sum(
                int(s.execute(self._query(source, wanted, func.count())).scalar_one())
                for source in self._sources(wanted)
            )

    # --- one item ------------------------------------------------------------------------
    def detail(self, kind: ReviewItemKind, item_id: str, reading: bool = True) -> ReviewDetail:
        """One record as the reviewer reads it. ``reading``: the reviewer has just turned to
        it, which the audit trail records; False when the record on screen is shown again
        (the list reloaded after a change), which is the same reading."""
        with self._db.read() as s:
            names = worker_names(s)
            person_id, worker_id, when, body = _body(s, kind, item_id, names, self._clock)
            person = case_or_gone(s, person_id)
            name = display_name(person.given_name, person.family_name, person.preferred_name)
            history = _history(s, item_id, names)
            state = review_state(ReviewEvent(e.action, e.at, e.id) for e in history)
            title = f"{kind.label}, {date_text(when)}, {name}"
            worker = names.get(worker_id, "Unknown worker")
        if reading:
            record(self._app, AuditAction.VIEWED_FOR_REVIEW, person_id, kind.label, light=True)
        return ReviewDetail(kind, item_id, person_id, title, worker, body, state, history)

    def history(self, item_id: str) -> tuple[ReviewEntry, ...]:
        with self._db.read() as s:
            return _history(s, item_id, worker_names(s))

    # --- actions -------------------------------------------------------------------------
    def act(
        self,
        kind: ReviewItemKind,
        item_id: str,
        action: ReviewAction,
        comment: str = "",
        addendum: str = "",
    ) -> str:
        """Record a review action. A supervisor signs off, comments or returns; the worker
        whose record it is answers a return (for a note, with an addendum written in the same
        transaction) or marks a comment seen. Returns the review id."""
        with self._db.write() as s:
            names = worker_names(s)
            person_id, worker_id, _when_, _body_ = _body(s, kind, item_id, names, self._clock)
            me = self._app.worker.id
            if action in SUPERVISOR_ACTIONS and not self.is_supervisor:
                raise UserError("Only a supervisor reviews workers' records.")
            if action not in SUPERVISOR_ACTIONS and worker_id != me:
                raise UserError("Only the worker whose record it is answers a review.")
            if action in SUPERVISOR_ACTIONS and worker_id == me:
                raise UserError("Your own records are reviewed by another supervisor.")
            text = comment.strip()
            if action == ReviewAction.ANSWERED and kind == ReviewItemKind.NOTE:
                if not addendum.strip():
                    raise ValidationFailed(
                        {"addendum": "Write the addendum that corrects the note."}
                    )
                s.add(Addendum(note_id=item_id, person_id=person_id, text=addendum.strip()))
                text = text or "Addendum added."
            history = _history(s, item_id, names)
            state = review_state(ReviewEvent(e.action, e.at, e.id) for e in history)
            problem = action_problem(action, text, state)
            if problem is not None:
                raise ValidationFailed({"comment": problem})
            at = self._now()
            if history and at <= history[-1].at:  # a clock behind another laptop's
                at = history[-1].at + dt.timedelta(microseconds=1)
            review = Review(
                item_kind=kind.value,
                item_id=item_id,
                person_id=person_id,
                worker_id=worker_id,
                action=action.value,
                comment=text,
                at=at,
            )
            s.add(review)
            s.flush()
            return review.id

    # --- the worker's side ---------------------------------------------------------------
    def notices(self) -> list[Notice]:
        """Comments and returns on this worker's records that still ask something of them:
        a return not answered yet, a comment not marked seen. Returns first, newest first."""
        me = self._app.worker.id
        with self._db.read() as s:
            names = worker_names(s)
            # Only the items a comment or a return was made on (a handful), not every
            # sign-off of the worker's records (tens of thousands over the years).
            asked = select(Review.item_id).where(
                Review.worker_id == me,
                Review.action.in_([ReviewAction.COMMENT.value, ReviewAction.RETURNED.value]),
            )
            reviews = list(
                s.scalars(
                    select(Review).where(Review.item_id.in_(asked)).order_by(Review.at, Review.id)
                )
            )
            by_item: dict[str, list[Review]] = {}
            for review in reviews:
                by_item.setdefault(review.item_id, []).append(review)
            people = {
                p.id: p
                for p in s.scalars(
                    select(Person).where(Person.id.in_({r.person_id for r in reviews}))
                )
            }
            found: list[Notice] = []
            for item_reviews in by_item.values():
                events = [ReviewEvent(ReviewAction(r.action), r.at, r.id) for r in item_reviews]
                state = review_state(events)
                seen = {r.comment for r in item_reviews if r.action == ReviewAction.SEEN}
                for review in item_reviews:
                    action = ReviewAction(review.action)
                    open_return = action == ReviewAction.RETURNED and (
                        state == ReviewState.RETURNED and review is _last_return(item_reviews)
                    )
                    unseen = action == ReviewAction.COMMENT and review.id not in seen
                    if not (open_return or unseen):
                        continue
                    person = people.get(review.person_id)
                    found.append(
                        Notice(
                            review.id,
                            ReviewItemKind(review.item_kind),
                            review.item_id,
                            review.person_id,
                            display_name(
                                person.given_name, person.family_name, person.preferred_name
                            )
                            if person
                            else "",
                            action,
                            review.comment,
                            names.get(review.created_by, "Your supervisor"),
                            review.at,
                            open_return,
                        )
                    )
            found.sort(key=lambda n: n.at, reverse=True)  # newest first,
            return sorted(found, key=lambda n: not n.needs_answer)  # returns to answer on top

    def notice_count(self) -> int:
        return len(self.notices())

    def mark_seen(self, review_id: str) -> None:
        """The worker has read a supervisor's comment (kept as a review action that names the
        comment, so the supervisor sees it was read)."""
        with self._db.read() as s:
            review = record_or_gone(s, Review, review_id, "comment")
            kind, item_id = ReviewItemKind(review.item_kind), review.item_id
        self.act(kind, item_id, ReviewAction.SEEN, review_id)


def _last_return(reviews: Sequence[Review]) -> Review | None:
    returns = [r for r in reviews if r.action == ReviewAction.RETURNED]
    return returns[-1] if returns else None


def _history(s: Session, item_id: str, names: dict[str, str]) -> tuple[ReviewEntry, ...]:
    return tuple(
        ReviewEntry(
            r.id, ReviewAction(r.action), names.get(r.created_by, "Someone"), r.at, r.comment
        )
        for r in s.scalars(
            select(Review).where(Review.item_id == item_id).order_by(Review.at, Review.id)
        )
        if r.action != ReviewAction.SEEN
    )


Body = tuple[tuple[str, str], ...]


def _body(
    s: Session, kind: ReviewItemKind, item_id: str, names: dict[str, str], clock: Clock
) -> tuple[str, str, dt.date, Body]:
    """(person id, whose record, its date, what the reviewer reads)."""
    if kind == ReviewItemKind.NOTE:
        note = record_or_gone(s, ContactNote, item_id, "note")
        body = [
            (
                "Contact",
                f"{ContactType(note.contact_type).label}, "
                + clock.local_text(note.contact_at)
                + (f", {note.location}" if note.location else "")
                + (f", {note.duration_minutes} minutes" if note.duration_minutes else ""),
            )
        ]
        if note.not_seen_reason:
            body.append(("Not seen because", note.not_seen_reason))
        body.append(("Note", note.text))
        for addendum in s.scalars(
            select(Addendum).where(Addendum.note_id == item_id).order_by(Addendum.created_at)
        ):
            author = names.get(addendum.created_by, "Unknown worker")
            day = clock.local_text(addendum.created_at, DATE_PATTERN)  # the session's day
            body.append((f"Addendum, {day} by {author}", addendum.text))
        return note.person_id, note.worker_id, clock.day_of(note.contact_at), tuple(body)
    if kind == ReviewItemKind.RELEASE:
        plan = record_or_gone(s, ReleasePlan, item_id, "release plan")
        met = {True: "Yes", False: "No", None: "Not recorded"}[plan.met_at_gate]
        night = FirstNight(plan.first_night).label if plan.first_night else "Not recorded"
        body = [
            (
                "Release",
                f"{date_text(plan.release_date)} {plan.release_time}".strip()
                if plan.release_date
                else "No date",
            ),
            ("Met at the gate", met),
            (
                "First night",
                night + (f" ({plan.first_night_detail})" if plan.first_night_detail else ""),
            ),
            ("Outcome", plan.outcome_note or "(no note)"),
        ]
        when = plan.release_date or clock.day_of(plan.outcome_recorded_at or plan.updated_at)
        return plan.person_id, plan.updated_by, when, tuple(body)
    referral = record_or_gone(s, Referral, item_id, "referral")
    service = referral.service or {}
    body = [
        ("Service", str(service.get("name", referral.service_code))),
        ("Status", ReferralStatus(referral.status).label),
        ("Made on", date_text(referral.made_on)),
        ("Reason", referral.reason or "(none given)"),
    ]
    if referral.outcome:
        body.append(("Outcome", referral.outcome))
    return referral.person_id, referral.created_by, referral.made_on, tuple(body)
