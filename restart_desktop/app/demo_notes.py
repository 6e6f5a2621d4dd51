"""Demo contact notes: about ten finalised notes a person, written like a worker's (a tenth
name one of a hundred invented places, for the search benchmarks), a few addenda, and the
actions agreed at the latest visit."""

from __future__ import annotations

import datetime as dt
import random

from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.clock import at_local
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.notes import ContactType
from restart_desktop.store.changes import NewRow
from restart_desktop.store.models import (
    Addendum,
    ContactNote,
    FollowUpAction,
    Person,
    SyncedRecord,
)

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


def demo_text(rng: random.Random, name: str) -> str:
    sentences = [rng.choice(OPENINGS).format(name=name)]
    sentences += rng.sample(MIDDLES, rng.randint(1, 3))
    if rng.random() < RARE_PLACE_SHARE:
        sentences.append(f"He mentioned a cousin in {rng.choice(RARE_PLACES)} (demo place).")
    sentences.append(rng.choice(CLOSINGS))
    return " ".join(sentences)


def demo_contacts(
    made: list[SyncedRecord | NewRow],
    rng: random.Random,
    person: Person,
    today: dt.date,
    worker_id: str,
) -> int:
    """Finalised notes, a few addenda and actions for one demo person, added to ``made``.
    Returns the number of notes."""
    low, high = NOTES_BY_STATUS[CaseStatus(person.status)]
    count = rng.randint(low, high)
    start = person.referral_date or today - dt.timedelta(days=120)
    span = max((today - start).days, 1)
    types = [t for t, _ in NOTE_TYPES]
    type_weights = [w for _, w in NOTE_TYPES]
    name = person.preferred_name or person.given_name
    notes: list[NewRow] = []
    for _ in range(count):
        day = start + dt.timedelta(days=rng.randint(0, span))
        kind = rng.choices(types, type_weights)[0]
        note = NewRow.of(
            ContactNote,
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
            text=demo_text(rng, name),
            needs=sorted(rng.sample(list(person.needs), min(len(person.needs), 2))),
        )
        notes.append(note)
    made.extend(notes)
    for note in notes:
        if rng.random() < 0.05:
            made.append(
                NewRow.of(
                    Addendum,
                    id=uuid7(),
                    note_id=note.values["id"],
                    person_id=person.id,
                    text="Correction (demo): the visit was on the wing, not in the hall.",
                )
            )
    if notes and person.status not in (CaseStatus.CLOSED.value, CaseStatus.DECLINED.value):
        for text in rng.sample(ACTION_TEXTS, rng.randint(0, 3)):
            due = today + dt.timedelta(days=rng.randint(-10, 21))
            done = rng.random() < 0.3
            made.append(
                NewRow.of(
                    FollowUpAction,
                    id=uuid7(),
                    person_id=person.id,
                    note_id=notes[-1].values["id"],
                    description=text,
                    owner=rng.choice(("worker", "worker", "person", "partner")),
                    due_date=due,
                    status="done" if done else "open",
                    outcome="Done (demo)" if done else "",
                )
            )
    return len(notes)
