"""Demo release plans and referrals: plans ticked as the release nears, with an outcome
once out; referrals made while the person was inside, some waiting for an answer, some with
an appointment or an outcome, and the Duty to Refer."""

from __future__ import annotations

import datetime as dt
import random

from restart_desktop.app.release_plans import item_id_for, plan_record
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import FirstNight, ItemState
from restart_desktop.domain.clock import at_local, local_date
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.referrals import ReferralStatus
from restart_desktop.domain.release import is_working_day, release_flags
from restart_desktop.store.changes import NewRow
from restart_desktop.store.models import (
    Person,
    Referral,
    ReferralEvent,
    ReleasePlanItem,
    SyncedRecord,
)

FIRST_NIGHTS = (
    (FirstNight.SETTLED, 25),
    (FirstNight.TEMPORARY_OR_CAS3, 35),
    (FirstNight.APPROVED_PREMISES, 5),
    (FirstNight.FRIENDS_OR_FAMILY, 20),
    (FirstNight.ROUGH_SLEEPING, 10),
    (FirstNight.UNKNOWN, 5),
)
DEMO_APPOINTMENTS = {
    "probation_appointment": (
        dt.time(11, 0),
        "Probation office, 1 Example Street, Oxford OX0 1AA (demo)",
        "Ask at reception for the duty officer",
    ),
    "universal_credit": (
        dt.time(14, 0),
        "Jobcentre Plus, 2 Sample Road, Oxford OX0 2BB (demo)",
        "Work coach: Demo Coach",
    ),
    "prescriptions": (
        dt.time(12, 30),
        "Demo Pharmacy, 3 Fictional Lane, Oxford OX0 3CC",
        "01632 960 123",
    ),
    "first_night_accommodation": (
        dt.time(16, 0),
        "Madeup House hostel, 4 Pretend Row, Oxford OX0 4DD (demo)",
        "Ask for the duty manager",
    ),
}
PROBLEM_NOTES = {
    "release_date_confirmed": "Prison has not confirmed the time yet (demo).",
    "bank_account": "Bank will not open the account without ID (demo).",
    "first_night_accommodation": "No bed confirmed for tonight: council to call back (demo).",
    "prescriptions": "Prescription not sent to the pharmacy (demo).",
    "id_documents": "Birth certificate application not back yet (demo).",
    "phone": "Phone is at his old address; sister may bring it (demo).",
}


def demo_plan(
    made: list[SyncedRecord | NewRow],
    rng: random.Random,
    person: Person,
    session: AppSession,
    today: dt.date,
    snapshot_id: str,
) -> dt.date | None:
    """A release plan like a worker's, added to ``made``: ticked as the day nears, with an
    outcome once out. Returns the day of the release whose outcome it records, if any."""
    release = person.release_date
    if release is None or person.status == CaseStatus.DECLINED.value:
        return None
    days = (release - today).days
    out = person.status in {
        CaseStatus.RELEASED.value,
        CaseStatus.SUPPORTED_IN_COMMUNITY.value,
        CaseStatus.CLOSED.value,
    }
    if days > 60 or (days < -60 and not out):
        # Plans of releases months away, and of long-ago releases that never happened, are
        # left out; every release is kept (the figures count releases from their plans).
        return None
    plan = plan_record(person, snapshot_id, 1)
    made.append(plan)
    template = session.reference.default_checklist
    moment = at_local(release, dt.time(8, 0))
    worker = person.allocated_worker_id or session.worker.id
    # Share of items ticked: all once out, about half a week before, little a month before.
    share = 0.95 if out else max(0.0, min(0.9, 1.0 - days / 10))
    demo_now = at_local(today, dt.time(9, 0))  # a morning's work so far
    flags = release_flags(
        release, person.has_settled_address, today, session.reference.bank_holiday_dates
    )
    for item in template.items:
        due = item.due_at(release, person.release_time, None)
        if due is None or (not out and due > demo_now) or local_date(due) > today:
            continue
        if rng.random() > share:
            continue
        if not item.applies_to(flags, person.has_settled_address):
            continue
        state, note = ItemState.DONE, ""
        if item.code == "naloxone" and rng.random() < 0.3:
            state, note = ItemState.NOT_NEEDED, "Does not use opioids (demo)."
        elif not out and item.code in PROBLEM_NOTES and rng.random() < 0.15:
            state, note = ItemState.PROBLEM, PROBLEM_NOTES[item.code]
        # Ticked in the hours before it was due (on the day: just before).
        before = rng.randint(5, 60) if local_date(due) == release else rng.randint(30, 480)
        at = due - dt.timedelta(minutes=before)
        appointment = DEMO_APPOINTMENTS.get(item.code)
        made.append(
            NewRow.of(
                ReleasePlanItem,
                id=item_id_for(plan.id, item.code),
                plan_id=plan.id,
                person_id=person.id,
                item_code=item.code,
                state=state.value,
                state_at=at,
                state_by=worker,
                note=note,
                appointment_at=at_local(release, appointment[0]) if appointment else None,
                place=appointment[1] if appointment else "",
                contact=appointment[2] if appointment else "",
            )
        )
    if out:
        met = rng.random() < 0.8
        plan.met_at_gate = met
        plan.met_at_gate_at = moment + dt.timedelta(minutes=rng.randint(0, 40)) if met else None
        plan.first_night = rng.choices([f for f, _ in FIRST_NIGHTS], [w for _, w in FIRST_NIGHTS])[
            0
        ].value
        plan.outcome_recorded_at = moment + dt.timedelta(hours=rng.randint(8, 12))
        return release
    elif 0 <= days <= 2 and rng.random() < 0.5:
        # The prison moved the release at short notice.
        previous = release + dt.timedelta(days=rng.choice((1, 2)))
        while not is_working_day(previous, session.reference.bank_holiday_dates):
            previous += dt.timedelta(days=1)
        plan.previous_release_date = previous
        plan.previous_release_time = person.release_time
        plan.release_changed_at = at_local(today, dt.time(15, 20)) - dt.timedelta(days=1)
    return None


