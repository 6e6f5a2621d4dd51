"""Demo casework around the notes: the allocation behind each case (now and then a handover
or a share), the changes to fields that matter with their reasons, and outcome assessments
every six weeks or so."""

from __future__ import annotations

import datetime as dt
import random

from restart_desktop.app.session import AppSession
from restart_desktop.domain.allocation import HandoverKind
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.clock import at_local
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.outcomes import AreaScore
from restart_desktop.store.changes import LaterEdit, NewRow
from restart_desktop.store.models import (
    Assessment,
    FieldChange,
    Handover,
    Person,
    SyncedRecord,
)


def demo_allocation(
    made: list[SyncedRecord | NewRow],
    rng: random.Random,
    person: Person,
    own: str,
    colleagues: list[str],
    now: dt.datetime | None = None,
) -> None:
    """The allocation decision behind each allocated case, and now and then a handover from a
    colleague or a share for a release day; none later than ``now`` (the demo's moment)."""
    if person.allocated_worker_id is None:
        return
    at = at_local(person.referral_date or dt.date.today(), dt.time(11))

    def on(days: int) -> dt.datetime:
        when = at + dt.timedelta(days=days)
        return when if now is None else min(when, now)

    first = person.allocated_worker_id
    if person.allocated_worker_id == own and rng.random() < 0.1:
        first = rng.choice(colleagues)
    reason = "Allocated by the team leader: prison area caseload (demo)."
    made.append(
        NewRow.of(
            Handover,
            id=uuid7(),
            person_id=person.id,
            kind=HandoverKind.ALLOCATION.value,
            from_worker_id=None,
            to_worker_id=first,
            note=reason,
            at=on(0),
        )
    )
    made.append(
        NewRow.of(
            FieldChange,
            id=uuid7(),
            person_id=person.id,
            field="allocated_worker_id",
            old_value=None,
            new_value=first,
            reason=reason,
            at=on(0),
        )
    )
    if first != person.allocated_worker_id:
        note = rng.choice(HANDOVER_NOTES)
        made.append(
            NewRow.of(
                Handover,
                id=uuid7(),
                person_id=person.id,
                kind=HandoverKind.HANDOVER.value,
                from_worker_id=first,
                to_worker_id=person.allocated_worker_id,
                note=note,
                at=on(9),
            )
        )
        made.append(
            NewRow.of(
                FieldChange,
                id=uuid7(),
                person_id=person.id,
                field="allocated_worker_id",
                old_value=first,
                new_value=person.allocated_worker_id,
                reason=note,
                at=on(9),
            )
        )
    elif person.allocated_worker_id != own and rng.random() < 0.05:
        made.append(
            NewRow.of(
                Handover,
                id=uuid7(),
                person_id=person.id,
                kind=HandoverKind.SHARE.value,
                from_worker_id=person.allocated_worker_id,
                to_worker_id=own,
                note="Please meet him at the gate on release day (demo).",
                at=on(5),
            )
        )


def demo_history(
    made: list[SyncedRecord | NewRow],
    rng: random.Random,
    person: Person,
    now: dt.datetime | None = None,
) -> None:
    """Changes to fields that matter, with their reasons: a moved release date, consent
    recorded, now and then a legal hold; none later than ``now`` (the demo's moment)."""
    at = at_local(person.referral_date or dt.date.today(), dt.time(15))

    def on(days: int) -> dt.datetime:
        when = at + dt.timedelta(days=days)
        return when if now is None else min(when, now)

    if person.consent_given:
        made.append(
            NewRow.of(
                FieldChange,
                id=uuid7(),
                person_id=person.id,
                field="consent_given",
                old_value=False,
                new_value=True,
                reason="Consent form signed at induction (demo).",
                at=on(3),
            )
        )
    if person.release_date is not None and rng.random() < 0.2:
        earlier = person.release_date - dt.timedelta(days=rng.choice((7, 14, 21)))
        made.append(
            NewRow.of(
                FieldChange,
                id=uuid7(),
                person_id=person.id,
                field="release_date",
                old_value=earlier.isoformat(),
                new_value=person.release_date.isoformat(),
                reason=rng.choice(RELEASE_REASONS),
                at=on(6),
            )
        )
    # Now and then a legal hold, most often on a closed case (it keeps it from erasure).
    if rng.random() < (0.25 if person.status == CaseStatus.CLOSED.value else 0.005):
        person.legal_hold = True
        made.append(
            NewRow.of(
                FieldChange,
                id=uuid7(),
                person_id=person.id,
                field="legal_hold",
                old_value=False,
                new_value=True,
                at=on(8),
                reason="Information request from a fictional court (demo).",
            )
        )


RELEASE_REASONS = (
    "The prison's offender management unit moved the release date (demo).",
    "Recalculated after a fictional sentence review (demo).",
)
HANDOVER_NOTES = (
    "He prefers afternoon visits; the council has his Duty to Refer (demo).",
    "Handed over as I move to the Reading patch; all actions are up to date (demo).",
    "Gate worker needed on release day; he knows you from the wing (demo).",
)


