"""Onward handover when support ends: a summary for the service taking the person on
(probation, a successor service, the GP), consent-gated like referrals, kept on record; and
the supervisor's list of open cases with no plan for after support (programme exit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.app.errors import UserError
from restart_desktop.app.lookups import case_or_gone
from restart_desktop.app.permissions import guarded, require
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import OPEN_STATUSES, CaseStatus, display_name
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.onward import OnwardServiceKind, Section
from restart_desktop.domain.referrals import ReferralStatus, consent_problem
from restart_desktop.domain.roles import Permission
from restart_desktop.store.intake_models import OnwardHandover
from restart_desktop.store.models import Assessment, Person, Referral, ReleasePlan, Worker
from restart_desktop.store.queries import worker_names


class ConsentNeeded(UserError):
    """The person's consent does not cover this service; an override needs a reason."""


@dataclass(frozen=True)
class OnwardSummary:
    """What the receiving service is sent: (heading, lines) per section chosen, in words."""

    person_id: str
    person_name: str
    service_kind: OnwardServiceKind
    service_name: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    made_at: dt.datetime  # UTC
    consent_override: str = ""
    #: The session clock's zone (None: the laptop's): the times printed are in it.
    zone: dt.tzinfo | None = None


@dataclass(frozen=True)
class ExitRow:
    """An open case with no onward handover yet (programme exit)."""

    person_id: str
    name: str
    status: str  # in words
    worker: str
    release_date: dt.date | None


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "not known"


@guarded(Permission.CASE_WORK)
class OnwardService:
    def __init__(self, session: AppSession) -> None:
        self._app = session

    @property
    def clock(self) -> Clock:
        """The session's clock: a window showing or defaulting to a date or time reads it
        here, so what it shows sits with what is recorded."""
        return self._app.clock

    def summary(
        self,
        person_id: str,
        kind: OnwardServiceKind,
        service_name: str,
        sections: tuple[Section, ...],
        override: str = "",
    ) -> OnwardSummary:
        """The summary for ``kind``: only the chosen sections, never a note's text.
        ConsentNeeded when the person's consent does not cover it and no reason to
        override is given."""
        ref = self._app.reference
        with self._app.db.read() as s:
            person = case_or_gone(s, person_id)
            category = kind.consent_category
            if category is not None:
                need = ref.need(category)
                problem = consent_problem(
                    person.consent_given,
                    person.consent_categories or [],
                    category,
                    need.label if need else category,
                )
            elif not person.consent_given:
                problem = (
                    "No consent to share is recorded for this person. Record it on the "
                    "Details section, or override with a reason."
                )
            else:
                problem = None
            if problem and not override.strip():
                raise ConsentNeeded(problem)
            built = tuple(
                (section.label, tuple(self._lines(s, person, section))) for section in sections
            )
            name = display_name(person.given_name, person.family_name, person.preferred_name)
        return OnwardSummary(
            person_id,
            name,
            kind,
            service_name.strip() or kind.label,
            built,
            self._app.clock.now(),
            override.strip() if problem else "",
            self._app.clock.zone,
        )

    def _lines(self, s: Session, person: Person, section: Section) -> list[str]:
        ref = self._app.reference
        if section == Section.IDENTITY:
            born = _day(person.date_of_birth)
            return [
                f"Name: {person.given_name} {person.family_name}",
                f"Date of birth: {born}",
                f"Prison number: {person.nomis_number or 'not known'}",
                f"Probation reference (CRN): {person.crn or 'not known'}",
            ]
        if section == Section.RELEASE:
            prison = ref.prison(person.prison_code)
            return [
                f"Prison: {prison.name if prison else 'not known'}",
                f"Release date: {_day(person.release_date)}",
                f"Status: {CaseStatus(person.status).label}",
            ]
        if section == Section.ACCOMMODATION:
            plan = s.scalars(
                select(ReleasePlan)
                .where(ReleasePlan.person_id == person.id)
                .order_by(ReleasePlan.number.desc())
            ).first()
            lines = []
            if plan is not None and plan.first_night:
                lines.append(f"First night after release: {FirstNight(plan.first_night).label}")
            lines.append("Settled address: " + ("yes" if person.has_settled_address else "no"))
            authority = ref.local_authority(person.housing_authority)
            if authority is not None:
                lines.append(f"Housing authority chosen: {authority.name}")
            return lines
        if section == Section.NEEDS:
            labels = [n.label for code in person.needs or [] if (n := ref.need(code))]
            return labels or ["None recorded"]
        if section == Section.REFERRALS:
            found = [
                f"{r.service.get('service') or r.service_code}: {ReferralStatus(r.status).label}"
                for r in s.scalars(
                    select(Referral)
                    .where(Referral.person_id == person.id)
                    .order_by(Referral.made_on)
                )
            ]
            return found or ["None recorded"]
        if section == Section.OUTCOMES:
            latest = s.scalars(
                select(Assessment)
                .where(Assessment.person_id == person.id, Assessment.finalised_at.is_not(None))
                .order_by(Assessment.assessed_on.desc())
            ).first()
            if latest is None:
                return ["No assessment finalised"]
            return [
                f"{a['label']}: {a['worker']} out of 10"
                for a in latest.scores
                if a.get("worker") is not None
            ]
        worker = s.get(Worker, person.allocated_worker_id or "")
        if worker is None:
            return ["The RESTART team"]
        organisation = ref.organisation(worker.organisation_code)
        return [f"{worker.name}, {organisation.name if organisation else 'RESTART'}"]

    def record(self, summary: OnwardSummary) -> str:
        """Keep on record that the summary went (which service, which sections)."""
        with self._app.db.write() as s:
            handover = OnwardHandover(
                person_id=summary.person_id,
                service_kind=summary.service_kind.value,
                service_name=summary.service_name,
                sections=[label for label, _lines in summary.sections],
                consent_override=summary.consent_override,
                at=summary.made_at,
            )
            s.add(handover)
            s.flush()
            return handover.id

    def for_case(self, person_id: str) -> list[tuple[str, str, dt.datetime]]:
        """(service kind in words, service name, when) of each summary written, newest first."""
        with self._app.db.read() as s:
            return [
                (OnwardServiceKind(h.service_kind).label, h.service_name, h.at)
                for h in s.scalars(
                    select(OnwardHandover)
                    .where(OnwardHandover.person_id == person_id)
                    .order_by(OnwardHandover.at.desc())
                )
            ]

    def without_plan(self) -> list[ExitRow]:
        """Programme exit: every open case with no onward handover yet, soonest release
        first (a supervisor's: their laptop holds every case)."""
        require(self._app, Permission.SUPERVISE)
        planned = select(OnwardHandover.person_id)
        open_now = sorted(OPEN_STATUSES - {CaseStatus.RECOMMENDED.value})
        with self._app.db.read() as s:
            names = worker_names(s)
            return [
                ExitRow(
                    p.id,
                    display_name(p.given_name, p.family_name, p.preferred_name),
                    CaseStatus(p.status).label,
                    names.get(p.allocated_worker_id or "", ""),
                    p.release_date,
                )
                for p in s.scalars(
                    select(Person)
                    .where(Person.status.in_(open_now), Person.id.not_in(planned))
                    .order_by(Person.release_date, Person.family_name, Person.id)
                )
            ]
