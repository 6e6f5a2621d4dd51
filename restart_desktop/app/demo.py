"""Demo data: plainly fictional people for the README's run command, tests and benchmarks.

Every name is obviously invented (family names such as "Example" and "Sample"), prison numbers
use the letter Z, which NOMIS does not issue, and the worker is called "Demo Worker". With the
same seed and the same day the content is the same; dates are relative to today so that the
caseload always has people due out soon.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from restart_desktop.app.session import DEMO_PASSPHRASE, AppSession, enrol
from restart_desktop.domain.case import CaseStatus, ConsentMethod, ReferralSource, Role
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.release import FRIDAY, is_working_day
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.store.models import Person, Worker

GIVEN_NAMES = (
    "Alfie", "Bobby", "Callum", "Danny", "Eddie", "Frankie", "Gary", "Harvey", "Ian", "Jamie",
    "Kieran", "Liam", "Mason", "Nathan", "Owen", "Paddy", "Reece", "Sam", "Tyler", "Wes",
    "Aled", "Dafydd", "Tomasz", "Piotr", "Yusuf", "Omar", "Kofi", "Dean", "Lee", "Ryan",
)  # fmt: skip
FAMILY_NAMES = (
    "Example", "Sample", "Fictional", "Madeup", "Pretend", "Notreal", "Testcase", "Placeholder",
    "Specimen", "Mockford", "Dummyson", "Fakeley", "Inventwell", "Storybook", "Imaginary",
    "Demoson", "Trialby", "Prototype", "Practise", "Exemplar",
)  # fmt: skip
COLLEAGUES = (
    ("Demo Colleague (Connection Support)", "connection_support"),
    ("Demo Colleague (Thames Valley Partnership)", "thames_valley_partnership"),
)
NEED_CODES = (
    "accommodation", "substance_misuse", "benefits", "id_and_bank", "health",
    "mental_health", "employment_training", "family",
)  # fmt: skip
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
FRIDAY_SHARE = 0.33  # about a third of releases happen on a Friday (domain.md)


@dataclass(frozen=True)
class DemoSummary:
    cases: int
    workers: int


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
        name="Demo Worker",
        organisation_code="aspire_oxford",
        role=Role.WORKER,
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
    anchor = dt.datetime.combine(today, dt.time(9, 0))
    prisons = [p.code for p in session.reference.prisons if p.code != "other"]
    sentence_types = [t.code for t in session.reference.sentence_types]
    holidays = session.reference.bank_holiday_dates
    with session.db.write() as s:
        colleague_ids = []
        for name, organisation in COLLEAGUES:
            worker = Worker(id=_seeded_id(rng, anchor), name=name, organisation_code=organisation)
            s.add(worker)
            colleague_ids.append(worker.id)
    worker_ids = [session.worker.id, session.worker.id, session.worker.id, *colleague_ids]
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    done = 0
    while done < cases:
        batch = min(BATCH, cases - done)
        with session.db.write() as s:
            for _ in range(batch):
                s.add(_demo_person(rng, today, anchor, prisons, sentence_types, worker_ids,
                                   statuses, weights, holidays))
        done += batch
        if progress:
            progress(done, cases)
    return DemoSummary(cases=cases, workers=len(worker_ids) - 2)


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
) -> Person:
    status = rng.choices(statuses, weights)[0]
    released = status in (CaseStatus.RELEASED, CaseStatus.SUPPORTED_IN_COMMUNITY,
                          CaseStatus.CLOSED)
    offset = -rng.randint(1, 120) if released else rng.randint(0, 150)
    release = _release_day(rng, today + dt.timedelta(days=offset), holidays)
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
        needs=needs,
        status=status.value,
        status_reason=f"Demo: {status.label.lower()}",
    )
