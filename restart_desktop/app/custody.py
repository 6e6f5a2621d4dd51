"""Returns to custody: recording one on a case and listing them (the case file and its
timeline show them). Plain data in and out; every write is audited by the store's hook and
announced by a change notice like any other.

A recall does not close the case by itself: the worker closes it with the reason "Recalled to
custody" when support stops, and recommends it again to plan the next release, as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.lookups import case_or_gone
from restart_desktop.app.session import AppSession
from restart_desktop.domain.custody import CustodyKind, CustodySource, custody_problem
from restart_desktop.store.models import CustodyReturn, ReleasePlan
from restart_desktop.store.queries import worker_names


@dataclass(frozen=True)
class CustodyReturnView:
    id: str
    person_id: str
    returned_on: dt.date
    kind: CustodyKind
    source: CustodySource
    released_on: dt.date | None
    recorded_at: dt.datetime  # UTC
    recorded_by: str

    @property
    def summary(self) -> str:
        after = (
            f", {(self.returned_on - self.released_on).days} days after release"
            if self.released_on
            else ""
        )
        return (
            f"{self.kind.label} on {self.returned_on:%d/%m/%Y}{after} (told by "
            f"{self.source.label[0].lower() + self.source.label[1:]})"
        )


def last_release(s: Session, person_id: str) -> dt.date | None:
    """The day of the person's latest recorded release (a release plan whose outcome is
    recorded), the one a return to custody follows."""
    return s.scalar(
        select(ReleasePlan.release_date)
        .where(ReleasePlan.person_id == person_id, ReleasePlan.outcome_recorded_at.is_not(None))
        .order_by(ReleasePlan.release_date.desc())
        .limit(1)
    )


class CustodyService:
    def __init__(self, session: AppSession) -> None:
        self._db = session.db
        self._clock = session.clock

    def record_return(
        self, case_id: str, returned_on: dt.date | None, kind: CustodyKind, source: CustodySource
    ) -> str:
        """Record that the person went back into custody; returns the record's id."""
        with self._db.write() as s:
            person = case_or_gone(s, case_id)
            released = last_release(s, case_id) or (
                person.release_date
                if person.release_date and person.release_date <= self._clock.today()
                else None
            )
            problem = custody_problem(returned_on, released, self._clock.today())
            if problem or returned_on is None:
                raise ValidationFailed({"returned_on": problem or ""})
            record = CustodyReturn(
                person_id=case_id,
                returned_on=returned_on,
                kind=kind.value,
                source=source.value,
                released_on=released,
            )
            s.add(record)
            s.flush()
            return record.id

    def returns(self, case_id: str) -> list[CustodyReturnView]:
        """The person's returns to custody, newest first."""
        with self._db.read() as s:
            return returns_of(s, case_id)


def returns_of(
    s: Session, case_id: str, names: dict[str, str] | None = None
) -> list[CustodyReturnView]:
    """``names``: the workers' names, when the caller has read them already."""
    names = worker_names(s) if names is None else names
    rows = s.scalars(
        select(CustodyReturn)
        .where(CustodyReturn.person_id == case_id)
        .order_by(CustodyReturn.returned_on.desc(), CustodyReturn.id.desc())
    )
    return [
        CustodyReturnView(
            r.id,
            r.person_id,
            r.returned_on,
            CustodyKind(r.kind),
            CustodySource(r.source),
            r.released_on,
            r.created_at,
            names.get(r.created_by, "Unknown worker"),
        )
        for r in rows
    ]
