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

from restart_desktop.app.demo_casework import (
    demo_allocation,
    demo_assessments,
    demo_history,
    demo_status_moves,
)
from restart_desktop.app.demo_intake import add_allocator, demo_intake
from restart_desktop.app.demo_notes import demo_contacts
from restart_desktop.app.demo_outcomes import demo_outcomes
from restart_desktop.app.demo_plans import demo_plan, demo_referrals
from restart_desktop.app.demo_review import demo_barriers, demo_reviews
from restart_desktop.app.release_plans import snapshot
from restart_desktop.app.session import DEMO_PASSPHRASE, AppSession, enrol
from restart_desktop.domain.case import CaseStatus, ConsentMethod, ReferralSource, Role
from restart_desktop.domain.clock import at_local
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.intake import DecisionKind
from restart_desktop.domain.release import FRIDAY, is_working_day
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.store.changes import LaterEdit, NewRow, write_created
from restart_desktop.store.intake_models import IntakeDecision
from restart_desktop.store.models import Person, SyncedRecord, Worker

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
#: How long ago a case still waiting for its decision was recommended, and one accepted but
#: not yet engaged (days): recent, so that the latest weeks have recommendations and
#: acceptances like any other (the others were all recommended 20 days ago or more; the
#: allocation decision, up to 12 days on, is never later than the demo's moment).
WAITING_DAYS = (1, 60)
ACCEPTED_DAYS = (2, 60)


@dataclass(frozen=True)
class DemoSummary:
    cases: int
    workers: int
    notes: int


@dataclass(frozen=True)
class DemoTeam:
    """Who the demo people are allocated to, and what their records refer to."""

    worker_ids: list[str]  # the demo user three times (most cases are theirs), colleagues
    colleague_ids: list[str]
    manager_id: str
    organisations: dict[str, str]  # worker id -> organisation code
    snapshot_id: str  # the checklist the release plans start from


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
    """Fill the folder, a thousand people to a transaction. The records of a batch are made
    as plain instances and written at once below the ORM (``store.changes.write_created``:
    the same changes, case index and audit trail as the session hook writes, at a tenth of
    the cost), so that 10,000 cases are seeded in well under a minute."""
    rng = random.Random(seed)
    today = today or session.clock.today()
    anchor = at_local(today, dt.time(9, 0))
    team = _demo_team(session, rng, anchor, seed)
    done = notes = 0
    while done < cases:
        batch = min(BATCH, cases - done)
        made: list[SyncedRecord | NewRow] = []
        people = [
            _demo_person(
                rng,
                today,
                anchor,
                session,
                team.worker_ids,
                FIXED_RELEASES[done + n] if done + n < len(FIXED_RELEASES) else None,
            )
            for n in range(batch)
        ]
        made += people
        for person in people:
            notes += _demo_case(made, rng, person, session, team, today)
        intake = demo_intake(seed + done, people, team.organisations, anchor)
        made += intake
        moves = _status_moves(seed + done, people, intake, anchor)
        with session.db.write(bulk=True) as s:  # a thousand people: a larger page cache
            write_created(s, [*made, *moves])
        ids = [person.id for person in people]
        if done == 0:
            demo_barriers(ids, session, rng, today)
        demo_reviews(session, rng, today, ids, team.manager_id)
        done += batch
        if progress:
            progress(done, cases)
    return DemoSummary(cases=cases, workers=len(team.worker_ids) - 2, notes=notes)


def _status_moves(
    seed: int, people: list[Person], intake: list[SyncedRecord], now: dt.datetime
) -> list[NewRow | LaterEdit]:
    """Each person's steps to their status, at the times they were taken (after everything
    else about them is made: it turns them back to Recommended until the first step). Its own
    random stream: the rest of the demo is the same with or without it."""
    rng = random.Random(seed * 7907 + 31)
    decided = {
        record.person_id: record.at
        for record in intake
        if isinstance(record, IntakeDecision) and record.decision != DecisionKind.MORE_INFORMATION
    }
    moves: list[NewRow | LaterEdit] = []
    for person in people:
        moves += demo_status_moves(rng, person, decided.get(person.id), now)
    return moves


