"""Service referrals: the offline directory, making and sending a referral through the consent
gate, its lifecycle, chasing unanswered ones, the Duty to Refer proposal and the summary a
worker sends through the service's own channel. Plain data in and out.

The consent gate is here, not in the window: nothing moves a referral to "sent", and no
summary is produced, without consent for that kind of service or a recorded override.

Longer than 600 lines because ``ReferralService`` holds the whole lifecycle (make, send
through the consent gate, step, chase) and the caseload-wide list paged in SQL, which share
its private helpers and the chase rule. What it takes and gives is in app/referral_views.py;
the Duty to Refer rule is in app/duty_to_refer.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from restart_desktop.app.audit import record
from restart_desktop.app.duty_to_refer import duty_to_refer_answered
from restart_desktop.app.errors import NotFound, UserError, ValidationFailed
from restart_desktop.app.lookups import case_or_gone, record_or_gone
from restart_desktop.app.permissions import guarded
from restart_desktop.app.referral_views import (
    DutyToReferProposal,
    ReferralDraft,
    ReferralEventView,
    ReferralPage,
    ReferralQuery,
    ReferralView,
    StatusChange,
)
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.session import AppSession
from restart_desktop.app.team import load_details, service_with_team_contact
from restart_desktop.app.versions import check_edit
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import OUT_STATUSES, display_name
from restart_desktop.domain.checklist import Records
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.dates import year_problem
from restart_desktop.domain.reference import ReferenceData, Service
from restart_desktop.domain.referrals import (
    AWAITING_ANSWER,
    DEFAULT_CHASE_WORKING_DAYS,
    FINISHED,
    MAX_REASON_LENGTH,
    HowSent,
    ReferralStatus,
    SummaryField,
    Urgency,
    chase_due_on,
    consent_problem,
    needs_chasing,
    transition_problem,
)
from restart_desktop.domain.release import release_flags
from restart_desktop.domain.roles import Permission
from restart_desktop.store.models import (
    ContactNote,
    Person,
    Referral,
    ReferralEvent,
    Worker,
)
from restart_desktop.store.queries import worker_names

# The service, and the values it takes and gives (app/referral_views.py), importable from here.
__all__ = [
    "ReferralService",
    "DutyToReferProposal",
    "ReferralDraft",
    "ReferralEventView",
    "ReferralPage",
    "ReferralQuery",
    "ReferralView",
    "StatusChange",
]


CHASE_SETTING = "chase_after_working_days"


@guarded(Permission.CASE_WORK)
class ReferralService:
    def __init__(self, session: AppSession, clock: Clock | None = None) -> None:
        self._app = session
        self._db = session.db
        self._reference: ReferenceData = session.reference
        self._clock = clock or session.clock
        self._now = self._clock.now_minute
        self._labels = {need.code: need.label for need in session.reference.needs}

    @property
    def clock(self) -> Clock:
        """The clock this service stamps its records with: a window showing or defaulting
        to a date or time reads it here, so what it shows sits with what is recorded."""
        return self._clock

    @property
    def chase_working_days(self) -> int:
        try:
            days = int(self._app.setting(CHASE_SETTING, str(DEFAULT_CHASE_WORKING_DAYS)))
        except ValueError:
            return DEFAULT_CHASE_WORKING_DAYS
        return max(1, days)

    # --- the directory ----------------------------------------------------------------------
    def directory(
        self, text: str = "", category: str | None = None, authority: str | None = None
    ) -> list[Service]:
        """Services matching every word of ``text`` (organisation, service, contact, what
        they need), of a category, covering an authority's area; the directory's order."""
        words = text.lower().split()
        found = []
        with self._db.read() as s:
            team = load_details(s)
        for listed in self._reference.services:
            service = service_with_team_contact(listed, team)
            if category and service.category != category:
                continue
            if authority and not service.covers(authority):
                continue
            haystack = " ".join(
                (
                    service.organisation,
                    service.service,
                    service.contact,
                    service.referral_needs,
                    self._category_label(service.category),
                )
            ).lower()
            if all(word in haystack for word in words):
                found.append(service)
        return found

    def _category_label(self, code: str) -> str:
        return self._labels.get(code, code)

    # --- making and sending -----------------------------------------------------------------
    def create(self, draft: ReferralDraft) -> str:
        """A draft referral to a directory service; returns its id."""
        service = self._reference.service(draft.service_code)
        if service is not None:
            with self._db.read() as s:
                service = service_with_team_contact(service, load_details(s))
        problems = self._draft_problems(draft, service)
        if problems:
            raise ValidationFailed(problems)
        assert service is not None
        now = self._now()
        with self._db.write() as s:
            case_or_gone(s, draft.person_id)
            if draft.note_id and s.get(ContactNote, draft.note_id) is None:
                raise NotFound("That note is no longer on this laptop.")
            referral = Referral(
                person_id=draft.person_id,
                service_code=service.code,
                service=service.to_json(),
                category=service.category,
                needs=sorted(set(draft.needs) or {service.category}),
                reason=draft.reason.strip(),
                urgency=draft.urgency,
                how_sent=draft.how_sent or service.how_to_refer,
                made_on=self._clock.day_of(now),
                status=ReferralStatus.DRAFT.value,
                note_id=draft.note_id,
            )
            s.add(referral)
            s.flush()
            self._event(s, referral, "status", "", ReferralStatus.DRAFT.value, now, "")
            return referral.id

    def _draft_problems(self, draft: ReferralDraft, service: Service | None) -> dict[str, str]:
        problems: dict[str, str] = {}
        if service is None:
            problems["service"] = "Choose a service from the directory."
        if not draft.reason.strip():
            problems["reason"] = "Say why the person is being referred."
        elif len(draft.reason) > MAX_REASON_LENGTH:
            problems["reason"] = f"Keep the reason under {MAX_REASON_LENGTH} characters."
        if draft.urgency not in set(Urgency):
            problems["urgency"] = "Choose how urgent it is."
        if draft.how_sent and draft.how_sent not in set(HowSent):
            problems["how_sent"] = "Choose how it is sent."
        unknown = [n for n in draft.needs if self._reference.need(n) is None]
        if unknown:
            problems["needs"] = "Choose needs from the list."
        return problems

    def consent_gap(self, referral_id: str) -> str | None:
        """What consent is missing before this referral can be sent; None when covered."""
        with self._db.read() as s:
            referral, person = self._referral_and_person(s, referral_id)
            return self._consent_gap(person, referral.category)

    def _consent_gap(self, person: Person, category: str) -> str | None:
        return consent_problem(
            person.consent_given,
            person.consent_categories or [],
            category,
            self._category_label(category),
        )

    def send(self, referral_id: str, how_sent: str, note: str = "", override: str = "") -> None:
        """Draft to sent: only with consent for this kind of service, or an override whose
        reason is recorded (for example a safeguarding duty)."""
        if how_sent not in set(HowSent):
            raise ValidationFailed({"how_sent": "Choose how the referral was sent."})
        now = self._now()
        with self._db.write() as s:
            referral, person = self._referral_and_person(s, referral_id)
            problem = transition_problem(ReferralStatus(referral.status), ReferralStatus.SENT, {})
            if problem:
                raise ValidationFailed({"status": problem})
            gap = self._consent_gap(person, referral.category)
            if gap and not override.strip():
                raise ValidationFailed({"consent": gap})
            referral.status = ReferralStatus.SENT.value
            referral.how_sent = how_sent
            referral.sent_on = self._clock.day_of(now)
            if gap:
                referral.consent_override = override.strip()
            words = note.strip()
            if gap:
                words = f"Sent without consent: {override.strip()}. {words}".strip()
            self._event(
                s,
                referral,
                "status",
                ReferralStatus.DRAFT.value,
                ReferralStatus.SENT.value,
                now,
                words,
            )
            self._tick_duty_to_refer(s, referral, now)

    def _tick_duty_to_refer(self, s: Session, referral: Referral, now: dt.datetime) -> None:
        """A Duty to Refer sent to a housing authority ticks the release plan's item."""
        authority = str(referral.service.get("local_authority", ""))
        if not authority:
            return
        named = self._reference.local_authority(authority)
        ReleaseService(self._app, clock=self._clock).tick_recorded(
            s,
            referral.person_id,
            Records.DUTY_TO_REFER,
            f"Referral sent to {named.name if named else authority} on {now:%d/%m/%Y}.",
        )

    def change_status(self, referral_id: str, change: StatusChange) -> None:
        """Any other step of the lifecycle; each is recorded with time, author and note."""
        if change.status == ReferralStatus.SENT:
            raise ValidationFailed({"status": "Use Send, which checks consent."})
        now = self._now()
        with self._db.write() as s:
            referral, _person = self._referral_and_person(s, referral_id)
            if change.base is not None:
                check_edit(
                    s,
                    referral,
                    change.base,
                    {"status": change.status.value},
                    lambda _name: "Status",
                    lambda _name, value: ReferralStatus(value).label,
                )
            old = ReferralStatus(referral.status)
            problem = transition_problem(
                old,
                change.status,
                {
                    "reason": change.reason,
                    "appointment_at": change.appointment_at,
                    "outcome": change.outcome,
                },
            )
            if problem is None:
                problem = self._appointment_problem(referral, change, now)
            if problem:
                raise ValidationFailed({"status": problem})
            referral.status = change.status.value
            if change.status == ReferralStatus.DECLINED:
                referral.declined_reason = change.reason.strip()
            elif change.status == ReferralStatus.WITHDRAWN:
                referral.withdrawn_reason = change.reason.strip()
            elif change.status == ReferralStatus.APPOINTMENT_BOOKED:
                referral.appointment_at = change.appointment_at
                referral.appointment_place = change.appointment_place.strip()
                assert change.appointment_at is not None  # checked above
                booked = self._clock.local_text(change.appointment_at) + (
                    f", {referral.appointment_place}" if referral.appointment_place else ""
                )
                change = replace(change, note=f"{booked}. {change.note.strip()}".strip())
            elif change.status == ReferralStatus.CLOSED:
                referral.outcome = change.outcome.strip()
            self._event(
                s, referral, "status", old.value, change.status.value, now, change.note.strip()
            )

    def _appointment_problem(
        self, referral: Referral, change: StatusChange, now: dt.datetime
    ) -> str | None:
        """Dates that cannot be right: an appointment before the referral was made, or
        attendance recorded before the appointment."""
        if change.appointment_at is not None and (
            problem := year_problem(
                self._clock.day_of(change.appointment_at),
                self._clock.day_of(now),
                "The appointment date",
            )
        ):
            return problem
        if (
            change.status == ReferralStatus.APPOINTMENT_BOOKED
            and change.appointment_at
            and self._clock.day_of(change.appointment_at) < referral.made_on
        ):
            return (
                f"The appointment is before the referral was made "
                f"({referral.made_on:%d/%m/%Y}): check the date."
            )
        if change.status in (ReferralStatus.ATTENDED, ReferralStatus.DID_NOT_ATTEND):
            at = referral.appointment_at
            if at is not None and at > now:
                on = self._clock.local_text(at, "%d/%m/%Y at %H:%M")
                return (
                    f"The appointment is on {on}: record whether the person went once it has "
                    "happened."
                )
        return None

    def record_chase(self, referral_id: str, note: str) -> None:
        """The worker chased the service (a call, an email); the next chase is due
        ``chase_working_days`` working days later."""
        if not note.strip():
            raise ValidationFailed({"note": "Say how you chased and what they said."})
        now = self._now()
        with self._db.write() as s:
            referral, _person = self._referral_and_person(s, referral_id)
            if referral.status != ReferralStatus.SENT.value:
                raise ValidationFailed(
                    {"status": "Only a sent referral that has had no answer is chased."}
                )
            referral.last_chased_on = self._clock.day_of(now)
            self._event(s, referral, "chase", referral.status, referral.status, now, note.strip())

    def _event(
        self,
        s: Session,
        referral: Referral,
        kind: str,
        from_status: str,
        to_status: str,
        at: dt.datetime,
        note: str,
    ) -> None:
        s.add(
            ReferralEvent(
                referral_id=referral.id,
                person_id=referral.person_id,
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                at=at,
                note=note,
            )
        )

    def _referral_and_person(self, s: Session, referral_id: str) -> tuple[Referral, Person]:
        referral = record_or_gone(s, Referral, referral_id, "referral")
        person = s.get(Person, referral.person_id)
        assert person is not None  # a foreign key
        return referral, person

    # --- reading ----------------------------------------------------------------------------
    def for_person(self, person_id: str) -> list[ReferralView]:
        """A person's referrals with their history, open ones first, newest first."""
        with self._db.read() as s:
            person = case_or_gone(s, person_id)
            referrals = list(s.scalars(select(Referral).where(Referral.person_id == person_id)))
            views = self._views(s, referrals, {person.id: _name(person)}, with_events=True)
        return sorted(views, key=lambda v: (not v.open, -v.made_on.toordinal(), v.id))

    def get(self, referral_id: str) -> ReferralView:
        with self._db.read() as s:
            referral, person = self._referral_and_person(s, referral_id)
            return self._views(s, [referral], {person.id: _name(person)}, with_events=True)[0]

    def across_caseload(self, query: ReferralQuery) -> list[ReferralView]:
        """Referrals across the caseload, to chase first, then by the date made (all of
        them: the view reads them a page at a time, ``across_caseload_page``)."""
        return self.across_caseload_page(query, 0, None).views

    def across_caseload_page(
        self, query: ReferralQuery, offset: int, limit: int | None
    ) -> ReferralPage:
        """One page of the referrals across the caseload, to chase first, then by the date
        made, the person's name and the id, with how many there are and are to chase.

        The order and the chase test are SQL (a referral is to chase when its last contact
        falls on or before ``_chase_cutoff``), so only the page's referrals are made into
        views: a supervisor's laptop holds ten thousand of them."""
        cutoff = self._chase_cutoff()
        last = func.coalesce(Referral.last_chased_on, Referral.sent_on)
        to_chase = and_(
            Referral.status.in_([s.value for s in AWAITING_ANSWER]),
            last.is_not(None),
            last <= cutoff,
        )
        chase_rank = case((to_chase, 0), else_=1)
        conditions = self._conditions(query)
        if query.chase_only:
            conditions.append(to_chase)
        counted = (
            select(func.count(), func.coalesce(func.sum(1 - chase_rank), 0))
            .select_from(Referral)
            .where(*conditions)
        )
        # The page's keys from the index (ix_referrals_list) and the people's names, then the
        # page's rows: the sort never carries ten thousand wide rows.
        keys = (
            select(Referral.id)
            .join(Person, Person.id == Referral.person_id)
            .where(*conditions)
            .order_by(chase_rank, Referral.made_on, _sort_name(), Referral.id)
            .offset(offset)
            .limit(limit if limit is not None else -1)
        )
        stmt = (
            select(
                *Referral.__table__.columns,
                Person.given_name.label("person_given"),
                Person.family_name.label("person_family"),
                Person.preferred_name.label("person_preferred"),
            )
            .join(Person, Person.id == Referral.person_id)
            .where(Referral.id.in_(keys.scalar_subquery()))
            .order_by(chase_rank, Referral.made_on, _sort_name(), Referral.id)
        )
        if query.mine:
            counted = counted.join(Person, Person.id == Referral.person_id)
        with self._db.read() as s:
            total, chasing = s.execute(counted).one()
            rows = s.execute(stmt).all()
            names = {
                row.person_id: display_name(
                    row.person_given, row.person_family, row.person_preferred
                )
                for row in rows
            }
            views = self._views(s, rows, names)
        return ReferralPage(views, int(total), int(chasing))

    def _conditions(self, query: ReferralQuery) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if query.status:
            conditions.append(Referral.status == query.status)
        elif not query.include_finished:
            conditions.append(Referral.status.not_in([s.value for s in FINISHED]))
        if query.category:
            conditions.append(Referral.category == query.category)
        if query.mine:
            conditions.append(Person.allocated_worker_id == self._app.worker.id)
        return conditions

    def _chase_cutoff(self) -> dt.date:
        """The latest last contact that makes a sent referral one to chase today: chase_due_on
        never goes back as the contact moves on, so step back from today until it is due."""
        today, days = self._clock.today(), self.chase_working_days
        holidays = self._reference.bank_holiday_dates
        day = today
        while chase_due_on(day, days, holidays) > today:
            day -= dt.timedelta(days=1)
        return day

    def counts(self, query: ReferralQuery) -> dict[ReferralStatus, int]:
        """How many referrals are in each status (every status, whatever the status filter),
        for the kind of service and whose cases asked."""
        stmt = select(Referral.status, func.count()).group_by(Referral.status)
        if query.category:
            stmt = stmt.where(Referral.category == query.category)
        if query.mine:
            stmt = stmt.join(Person, Person.id == Referral.person_id).where(
                Person.allocated_worker_id == self._app.worker.id
            )
        counts = dict.fromkeys(ReferralStatus, 0)
        with self._db.read() as s:
            for status, count in s.execute(stmt):
                counts[ReferralStatus(status)] = int(count)
        return counts

    def to_chase(self) -> list[ReferralView]:
        """Sent referrals on the signed-in worker's caseload that nobody has answered."""
        return self.across_caseload(
            ReferralQuery(status=ReferralStatus.SENT.value, chase_only=True, mine=True)
        )

    def _views(
        self,
        s: Session,
        referrals: Sequence[Any],  # Referral objects, or rows with the same column names
        names: dict[str, str],
        with_events: bool = False,
    ) -> list[ReferralView]:
        workers = worker_names(s)
        today = self._clock.today()
        holidays = self._reference.bank_holiday_dates
        working_days = self.chase_working_days
        events: dict[str, list[ReferralEventView]] = {}
        if with_events and referrals:
            for event in s.scalars(
                select(ReferralEvent)
                .where(ReferralEvent.referral_id.in_([r.id for r in referrals]))
                # Then in the order recorded: steps of one save share their time, and the
                # order an index hands them out in is no order (migration 0025 changed it).
                .order_by(ReferralEvent.at, ReferralEvent.created_at, literal_column("rowid"))
            ):
                events.setdefault(event.referral_id, []).append(
                    ReferralEventView(
                        at=event.at,
                        author=workers.get(event.created_by, "Unknown worker"),
                        kind=event.kind,
                        from_status=ReferralStatus(event.from_status)
                        if event.from_status
                        else None,
                        to_status=ReferralStatus(event.to_status) if event.to_status else None,
                        note=event.note,
                    )
                )
        views = []
        for referral in referrals:
            status = ReferralStatus(referral.status)
            last = referral.last_chased_on or referral.sent_on
            due_on = (
                chase_due_on(last, working_days, holidays)
                if last is not None and status == ReferralStatus.SENT
                else None
            )
            views.append(
                ReferralView(
                    id=referral.id,
                    person_id=referral.person_id,
                    person_name=names[referral.person_id],
                    service=Service.from_json(referral.service),
                    category=referral.category,
                    category_label=self._category_label(referral.category),
                    needs=tuple(referral.needs or ()),
                    reason=referral.reason,
                    urgency=Urgency(referral.urgency),
                    how_sent=referral.how_sent,
                    made_on=referral.made_on,
                    made_by=workers.get(referral.created_by, "Unknown worker"),
                    status=status,
                    sent_on=referral.sent_on,
                    last_chased_on=referral.last_chased_on,
                    chase_due=last is not None
                    and needs_chasing(status, last, today, working_days, holidays),
                    chase_due_on=due_on,
                    consent_override=referral.consent_override,
                    declined_reason=referral.declined_reason,
                    appointment_at=referral.appointment_at,
                    appointment_place=referral.appointment_place,
                    outcome=referral.outcome,
                    withdrawn_reason=referral.withdrawn_reason,
                    events=tuple(events.get(referral.id, ())),
                    version=getattr(referral, "last_change_id", None),
                )
            )
        return views

    # --- the Duty to Refer --------------------------------------------------------------------
    def duty_to_refer(self, person_id: str) -> DutyToReferProposal | None:
        """The housing referral due for this person (release within 56 days, no settled
        address, not out yet) until one has gone to a housing authority."""
        with self._db.read() as s:
            person = case_or_gone(s, person_id)
            return self._proposal(s, person)

    def _proposal(self, s: Session, person: Person) -> DutyToReferProposal | None:
        today = self._clock.today()
        flags = release_flags(
            person.release_date,
            person.has_settled_address,
            today,
            self._reference.bank_holiday_dates,
            released=person.status in OUT_STATUSES,
        )
        if not flags.duty_to_refer or person.release_date is None:
            return None
        if duty_to_refer_answered(s, [person.id], self._reference):
            return None
        draft = next(
            (
                r.id
                for r in s.scalars(
                    select(Referral).where(
                        Referral.person_id == person.id,
                        Referral.status == ReferralStatus.DRAFT.value,
                    )
                )
                if r.service.get("local_authority")
            ),
            None,
        )
        authority = self._reference.local_authority(person.housing_authority or "")
        service = self._reference.housing_authority_service(authority.code) if authority else None
        return DutyToReferProposal(
            person_id=person.id,
            release_date=person.release_date,
            days_to_release=(person.release_date - today).days,
            authority_code=authority.code if authority else "",
            authority_name=authority.name if authority else "",
            service_code=service.code if service else None,
            draft_id=draft,
        )

    # --- the summary sent through the service's own channel -----------------------------------
    def summary_text(self, referral_id: str) -> str:
        """The referral summary (copied or printed for the service: recorded in the audit)."""
        text_ = self._summary_text(referral_id)
        with self._db.read() as s:
            referral = s.get(Referral, referral_id)
            person_id = referral.person_id if referral else None
        record(self._app, AuditAction.EXPORTED, person_id, "referral summary")
        return text_

    def _summary_text(self, referral_id: str) -> str:
        """The referral as plain text, with only the fields this service needs; refused
        without consent or a recorded override."""
        with self._db.read() as s:
            referral, person = self._referral_and_person(s, referral_id)
            gap = self._consent_gap(person, referral.category)
            if gap and not referral.consent_override:
                raise UserError(
                    f"No summary can be made yet. {gap} If it must go without consent, say "
                    "why when you mark it as sent (Send, Alt+E); the summary is then ready."
                )
            service = Service.from_json(referral.service)
            wanted = {SummaryField(f) for f in service.summary_fields}
            worker = s.get(Worker, referral.created_by)
            lines = [
                f"Referral to {service.name}",
                f"Date: {referral.made_on:%d/%m/%Y}",
            ]
            prison = self._reference.prison(person.prison_code)
            authority = self._reference.local_authority(person.housing_authority or "")
            values: dict[SummaryField, str] = {
                SummaryField.NAME: f"{person.given_name} {person.family_name}".strip(),
                SummaryField.DATE_OF_BIRTH: f"{person.date_of_birth:%d/%m/%Y}"
                if person.date_of_birth
                else "",
                SummaryField.NOMIS_NUMBER: person.nomis_number,
                SummaryField.CRN: person.crn,
                SummaryField.PRISON: prison.name if prison else "",
                SummaryField.RELEASE_DATE: (
                    "Released on " if person.status in OUT_STATUSES else "Expected on "
                )
                + (
                    f"{person.release_date:%d/%m/%Y}"
                    + (f" {person.release_time}" if person.release_time else "")
                )
                if person.release_date
                else "",
                SummaryField.NEEDS: ", ".join(self._category_label(n) for n in referral.needs),
                SummaryField.REASON: referral.reason,
                SummaryField.URGENCY: Urgency(referral.urgency).label,
                SummaryField.LOCAL_AUTHORITY: authority.name if authority else "",
                SummaryField.WORKER: (
                    f"{worker.name}, {self._organisation(worker.organisation_code)}"
                    if worker
                    else ""
                ),
            }
            for summary_field in SummaryField:
                if summary_field in wanted and values[summary_field]:
                    lines.append(f"{summary_field.label}: {values[summary_field]}")
            if gap:
                # The reason stays in the record; the service learns only that there is one.
                lines.append(
                    "Shared without the person's consent to share with this kind of service; "
                    "the referring worker has recorded why."
                )
            else:
                given = (
                    f" (consent first recorded {person.consent_date:%d/%m/%Y})"
                    if person.consent_date
                    else ""
                )
                lines.append(
                    "Consent to share: the person agreed to share with "
                    f"{self._category_label(referral.category).lower()} services{given}"
                )
        return "\n".join(lines)

    def _organisation(self, code: str) -> str:
        organisation = self._reference.organisation(code)
        return organisation.name if organisation else code


def _sort_name() -> ColumnElement[str]:
    """``display_name`` in SQL, to order by (SQLite capitalises ASCII letters only, so two
    names differing in an accented capital may come in another order than Python's)."""
    preferred = case(
        (
            and_(Person.preferred_name != "", Person.preferred_name != Person.given_name),
            " (" + Person.preferred_name + ")",
        ),
        else_="",
    )
    return func.upper(Person.family_name) + ", " + Person.given_name + preferred


def _name(person: Person) -> str:
    return display_name(person.given_name, person.family_name, person.preferred_name)
