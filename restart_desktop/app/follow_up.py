"""Follow-up checks after release: which are due on the worker's caseload (My actions lists
them), and recording one. Plain data in and out; a check is a synced record, so the
supervisor's laptop and the figures receive it at the next sync."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.lookups import case_or_gone
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus, display_name
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.follow_up import Answer, check_due, treatment_applies
from restart_desktop.store.models import FollowUpCheck, Person, ReleasePlan

#: Statuses in which a released person is still followed up.
FOLLOWED = (CaseStatus.RELEASED.value, CaseStatus.SUPPORTED_IN_COMMUNITY.value)


@dataclass(frozen=True)
class DueCheck:
    person_id: str
    person_name: str
    code: str
    label: str
    released_on: dt.date
    due_on: dt.date
    treatment_applies: bool


@dataclass(frozen=True)
class CheckAnswers:
    accommodation: FirstNight = FirstNight.UNKNOWN
    universal_credit: Answer = Answer.NOT_KNOWN
    treatment: Answer = Answer.NOT_KNOWN
    gp: Answer = Answer.NOT_KNOWN
    ete: Answer = Answer.NOT_KNOWN


class FollowUpService:
    def __init__(self, session: AppSession) -> None:
        self._app = session
        self._db = session.db
        self._reference = session.reference

    def due_checks(self) -> list[DueCheck]:
        """Checks due (on or before today) and not yet recorded, for people released from the
        signed-in worker's caseload, the longest overdue first."""
        today = self._app.clock.today()
        holidays = self._reference.bank_holiday_dates
        released = func.max(ReleasePlan.release_date).label("released_on")
        last = (
            select(ReleasePlan.person_id, released)
            .where(ReleasePlan.outcome_recorded_at.is_not(None))
            .group_by(ReleasePlan.person_id)
            .subquery()
        )
        due: list[DueCheck] = []
        with self._db.read() as s:
            done = {
                (row[0], row[1], row[2])
                for row in s.execute(
                    select(
                        FollowUpCheck.person_id, FollowUpCheck.check_code, FollowUpCheck.released_on
                    )
                )
            }
            rows = s.execute(
                select(
                    Person.id,
                    Person.given_name,
                    Person.family_name,
                    Person.preferred_name,
                    Person.needs,
                    last.c.released_on,
                )
                .join(last, last.c.person_id == Person.id)
                .where(
                    Person.allocated_worker_id == self._app.worker.id, Person.status.in_(FOLLOWED)
                )
            )
            for pid, given, family, preferred, needs, released_on in rows:
                for kind in self._reference.follow_up_checks:
                    on = check_due(released_on, kind.weeks, holidays)
                    if on <= today and (pid, kind.code, released_on) not in done:
                        due.append(
                            DueCheck(
                                pid,
                                display_name(given, family, preferred),
                                kind.code,
                                kind.label,
                                released_on,
                                on,
                                treatment_applies(needs or []),
                            )
                        )
        return sorted(due, key=lambda d: (d.due_on, d.person_name))

    def record_check(self, check: DueCheck, answers: CheckAnswers) -> str:
        """Record a check as the worker found things (today); returns its id."""
        kind = next((k for k in self._reference.follow_up_checks if k.code == check.code), None)
        if kind is None:
            raise ValidationFailed({"check": "That check is not in the team's list any more."})
        treatment = answers.treatment if check.treatment_applies else Answer.NOT_APPLICABLE
        with self._db.write() as s:
            case_or_gone(s, check.person_id)
            if s.scalar(
                select(FollowUpCheck.id).where(
                    FollowUpCheck.person_id == check.person_id,
                    FollowUpCheck.check_code == check.code,
                    FollowUpCheck.released_on == check.released_on,
                )
            ):
                raise ValidationFailed(
                    {"check": f"The {kind.label.lower()} is already recorded for this release."}
                )
            record = FollowUpCheck(
                person_id=check.person_id,
                check_code=check.code,
                released_on=check.released_on,
                due_on=check.due_on,
                checked_on=self._app.clock.today(),
                accommodation=answers.accommodation.value,
                universal_credit=answers.universal_credit.value,
                treatment=treatment.value,
                gp=answers.gp.value,
                ete=answers.ete.value,
            )
            s.add(record)
            s.flush()
            return record.id