def _demo_team(session: AppSession, rng: random.Random, anchor: dt.datetime, seed: int) -> DemoTeam:
    """The demo user's colleagues, the manager who reviews the user's own records, the
    allocator, and the checklist snapshot the plans start from."""
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
        snapshot_id = snapshot(s, session.reference.default_checklist).id
    return DemoTeam(
        worker_ids=[session.worker.id, session.worker.id, session.worker.id, *colleague_ids],
        colleague_ids=colleague_ids,
        manager_id=manager.id,
        organisations={
            session.worker.id: session.worker.organisation_code,
            **{w: o for w, (_n, o) in zip(colleague_ids, COLLEAGUES, strict=True)},
        },
        snapshot_id=snapshot_id,
    )


def _demo_case(
    made: list[SyncedRecord | NewRow],
    rng: random.Random,
    person: Person,
    session: AppSession,
    team: DemoTeam,
    today: dt.date,
) -> int:
    """One person's records after their case: notes, allocation, history, release plan,
    outcomes, referrals and assessments, added to ``made``. Returns the notes made."""
    author = person.allocated_worker_id or session.worker.id
    notes = demo_contacts(made, rng, person, today, author)
    now = at_local(today, dt.time(9, 0))  # the demo's moment (``anchor``)
    demo_allocation(made, rng, person, session.worker.id, team.colleague_ids, now)
    demo_history(made, rng, person, now)
    released = demo_plan(made, rng, person, session, today, team.snapshot_id)
    demo_outcomes(made, person, session.reference, today, released)
    demo_referrals(made, rng, person, session, today)
    demo_assessments(made, rng, person, session, today)
    return notes


def _release_day(
    rng: random.Random,
    day: dt.date,
    holidays: frozenset[dt.date],
    before: dt.date | None = None,
    after: dt.date | None = None,
) -> dt.date:
    """A plausible release day in the week of ``day``: about a third on the Friday, the rest
    spread over Monday to Thursday, never a weekend or bank holiday (people are not released
    on those: a release due on one comes on the working day before). The day is earlier than
    ``before`` (a release already made) and not earlier than ``after`` (one to come), a week
    on or back where it has to be. Weekends once moved back to the Friday as well, and 62%
    of the demo's releases fell on one."""
    week = dt.timedelta(days=7)
    monday = day - dt.timedelta(days=day.weekday())
    weekday = FRIDAY if rng.random() < FRIDAY_SHARE else rng.randrange(FRIDAY)
    day = monday + dt.timedelta(days=weekday)
    for _week in range(8):  # a bank holiday can push it back across the bound once more
        while not is_working_day(day, holidays):
            day -= dt.timedelta(days=1)
        if before is not None and day >= before:
            day -= week
        elif after is not None and day < after:
            day += week
        else:
            break
    return day


def _demo_person(
    rng: random.Random,
    today: dt.date,
    anchor: dt.datetime,
    session: AppSession,
    worker_ids: list[str],
    fixed: tuple[CaseStatus, int] | None = None,
) -> Person:
    reference = session.reference
    prisons = [p.code for p in reference.prisons if p.code != "other"]
    sentence_types = [t.code for t in reference.sentence_types]
    holidays = reference.bank_holiday_dates
    status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
    released = status in (CaseStatus.RELEASED, CaseStatus.SUPPORTED_IN_COMMUNITY, CaseStatus.CLOSED)
    offset = -rng.randint(1, 240) if released else rng.randint(0, 150)
    if not released and rng.random() < SOON_SHARE:
        offset = rng.randint(-2, 7)  # due out this week, or out and still to record
    release = _release_day(
        rng,
        today + dt.timedelta(days=offset),
        holidays,
        before=today if released else None,
        after=today if not released and offset >= 0 else None,
    )
    if not released and offset >= 0:
        release = max(release, today)
    if fixed is not None:
        status, offset = fixed
        release = today + dt.timedelta(days=offset)
        while offset and not is_working_day(release, holidays):
            release += dt.timedelta(days=1 if offset > 0 else -1)
    referral = min(release, today) - dt.timedelta(days=rng.randint(20, 200))
    if status in (CaseStatus.RECOMMENDED, CaseStatus.ACCEPTED):
        low, high = WAITING_DAYS if status == CaseStatus.RECOMMENDED else ACCEPTED_DAYS
        referral = min(today - dt.timedelta(days=rng.randint(low, high)), release)
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
        consent_date=min(today, referral + dt.timedelta(days=rng.randint(1, 15)))
        if consent
        else None,
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