ASSESSED = (
    CaseStatus.ENGAGED_IN_CUSTODY.value,
    CaseStatus.RELEASED.value,
    CaseStatus.SUPPORTED_IN_COMMUNITY.value,
    CaseStatus.CLOSED.value,
)


def demo_assessments(
    made: list[SyncedRecord | NewRow],
    rng: random.Random,
    person: Person,
    session: AppSession,
    today: dt.date,
) -> None:
    """Assessments every six weeks or so from the first contact: most areas move up a little,
    some fall back; the latest is sometimes still a draft."""
    if person.status not in ASSESSED or rng.random() < 0.3:
        return
    start = (person.referral_date or today - dt.timedelta(days=120)) + dt.timedelta(days=10)
    count = rng.randint(1, 4)
    current = {area.code: rng.randint(1, 5) for area in session.reference.outcome_areas}
    for number in range(count):
        on = start + dt.timedelta(days=42 * number)
        if on > today:
            break
        if number:
            for code in current:
                current[code] = max(1, min(10, current[code] + rng.choice((-1, 0, 1, 1, 2))))
        scores = [
            AreaScore(
                area.code,
                area.label,
                worker=current[area.code],
                person=min(10, current[area.code] + rng.choice((0, 0, 1, 2)))
                if rng.random() < 0.6
                else None,
            ).to_json()
            for area in session.reference.outcome_areas
        ]
        draft = number == count - 1 and rng.random() < 0.2
        made.append(
            Assessment(
                id=uuid7(),
                person_id=person.id,
                assessed_on=on,
                present="The person and their worker (demo)",
                scores=scores,
                agreed=True,
                disagreement="",
                finalised_at=None if draft else at_local(on, dt.time(16, 0)),
            )
        )


#: The way each status is reached from Recommended, a step at a time, as workers move cases.
STATUS_PATHS = {
    CaseStatus.RECOMMENDED: (),
    CaseStatus.DECLINED: (CaseStatus.DECLINED,),
    CaseStatus.ACCEPTED: (CaseStatus.ACCEPTED,),
    CaseStatus.ENGAGED_IN_CUSTODY: (CaseStatus.ACCEPTED, CaseStatus.ENGAGED_IN_CUSTODY),
    CaseStatus.RELEASED: (
        CaseStatus.ACCEPTED,
        CaseStatus.ENGAGED_IN_CUSTODY,
        CaseStatus.RELEASED,
    ),
    CaseStatus.SUPPORTED_IN_COMMUNITY: (
        CaseStatus.ACCEPTED,
        CaseStatus.ENGAGED_IN_CUSTODY,
        CaseStatus.RELEASED,
        CaseStatus.SUPPORTED_IN_COMMUNITY,
    ),
    CaseStatus.CLOSED: (
        CaseStatus.ACCEPTED,
        CaseStatus.ENGAGED_IN_CUSTODY,
        CaseStatus.RELEASED,
        CaseStatus.SUPPORTED_IN_COMMUNITY,
        CaseStatus.CLOSED,
    ),
}


def demo_status_moves(
    rng: random.Random, person: Person, decided: dt.datetime | None, now: dt.datetime
) -> list[NewRow | LaterEdit]:
    """The steps by which ``person`` reached their status, each when it would have happened:
    accepted or declined at the allocation decision (``decided``), engaged a few weeks on,
    released on the release day, then supported and closed. The person is written as
    Recommended (call before writing them) and each step is an edit at its own time, with
    its line in the case's history, so that the figures count every move in its own
    quarter (they were all counted on the day the demo was made)."""
    final = CaseStatus(person.status)
    person.status, person.status_reason = CaseStatus.RECOMMENDED.value, "Demo: recommended"
    recommended = at_local(person.referral_date or now.date(), dt.time(10))
    release = at_local(person.release_date or now.date(), dt.time(17))
    planned = {
        CaseStatus.ACCEPTED: decided or recommended + dt.timedelta(days=5),
        CaseStatus.DECLINED: decided or recommended + dt.timedelta(days=5),
        CaseStatus.RELEASED: release,
    }
    made: list[NewRow | LaterEdit] = []
    at, old = recommended, CaseStatus.RECOMMENDED
    for status in STATUS_PATHS[final]:
        if status == CaseStatus.ENGAGED_IN_CUSTODY:
            when = at + dt.timedelta(days=rng.randint(3, 28), hours=-3)
            when = min(when, release - dt.timedelta(days=1))
        elif status == CaseStatus.SUPPORTED_IN_COMMUNITY:
            when = at + dt.timedelta(days=rng.randint(2, 14), hours=-6)
        elif status == CaseStatus.CLOSED:
            when = at + dt.timedelta(days=rng.randint(20, 80))
        else:
            when = planned[status]
        if when > now:  # a step still to come: taken at some time since the last one
            when = at + (now - at) * rng.random()
        at = max(at + dt.timedelta(minutes=10), min(when, now))
        reason = f"Demo: {status.label.lower()}"
        made.append(LaterEdit(person.id, {"status": status.value, "status_reason": reason}, at))
        made.append(
            NewRow.of(
                FieldChange,
                id=uuid7(),
                person_id=person.id,
                field="status",
                old_value=old.value,
                new_value=status.value,
                reason=reason,
                at=at,
            )
        )
        old = status
    return made
