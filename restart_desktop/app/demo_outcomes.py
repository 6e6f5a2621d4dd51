"""Demo data for outcomes that last: closure reasons on closed cases, earlier custodial
sentences, follow-up checks and returns to custody after some releases (all plainly
fictional).

Each person's values come from a generator seeded with the person's id, so adding them leaves
the rest of the demo data (drawn from the main generator) as it was.
"""

from __future__ import annotations

import datetime as dt
import random

from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.custody import CustodyKind, CustodySource
from restart_desktop.domain.follow_up import Answer, check_due, treatment_applies
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.store.changes import NewRow
from restart_desktop.store.models import CustodyReturn, FollowUpCheck, Person, SyncedRecord

#: How often each closure reason is drawn for a closed demo case.
CLOSURE_WEIGHTS = {
    "support_completed": 40,
    "disengaged": 20,
    "recalled_to_custody": 12,
    "new_custodial_sentence": 5,
    "moved_out_of_area": 8,
    "transferred": 5,
    "programme_ended": 6,
    "died": 1,
    "other": 3,
}
RETURN_SHARE = 0.25  # of people released, about a quarter go back within the demo's year


def demo_outcomes(
    made: list[SyncedRecord | NewRow],
    person: Person,
    reference: ReferenceData,
    today: dt.date,
    released: dt.date | None,
) -> None:
    """The outcomes of one demo person, added to ``made``; ``released``: the day of the
    release whose outcome is recorded, if any."""
    rng = random.Random(person.id)
    if rng.random() < 0.8:
        person.earlier_custodial_sentences = rng.choice([0, 1, 1, 2, 2, 3, 4, 5, 7, 10])
    reasons = [r.code for r in reference.closure_reasons if r.code in CLOSURE_WEIGHTS]
    if person.status == CaseStatus.CLOSED.value and reasons:
        person.closure_reason = rng.choices(reasons, [CLOSURE_WEIGHTS[r] for r in reasons])[0]
        if person.closure_reason == "other":
            person.status_reason = "Demo: went to live with family abroad"
    if released is not None:
        _demo_checks(made, rng, person, reference, released, today)
    custody = next(
        (
            r.custody
            for r in reference.closure_reasons
            if r.code == person.closure_reason and r.custody
        ),
        "",
    )
    if released is None or released >= today or not (custody or rng.random() < RETURN_SHARE):
        return
    kind = CustodyKind(custody) if custody else rng.choice(list(CustodyKind))
    day = released + dt.timedelta(days=rng.randint(3, 300))
    if day < today:
        made.append(
            CustodyReturn(
                id=uuid7(),
                person_id=person.id,
                returned_on=day,
                kind=kind.value,
                source=rng.choice(list(CustodySource)).value,
                released_on=released,
            )
        )


def _demo_checks(
    made: list[SyncedRecord | NewRow],
    rng: random.Random,
    person: Person,
    reference: ReferenceData,
    released: dt.date,
    today: dt.date,
) -> None:
    """Most checks that have fallen due are recorded; a few are still to do."""
    holidays = reference.bank_holiday_dates
    for kind in reference.follow_up_checks:
        due = check_due(released, kind.weeks, holidays)
        if due > today or rng.random() < 0.15:
            continue
        answers = [Answer.YES, Answer.YES, Answer.NO, Answer.NOT_KNOWN]
        made.append(
            FollowUpCheck(
                id=uuid7(),
                person_id=person.id,
                check_code=kind.code,
                released_on=released,
                due_on=due,
                checked_on=min(today, due + dt.timedelta(days=rng.randint(0, 6))),
                accommodation=rng.choice(list(FirstNight)).value,
                universal_credit=rng.choice(answers).value,
                treatment=(
                    rng.choice(answers)
                    if treatment_applies(person.needs or [])
                    else Answer.NOT_APPLICABLE
                ).value,
                gp=rng.choice(answers).value,
                ete=rng.choice(answers).value,
            )
        )
