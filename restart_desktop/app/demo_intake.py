"""Demo intake: every demo person came in through the intake queue (about a fifth
self-recommended, as in the programme), with the eligibility answers, the allocation decision
and its reason; the people still Recommended wait in the queue, a few asked for more
information; declined people carry a coded reason. The demo team has an allocator."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy.orm import Session

from restart_desktop.domain.case import CaseStatus, ReferralSource, Role
from restart_desktop.domain.clock import at_local
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.intake import DecisionKind, IntakeStatus
from restart_desktop.store.intake_models import IntakeDecision, IntakeRecord
from restart_desktop.store.models import Person, SyncedRecord, Worker

ALLOCATOR = ("Demo Allocator (OPCC)", "opcc_thames_valley")
RECOMMENDERS = {
    ReferralSource.PRISON_RESETTLEMENT.value: (
        "Demo Resettlement Officer",
        "HMP Bullingdon",
        "Resettlement officer",
        "01869 000000",
    ),
    ReferralSource.PROBATION.value: (
        "Demo Probation Practitioner",
        "Probation Service",
        "Probation practitioner",
        "probation@example.invalid",
    ),
    ReferralSource.PARTNER_AGENCY.value: (
        "Demo Housing Adviser",
        "Demo Housing Charity",
        "Housing adviser",
        "01865 000000",
    ),
    ReferralSource.SELF_RECOMMENDATION.value: ("", "", "", "Via the wing's application box"),
    ReferralSource.OTHER.value: ("Demo Chaplain", "HMP Bullingdon", "Chaplaincy", ""),
}
REASONS = (
    "He asked for help with housing before release.",
    "Repeat short sentences; no address on release.",
    "Wants support with drugs services and benefits on release.",
    "Family breakdown; needs somewhere to stay.",
)
DECLINE_REASONS = ("not_thames_valley", "mappa_managed", "declined_support", "duplicate")


def add_allocator(s: Session, worker_id: str) -> str:
    """The demo team's allocator (a colleague's record: the demo user stays a supervisor)."""
    s.add(
        Worker(
            id=worker_id,
            name=ALLOCATOR[0],
            organisation_code=ALLOCATOR[1],
            role=Role.ALLOCATOR.value,
        )
    )
    return worker_id


def demo_intake(
    seed: int, people: Sequence[Person], workers: dict[str, str], now: dt.datetime | None = None
) -> list[SyncedRecord]:
    """An intake record for each person, and the decision for those decided. ``workers``
    maps worker id to organisation code; no decision is later than ``now`` (the demo's
    moment). Its own random stream: the rest of the demo is the same with or without it."""
    rng = random.Random(seed * 7919 + 22)
    made: list[SyncedRecord] = []
    for person in people:
        recommended = person.referral_date or dt.date.today()
        status = CaseStatus(person.status)
        source = person.referral_source or ReferralSource.PRISON_RESETTLEMENT.value
        name, organisation, role, contact = RECOMMENDERS.get(source, RECOMMENDERS["other"])
        intake = IntakeRecord(
            id=uuid7(),
            person_id=person.id,
            source=source,
            recommender_name=name,
            recommender_organisation=organisation,
            recommender_role=role,
            recommender_contact=contact,
            recommended_on=recommended,
            reason=rng.choice(REASONS),
            in_thames_valley=rng.random() > 0.03,
            iom=False if rng.random() > 0.05 else None,
            mappa_level="none" if not person.mappa else rng.choice(("1", "2")),
            earlier_custodial_sentences=rng.choice((None, 1, 2, 3, 4, 6, 9)),
        )
        made.append(intake)
        at = at_local(recommended + dt.timedelta(days=rng.randint(1, 12)), dt.time(14))
        latest = None if now is None else now - dt.timedelta(hours=1)
        if latest is not None and at > latest:  # recommended lately: decided since, not later
            first = at_local(recommended, dt.time(8))
            at = max(first, first + (latest - first) * rng.random())
        if status == CaseStatus.RECOMMENDED:
            intake.status = IntakeStatus.WAITING.value
            if rng.random() < 0.25:
                intake.status = IntakeStatus.MORE_INFORMATION.value
                made.append(
                    IntakeDecision(
                        id=uuid7(),
                        person_id=person.id,
                        intake_id=intake.id,
                        decision=DecisionKind.MORE_INFORMATION.value,
                        words="Fictional: ask probation whether MAPPA applies.",
                        at=at,
                    )
                )
        elif status == CaseStatus.DECLINED:
            intake.status, intake.decided_at = IntakeStatus.DECLINED.value, at
            made.append(
                IntakeDecision(
                    id=uuid7(),
                    person_id=person.id,
                    intake_id=intake.id,
                    decision=DecisionKind.DECLINE.value,
                    reason_code=rng.choice(DECLINE_REASONS),
                    words="Fictional reason given at the allocation meeting.",
                    at=at,
                )
            )
        else:
            intake.status, intake.decided_at = IntakeStatus.ACCEPTED.value, at
            worker = person.allocated_worker_id
            made.append(
                IntakeDecision(
                    id=uuid7(),
                    person_id=person.id,
                    intake_id=intake.id,
                    decision=DecisionKind.ACCEPT.value,
                    organisation_code=workers.get(worker or "", ""),
                    worker_id=worker,
                    at=at,
                )
            )
    return made