# Where a demo referral has got to, with how often.
REFERRAL_PATHS = (
    ((), 2),  # still a draft
    ((ReferralStatus.SENT,), 3),  # sent, waiting (some of these are to chase)
    ((ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED), 2),
    ((ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.APPOINTMENT_BOOKED), 2),
    (
        (
            ReferralStatus.SENT,
            ReferralStatus.ACCEPTED,
            ReferralStatus.APPOINTMENT_BOOKED,
            ReferralStatus.ATTENDED,
            ReferralStatus.CLOSED,
        ),
        2,
    ),
    ((ReferralStatus.SENT, ReferralStatus.DECLINED), 1),
)


def demo_referrals(
    made: list[SyncedRecord | NewRow],
    rng: random.Random,
    person: Person,
    session: AppSession,
    today: dt.date,
) -> None:
    """Referrals made while the person was inside: drafts, some waiting for an answer (to
    chase), some with an appointment or an outcome, and the Duty to Refer."""
    if person.status in (CaseStatus.RECOMMENDED.value, CaseStatus.DECLINED.value):
        return
    reference = session.reference
    wanted = [n for n in person.needs if n != "accommodation"]
    services = [
        sv
        for n in wanted
        for sv in reference.services
        if sv.category == n and not sv.local_authority
    ][:3]
    if "accommodation" in person.needs and person.housing_authority:
        housing = reference.housing_authority_service(person.housing_authority)
        if housing is not None:
            services.insert(0, housing)
    start = person.referral_date or today - dt.timedelta(days=60)
    for service in services[: rng.randint(0, 3)]:
        made_on = min(today, start + dt.timedelta(days=rng.randint(5, 40)))
        path = rng.choices([p for p, _ in REFERRAL_PATHS], [w for _, w in REFERRAL_PATHS])[0]
        if path == (ReferralStatus.SENT,):
            # Still waiting: sent in the last fortnight, so some are due a chase today.
            made_on = today - dt.timedelta(days=rng.randint(3, 14))
        referral = Referral(
            id=uuid7(),
            person_id=person.id,
            service_code=service.code,
            service=service.to_json(),
            category=service.category,
            needs=[service.category],
            reason=f"{service.service} after release (demo).",
            urgency=rng.choice(("routine", "routine", "urgent")),
            how_sent=service.how_to_refer,
            made_on=made_on,
            status=ReferralStatus.DRAFT.value,
        )
        if not person.consent_given and path:
            referral.consent_override = "Safeguarding duty (demo)."
        made.append(referral)
        at = at_local(made_on, dt.time(10, 0))
        events: list[tuple[ReferralStatus | None, ReferralStatus, dt.datetime]] = [
            (None, ReferralStatus.DRAFT, at)
        ]
        previous = ReferralStatus.DRAFT
        for step in path:
            at = min(at + dt.timedelta(days=rng.randint(1, 6)), at_local(today, dt.time(9, 0)))
            events.append((previous, step, at))
            previous = step
        referral.status = previous.value
        if path:
            referral.sent_on = local_date(events[1][2])
        if previous == ReferralStatus.DECLINED:
            referral.declined_reason = "Outside the service's area (demo)."
        if ReferralStatus.APPOINTMENT_BOOKED in path:
            referral.appointment_at = at_local(
                today + dt.timedelta(days=rng.randint(-10, 14)), dt.time(10, 30)
            )
            referral.appointment_place = "At the service's office (demo)"
        if previous == ReferralStatus.CLOSED:
            referral.outcome = "Support in place (demo)."
        for old, new, when in events:
            made.append(
                NewRow.of(
                    ReferralEvent,
                    id=uuid7(),
                    referral_id=referral.id,
                    person_id=person.id,
                    kind="status",
                    from_status=old.value if old else "",
                    to_status=new.value,
                    at=when,
                    note="",
                )
            )
