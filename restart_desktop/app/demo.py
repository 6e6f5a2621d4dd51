"""Demo data: plainly fictional people for the README's run command, tests and benchmarks.

Every name is obviously invented (family names such as "Example" and "Sample"), prison numbers
use the letter Z, which NOMIS does not issue, and the user is "Demo Team Leader" (a supervisor
with a caseload, so the demo shows review and the figures as well as casework). With the
same seed and the same day the content is the same; dates are relative to today so that the
caseload always has people due out soon.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.app.demo_intake import add_allocator, demo_intake
from restart_desktop.app.demo_outcomes import demo_outcomes
from restart_desktop.app.release import item_id_for, new_plan
from restart_desktop.app.session import DEMO_PASSPHRASE, AppSession, enrol
from restart_desktop.domain.allocation import HandoverKind
from restart_desktop.domain.case import CaseStatus, ConsentMethod, ReferralSource, Role
from restart_desktop.domain.checklist import FirstNight, ItemState
from restart_desktop.domain.clock import at_local, local_date
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.notes import ContactType
from restart_desktop.domain.outcomes import AreaScore
from restart_desktop.domain.referrals import ReferralStatus
from restart_desktop.domain.release import FRIDAY, is_working_day, release_flags
from restart_desktop.domain.review import ReviewAction, ReviewItemKind
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.store.changes import Actor
from restart_desktop.store.models import (
    Addendum,
    Assessment,
    Barrier,
    ContactNote,
    FieldChange,
    FollowUpAction,
    Handover,
    Person,
    Referral,
    ReferralEvent,
    ReleasePlanItem,
    Review,
    Worker,
)

GIVEN_NAMES = (
    "Alfie",
    "Bobby",
    "Callum",
    "Danny",
    "Eddie",
    "Frankie",
    "Gary",
    "Harvey",
    "Ian",
    "Jamie",
    "Kieran",
    "Liam",
    "Mason",
    "Nathan",
    "Owen",
    "Paddy",
    "Reece",
    "Sam",
    "Tyler",
    "Wes",
    "Aled",
    "Dafydd",
    "Tomasz",
    "Piotr",
    "Yusuf",
    "Omar",
    "Kofi",
    "Dean",
    "Lee",
    "Ryan",
)
FAMILY_NAMES = (
    "Example",
    "Sample",
    "Fictional",
    "Madeup",
    "Pretend",
    "Notreal",
    "Testcase",
    "Placeholder",
    "Specimen",
    "Mockford",
    "Dummyson",
    "Fakeley",
    "Inventwell",
    "Storybook",
    "Imaginary",
    "Demoson",
    "Trialby",
    "Prototype",
    "Practise",
    "Exemplar",
)
COLLEAGUES = (
    ("Demo Colleague (Connection Support)", "connection_support"),
    ("Demo Colleague (Thames Valley Partnership)", "thames_valley_partnership"),
)
# The programme's manager: a second supervisor, who reviews the demo user's own notes.
MANAGER = ("Demo Service Delivery Manager", "opcc_thames_valley")
REVIEWED_SHARE = 0.8  # of notes, release days and referrals older than REVIEW_AFTER_DAYS
REVIEW_AFTER_DAYS = 14
NEED_CODES = (
    "accommodation",
    "substance_misuse",
    "benefits",
    "id_and_bank",
    "health",
    "mental_health",
    "employment_training",
    "family",
)
STATUS_WEIGHTS = {
    CaseStatus.RECOMMENDED: 8,
    CaseStatus.ACCEPTED: 10,
    CaseStatus.ENGAGED_IN_CUSTODY: 30,
    CaseStatus.RELEASED: 15,
    CaseStatus.SUPPORTED_IN_COMMUNITY: 20,
    CaseStatus.CLOSED: 5,
    CaseStatus.DECLINED: 2,
}
BATCH = 1000
HOUSING_CHOICES = ("oxford", "oxford", "oxford", "cherwell", "reading", "slough", "")
SOON_SHARE = 0.05  # of people still inside: due out in the coming week (the Today view)
# The first demo people, so that Today always shows a release today, one still to record
# from yesterday and one tomorrow: (status, days from today).
FIXED_RELEASES = (
    (CaseStatus.ENGAGED_IN_CUSTODY, 0),
    (CaseStatus.ENGAGED_IN_CUSTODY, -1),
    (CaseStatus.ACCEPTED, 1),
)
FRIDAY_SHARE = 0.33  # about a third of releases happen on a Friday (domain.md)


@dataclass(frozen=True)
class DemoSummary:
    cases: int
    workers: int
    notes: int


def _seeded_id(rng: random.Random, when: dt.datetime) -> str:
    return uuid7(int(when.timestamp() * 1000), rand=rng.getrandbits(80))


def create_demo_folder(
    paths: DataPaths,
    *,
    cases: int = 60,
    seed: int = 1,
    today: dt.date | None = None,
    kdf: KdfParams | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AppSession:
    """Enrol a new demo folder and fill it. Refuses a folder that already holds data."""
    session = enrol(
        paths,
        name="Demo Team Leader",
        organisation_code="aspire_oxford",
        role=Role.SUPERVISOR,
        passphrase=DEMO_PASSPHRASE,
        demo=True,
        kdf=kdf,
    )
    fill_demo_data(session, cases=cases, seed=seed, today=today, progress=progress)
    return session


def fill_demo_data(
    session: AppSession,
    *,
    cases: int,
    seed: int,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    rng = random.Random(seed)
    today = today or dt.date.today()
    anchor = at_local(today, dt.time(9, 0))
    prisons = [p.code for p in session.reference.prisons if p.code != "other"]
    sentence_types = [t.code for t in session.reference.sentence_types]
    holidays = session.reference.bank_holiday_dates
    with session.db.write() as s:
        colleague_ids = []
        for name, organisation in COLLEAGUES:
            worker = Worker(id=_seeded_id(rng, anchor), name=name, organisation_code=organisation)
            s.add(worker)
            colleague_ids.append(worker.id)
        manager = Worker(
            id=_seeded_id(rng, anchor),
            name=MANAGER[0],
            organisation_code=MANAGER[1],
            role=Role.SUPERVISOR.value,
        )
        s.add(manager)
        add_allocator(s, uuid7(int(anchor.timestamp() * 1000), rand=seed))
        organisations = {
            session.worker.id: session.worker.organisation_code,
            **{w: o for w, (_n, o) in zip(colleague_ids, COLLEAGUES, strict=True)},
        }
    worker_ids = [session.worker.id, session.worker.id, session.worker.id, *colleague_ids]
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    done = notes = 0
    while done < cases:
        batch = min(BATCH, cases - done)
        with session.db.write() as s:
            people = [
                _demo_person(
                    rng,
                    today,
                    anchor,
                    prisons,
                    sentence_types,
                    worker_ids,
                    statuses,
                    weights,
                    holidays,
                    FIXED_RELEASES[n] if done + n < len(FIXED_RELEASES) else None,
                )
                for n in range(batch)
            ]
            s.add_all(people)
            s.flush()
            for person in people:
                author = person.allocated_worker_id or session.worker.id
                notes += _demo_contacts(s, rng, person, today, author)
                _demo_allocation(s, rng, person, session.worker.id, colleague_ids)
                _demo_history(s, rng, person)
                _demo_plan(s, rng, person, session, today)
                demo_outcomes(s, person, session.reference, today)
                _demo_referrals(s, rng, person, session, today)
                _demo_assessments(s, rng, person, session, today)
            demo_intake(s, seed + done, people, organisations)
            ids = [person.id for person in people]
        if done == 0:
            _demo_barriers(ids, session, rng, today)
        _demo_reviews(session, rng, today, ids, manager.id)
        done += batch
        if progress:
            progress(done, cases)
    return DemoSummary(cases=cases, workers=len(worker_ids) - 2, notes=notes)


# Notes per person by status: about ten on average, so 10,000 people carry 100,000 notes.
NOTES_BY_STATUS = {
    CaseStatus.RECOMMENDED: (0, 2),
    CaseStatus.ACCEPTED: (1, 5),
    CaseStatus.ENGAGED_IN_CUSTODY: (5, 15),
    CaseStatus.RELEASED: (8, 18),
    CaseStatus.SUPPORTED_IN_COMMUNITY: (10, 20),
    CaseStatus.CLOSED: (8, 16),
    CaseStatus.DECLINED: (0, 0),
}
# One hundred invented place names, each in about 0.1% of notes: search benchmarks use them.
RARE_PLACES = tuple(
    a + b
    for a in ("Ash", "Bram", "Cold", "Dun", "Elm", "Fen", "Glen", "Hart", "Ivy", "Kings")
    for b in ("bury", "combe", "ford", "ham", "ley", "mere", "stead", "ton", "wick", "worth")
)
RARE_PLACE_SHARE = 0.1  # a tenth of notes name one of the hundred places
OPENINGS = (
    "Met {name} on the wing; he was calm and keen to talk about release.",
    "Short visit: {name} had just come back from education and was tired.",
    "{name} asked for the visit through the resettlement team.",
    "Spoke to {name} by phone from the resettlement office.",
    "{name} was worried about where he will sleep on the first night.",
)
MIDDLES = (
    "We went through the housing options again and the Duty to Refer to his council.",
    "He wants to stay away from old friends in town and asked about hostels elsewhere.",
    "He has no ID: we agreed to apply for a birth certificate before release.",
    "Prescription continuity is the main worry; the healthcare team will send a summary.",
    "He asked about the Universal Credit advance and the first Jobcentre appointment.",
    "Talked about his daughter and whether contact could restart after release.",
    "He would like a CSCS card course; the education team has a place next month.",
    "Naloxone was explained and he agreed to take a kit on release.",
    "His probation officer changed recently; he has not met the new one yet.",
    "Debt letters are piling up at his old address; we will ask the debt advice service.",
)
CLOSINGS = (
    "Next visit booked for next week.",
    "I will chase the council and report back.",
    "He thanked us and asked us to meet him at the gate.",
    "We will go through it again next time.",
    "No concerns raised today.",
)
ACTION_TEXTS = (
    "Send Duty to Refer form to the council",
    "Apply for birth certificate",
    "Chase healthcare summary for the GP",
    "Book first Jobcentre appointment",
    "Ask probation for the initial appointment time",
    "Find a CAS3 bed for the first night",
    "Give bank account application pack",
)
NOTE_LOCATIONS = ("HMP Bullingdon, A wing", "HMP Bullingdon, C wing", "Visits hall", "")
NOTE_TYPES = (
    (ContactType.IN_PERSON, 6),
    (ContactType.OFFICIAL_VISIT, 2),
    (ContactType.PHONE, 3),
    (ContactType.VIA_PRISON_STAFF, 1),
    (ContactType.LETTER, 1),
    (ContactType.NOT_SEEN, 1),
)


def _demo_text(rng: random.Random, name: str) -> str:
    sentences = [rng.choice(OPENINGS).format(name=name)]
    sentences += rng.sample(MIDDLES, rng.randint(1, 3))
    if rng.random() < RARE_PLACE_SHARE:
        sentences.append(f"He mentioned a cousin in {rng.choice(RARE_PLACES)} (demo place).")
    sentences.append(rng.choice(CLOSINGS))
    return " ".join(sentences)


def _demo_contacts(
    s: Session, rng: random.Random, person: Person, today: dt.date, worker_id: str
) -> int:
    """Finalised notes, a few addenda and actions for one demo person. Returns notes made."""
    low, high = NOTES_BY_STATUS[CaseStatus(person.status)]
    count = rng.randint(low, high)
    start = person.referral_date or today - dt.timedelta(days=120)
    span = max((today - start).days, 1)
    types = [t for t, _ in NOTE_TYPES]
    type_weights = [w for _, w in NOTE_TYPES]
    name = person.preferred_name or person.given_name
    notes: list[ContactNote] = []
    for _ in range(count):
        day = start + dt.timedelta(days=rng.randint(0, span))
        kind = rng.choices(types, type_weights)[0]
        note = ContactNote(
            id=uuid7(int(at_local(day, dt.time(9)).timestamp() * 1000), rand=rng.getrandbits(80)),
            person_id=person.id,
            worker_id=worker_id,
            contact_at=at_local(day, dt.time(rng.randint(8, 16), rng.choice((0, 30)))),
            contact_type=kind.value,
            not_seen_reason="He was at a legal visit (demo)"
            if kind == ContactType.NOT_SEEN
            else "",
            location=rng.choice(NOTE_LOCATIONS),
            duration_minutes=rng.choice((None, 20, 30, 45, 60)),
            text=_demo_text(rng, name),
            needs=sorted(rng.sample(list(person.needs), min(len(person.needs), 2))),
        )
        notes.append(note)
    s.add_all(notes)
    if notes:
        s.flush()  # addenda and actions refer to the notes
    for note in notes:
        if rng.random() < 0.05:
            s.add(
                Addendum(
                    note_id=note.id,
                    person_id=person.id,
                    text="Correction (demo): the visit was on the wing, not in the hall.",
                )
            )
    if notes and person.status not in (CaseStatus.CLOSED.value, CaseStatus.DECLINED.value):
        for text in rng.sample(ACTION_TEXTS, rng.randint(0, 3)):
            due = today + dt.timedelta(days=rng.randint(-10, 21))
            done = rng.random() < 0.3
            s.add(
                FollowUpAction(
                    person_id=person.id,
                    note_id=notes[-1].id,
                    description=text,
                    owner=rng.choice(("worker", "worker", "person", "partner")),
                    due_date=due,
                    status="done" if done else "open",
                    outcome="Done (demo)" if done else "",
                )
            )
    return len(notes)


def _release_day(rng: random.Random, day: dt.date, holidays: frozenset[dt.date]) -> dt.date:
    """A plausible release day near ``day``: about a third on a Friday, never a weekend or bank
    holiday (people are not released on those)."""
    if rng.random() < FRIDAY_SHARE:
        day += dt.timedelta(days=(FRIDAY - day.weekday()) % 7)
    while not is_working_day(day, holidays):
        day -= dt.timedelta(days=1)
    return day


def _demo_person(
    rng: random.Random,
    today: dt.date,
    anchor: dt.datetime,
    prisons: list[str],
    sentence_types: list[str],
    worker_ids: list[str],
    statuses: list[CaseStatus],
    weights: list[int],
    holidays: frozenset[dt.date],
    fixed: tuple[CaseStatus, int] | None = None,
) -> Person:
    status = rng.choices(statuses, weights)[0]
    released = status in (CaseStatus.RELEASED, CaseStatus.SUPPORTED_IN_COMMUNITY, CaseStatus.CLOSED)
    offset = -rng.randint(1, 120) if released else rng.randint(0, 150)
    if not released and rng.random() < SOON_SHARE:
        offset = rng.randint(-2, 7)  # due out this week, or out and still to record
    release = _release_day(rng, today + dt.timedelta(days=offset), holidays)
    if not released and offset >= 0:
        release = max(release, today)
    if fixed is not None:
        status, offset = fixed
        release = today + dt.timedelta(days=offset)
        while offset and not is_working_day(release, holidays):
            release += dt.timedelta(days=1 if offset > 0 else -1)
    referral = min(release, today) - dt.timedelta(days=rng.randint(20, 200))
    given = rng.choice(GIVEN_NAMES)
    needs = sorted(rng.sample(NEED_CODES, rng.randint(1, 4)))
    if rng.random() < 0.7 and "accommodation" not in needs:
        needs = sorted([*needs, "accommodation"])
    consent = status != CaseStatus.RECOMMENDED and rng.random() < 0.85
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXY") for _ in range(2))
    return Person(
        id=_seeded_id(rng, anchor),
        given_name=given,
        family_name=rng.choice(FAMILY_NAMES),
        preferred_name=given[:3] if rng.random() < 0.1 else "",
        date_of_birth=dt.date(rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28)),
        nomis_number=f"Z{rng.randint(1000, 9999)}{letters}" if rng.random() < 0.9 else "",
        crn=f"Z{rng.randint(100000, 999999)}" if rng.random() < 0.7 else "",
        prison_code=rng.choice(prisons[:1] * 6 + prisons),
        release_date=release,
        release_time=rng.choice(["08:00", "08:30", "09:00", "10:00", "13:30", ""]),
        sentence_type=rng.choice(sentence_types),
        iom=rng.random() < 0.03,
        mappa=rng.random() < 0.02,
        referral_source=rng.choice(list(ReferralSource)).value,
        referral_date=referral,
        allocated_worker_id=rng.choice(worker_ids) if rng.random() < 0.95 else None,
        has_settled_address=rng.random() < 0.3,
        consent_given=consent,
        consent_date=referral + dt.timedelta(days=rng.randint(1, 15)) if consent else None,
        consent_method=rng.choice([m.value for m in ConsentMethod]) if consent else "",
        consent_scope="Partner agencies named in the RESTART information sheet (demo)"
        if consent
        else "",
        consent_categories=sorted(set(needs) | {"accommodation", "benefits"}) if consent else [],
        housing_authority=rng.choice(HOUSING_CHOICES),
        needs=needs,
        status=status.value,
        status_reason=f"Demo: {status.label.lower()}",
    )


# --- release plans ------------------------------------------------------------------------
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


def _demo_plan(
    s: Session, rng: random.Random, person: Person, session: AppSession, today: dt.date
) -> None:
    """A release plan like a worker's: ticked as the day nears, with an outcome once out."""
    release = person.release_date
    if release is None or person.status == CaseStatus.DECLINED.value:
        return
    days = (release - today).days
    if days > 60 or days < -60:
        return  # plans of long-ago releases, and of releases months away, are left out
    plan = new_plan(s, person, session.reference, 1)
    template = session.reference.default_checklist
    moment = at_local(release, dt.time(8, 0))
    worker = person.allocated_worker_id or session.worker.id
    out = person.status in {
        CaseStatus.RELEASED.value,
        CaseStatus.SUPPORTED_IN_COMMUNITY.value,
        CaseStatus.CLOSED.value,
    }
    # Share of items ticked: all once out, about half a week before, little a month before.
    share = 0.95 if out else max(0.0, min(0.9, 1.0 - days / 10))
    demo_now = at_local(today, dt.time(9, 0))  # a morning's work so far
    flags = release_flags(
        release, person.has_settled_address, today, session.reference.bank_holiday_dates
    )
    for item in template.items:
        due = item.due_at(release, person.release_time)
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
        s.add(
            ReleasePlanItem(
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
    elif 0 <= days <= 2 and rng.random() < 0.5:
        # The prison moved the release at short notice.
        previous = release + dt.timedelta(days=rng.choice((1, 2)))
        while not is_working_day(previous, session.reference.bank_holiday_dates):
            previous += dt.timedelta(days=1)
        plan.previous_release_date = previous
        plan.previous_release_time = person.release_time
        plan.release_changed_at = at_local(today, dt.time(15, 20)) - dt.timedelta(days=1)


# --- referrals --------------------------------------------------------------------------------
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


def _demo_referrals(
    s: Session, rng: random.Random, person: Person, session: AppSession, today: dt.date
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
        made = min(today, start + dt.timedelta(days=rng.randint(5, 40)))
        path = rng.choices([p for p, _ in REFERRAL_PATHS], [w for _, w in REFERRAL_PATHS])[0]
        if path == (ReferralStatus.SENT,):
            # Still waiting: sent in the last fortnight, so some are due a chase today.
            made = today - dt.timedelta(days=rng.randint(3, 14))
        referral = Referral(
            person_id=person.id,
            service_code=service.code,
            service=service.to_json(),
            category=service.category,
            needs=[service.category],
            reason=f"{service.service} after release (demo).",
            urgency=rng.choice(("routine", "routine", "urgent")),
            how_sent=service.how_to_refer,
            made_on=made,
            status=ReferralStatus.DRAFT.value,
        )
        if not person.consent_given and path:
            referral.consent_override = "Safeguarding duty (demo)."
        s.add(referral)
        s.flush()
        at = at_local(made, dt.time(10, 0))
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
            s.add(
                ReferralEvent(
                    referral_id=referral.id,
                    person_id=person.id,
                    kind="status",
                    from_status=old.value if old else "",
                    to_status=new.value,
                    at=when,
                    note="",
                )
            )


# --- outcome assessments and barriers ------------------------------------------------------------
ASSESSED = (
    CaseStatus.ENGAGED_IN_CUSTODY.value,
    CaseStatus.RELEASED.value,
    CaseStatus.SUPPORTED_IN_COMMUNITY.value,
    CaseStatus.CLOSED.value,
)


def _demo_assessments(
    s: Session, rng: random.Random, person: Person, session: AppSession, today: dt.date
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
        s.add(
            Assessment(
                person_id=person.id,
                assessed_on=on,
                present="The person and their worker (demo)",
                scores=scores,
                agreed=True,
                disagreement="",
                finalised_at=None if draft else at_local(on, dt.time(16, 0)),
            )
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


def _demo_barriers(
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


def _demo_allocation(
    s: Session, rng: random.Random, person: Person, own: str, colleagues: list[str]
) -> None:
    """The allocation decision behind each allocated case, and now and then a handover from a
    colleague or a share for a release day."""
    if person.allocated_worker_id is None:
        return
    at = at_local(person.referral_date or dt.date.today(), dt.time(11))
    first = person.allocated_worker_id
    if person.allocated_worker_id == own and rng.random() < 0.1:
        first = rng.choice(colleagues)
    reason = "Allocated by the team leader: prison area caseload (demo)."
    s.add(
        Handover(
            person_id=person.id,
            kind=HandoverKind.ALLOCATION.value,
            from_worker_id=None,
            to_worker_id=first,
            note=reason,
            at=at,
        )
    )
    s.add(
        FieldChange(
            person_id=person.id,
            field="allocated_worker_id",
            old_value=None,
            new_value=first,
            reason=reason,
            at=at,
        )
    )
    if first != person.allocated_worker_id:
        note = rng.choice(HANDOVER_NOTES)
        s.add(
            Handover(
                person_id=person.id,
                kind=HandoverKind.HANDOVER.value,
                from_worker_id=first,
                to_worker_id=person.allocated_worker_id,
                note=note,
                at=at + dt.timedelta(days=9),
            )
        )
        s.add(
            FieldChange(
                person_id=person.id,
                field="allocated_worker_id",
                old_value=first,
                new_value=person.allocated_worker_id,
                reason=note,
                at=at + dt.timedelta(days=9),
            )
        )
    elif person.allocated_worker_id != own and rng.random() < 0.05:
        s.add(
            Handover(
                person_id=person.id,
                kind=HandoverKind.SHARE.value,
                from_worker_id=person.allocated_worker_id,
                to_worker_id=own,
                note="Please meet him at the gate on release day (demo).",
                at=at + dt.timedelta(days=5),
            )
        )


def _demo_history(s: Session, rng: random.Random, person: Person) -> None:
    """Changes to fields that matter, with their reasons: a moved release date, consent
    recorded, now and then a legal hold."""
    at = at_local(person.referral_date or dt.date.today(), dt.time(15))
    if person.consent_given:
        s.add(
            FieldChange(
                person_id=person.id,
                field="consent_given",
                old_value=False,
                new_value=True,
                reason="Consent form signed at induction (demo).",
                at=at + dt.timedelta(days=3),
            )
        )
    if person.release_date is not None and rng.random() < 0.2:
        earlier = person.release_date - dt.timedelta(days=rng.choice((7, 14, 21)))
        s.add(
            FieldChange(
                person_id=person.id,
                field="release_date",
                old_value=earlier.isoformat(),
                new_value=person.release_date.isoformat(),
                reason=rng.choice(RELEASE_REASONS),
                at=at + dt.timedelta(days=6),
            )
        )
    # Now and then a legal hold, most often on a closed case (it keeps it from erasure).
    if rng.random() < (0.25 if person.status == CaseStatus.CLOSED.value else 0.005):
        person.legal_hold = True
        s.add(
            FieldChange(
                person_id=person.id,
                field="legal_hold",
                old_value=False,
                new_value=True,
                at=at + dt.timedelta(days=8),
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
RETURN_COMMENTS = (
    "Please add what was agreed about the first night (demo).",
    "Which council was the Duty to Refer sent to? Add it in an addendum (demo).",
)
COMMENTS = (
    "Good note: clear actions and dates (demo).",
    "Worth raising the prescription gap as a barrier (demo).",
)


def _demo_reviews(
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
            (ReviewItemKind.NOTE, n.id, n.person_id, n.worker_id, n.contact_at)
            for n in s.scalars(
                select(ContactNote).where(
                    ContactNote.person_id.in_(person_ids), ContactNote.contact_at < cutoff
                )
            )
        ]
        items += [
            (
                ReviewItemKind.REFERRAL,
                r.id,
                r.person_id,
                r.created_by,
                at_local(r.made_on, dt.time(12)),
            )
            for r in s.scalars(
                select(Referral).where(
                    Referral.person_id.in_(person_ids),
                    Referral.status != "draft",
                    Referral.made_on < local_date(cutoff),
                )
            )
        ]
    returned_own = commented_own = 0
    for database in (session.db, as_manager):
        mine = database is as_manager  # the manager reviews the demo user's records
        with database.write() as s:
            for kind, item_id, person_id, worker_id, when in items:
                if (worker_id == own) != mine:
                    continue
                at = when + dt.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6))
                roll = rng.random()
                review = {
                    "item_kind": kind.value,
                    "item_id": item_id,
                    "person_id": person_id,
                    "worker_id": worker_id,
                }
                if roll < REVIEWED_SHARE:
                    s.add(Review(**review, action=ReviewAction.REVIEWED.value, comment="", at=at))
                elif roll < 0.81 and kind == ReviewItemKind.NOTE and (not mine or returned_own < 2):
                    returned_own += mine
                    s.add(
                        Review(
                            **review,
                            action=ReviewAction.RETURNED.value,
                            comment=rng.choice(RETURN_COMMENTS),
                            at=at,
                        )
                    )
                elif roll < 0.82 and (not mine or commented_own < 4):
                    commented_own += mine
                    s.add(
                        Review(
                            **review,
                            action=ReviewAction.COMMENT.value,
                            comment=rng.choice(COMMENTS),
                            at=at,
                        )
                    )
