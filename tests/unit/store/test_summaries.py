"""Summary tables (``store.summaries``) hold what a recount from the records gives, after any
mix of writes: through the change hook, below the ORM (the demo's writer), by a sync import,
and after a retention erasure, whichever of a note and its sign-off arrives first."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path
from typing import Any

from sqlalchemy import text

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.review import ReviewService
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.review import ReviewAction, ReviewItemKind
from restart_desktop.store.changes import Actor, write_created
from restart_desktop.store.database import Database
from restart_desktop.store.erasure import erase_cases
from restart_desktop.store.models import ContactNote, Person, Review, SyncedRecord, Worker
from restart_desktop.store.summaries import RECOUNTS, ReviewWait
from tests.support.clock import local
from tests.support.team import synced_pair

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _held(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Each summary table as it is, beside its recount from the records."""
    found = {}
    with db.read() as s:
        for table, recount in RECOUNTS.items():
            found[table] = [
                tuple(row) for row in s.execute(text(f"SELECT * FROM {table} ORDER BY 1"))
            ]
            found[f"{table} recounted"] = [tuple(row) for row in s.execute(text(recount))]
    return found


def _assert_kept(db: Database) -> None:
    held = _held(db)
    for table in RECOUNTS:
        assert held[table] == held[f"{table} recounted"], table


def test_the_kinds_and_actions_summarised_are_the_domains() -> None:
    """The triggers name a sign-off of a note in SQL text (migration 0026)."""
    assert ReviewItemKind.NOTE.value == "note"
    assert ReviewAction.REVIEWED.value == "reviewed"
    assert "'note'" in RECOUNTS[ReviewWait.__tablename__]


def test_review_waits_equal_a_recount_after_random_writes_and_erasures(
    database: Database, actor: Actor
) -> None:
    rng = random.Random(27)
    workers = [uuid7(), uuid7()]
    with database.write() as s:
        for n, worker in enumerate(workers):
            s.add(Worker(id=worker, name=f"Fictional Worker {n}", organisation_code="aspire"))
    people: list[str] = []
    notes: dict[str, str] = {}  # note id -> its case
    written: set[str] = set()  # notes already in the table
    kinds = [ReviewItemKind.NOTE.value] * 4 + [ReviewItemKind.REFERRAL.value]
    actions = [ReviewAction.REVIEWED.value] * 3 + [ReviewAction.COMMENT.value]

    def at(rng: random.Random) -> dt.datetime:
        return START + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 90))

    def note(case: str, note_id: str) -> ContactNote:
        written.add(note_id)
        return ContactNote(
            id=note_id,
            person_id=case,
            worker_id=rng.choice(workers),
            contact_at=at(rng),
            contact_type="in_person",
            text="A fictional contact.",
        )

    def review(case: str, item: str) -> Review:
        return Review(
            id=uuid7(),
            item_kind=rng.choice(kinds),
            item_id=item,
            person_id=case,
            worker_id=rng.choice(workers),
            action=rng.choice(actions),
            at=at(rng),
        )

    most = 0
    for step in range(80):
        choice = rng.random()
        if choice < 0.15 or not people:
            case = uuid7()
            people.append(case)
            with database.write() as s:
                s.add(Person(id=case, given_name="Testy", family_name=f"Example{step}"))
            continue
        case = rng.choice(people)
        if choice < 0.92:
            # Notes, their sign-offs and comments, some sign-offs before their note (a note
            # id minted now, its note written in a later step), a few naming another case's
            # note (so that an erasure takes a note and leaves its sign-off).
            records: list[SyncedRecord] = []
            for _ in range(rng.randrange(1, 5)):
                known = [n for n, c in notes.items() if c == case or rng.random() < 0.05]
                if rng.random() < 0.4 or not known:
                    note_id = uuid7()
                    notes[note_id] = case
                    if rng.random() < 0.7:
                        records.append(note(case, note_id))
                else:
                    note_id = rng.choice(known)
                    if note_id not in written and rng.random() < 0.5:
                        records.append(note(notes[note_id], note_id))
                records.append(review(case, note_id))
            with database.write() as s:
                if rng.random() < 0.5:
                    write_created(s, records)  # the demo's writer, below the ORM
                else:
                    for record in records:
                        s.add(record)  # through the change hook
        else:
            people.remove(case)
            with database.write() as s:
                erase_cases(s, [case], actor.device_id, scrub=False)
            for note_id in [n for n, c in notes.items() if c == case]:
                del notes[note_id]
                written.discard(note_id)
        _assert_kept(database)
        most = max(most, len(_held(database)[ReviewWait.__tablename__]))
    assert most > 10  # the test wrote sign-offs that count


def test_review_waits_of_a_sync_import_equal_a_recount(tmp_path: Path) -> None:
    """A worker's note signed off by the supervisor: both laptops hold its wait, the
    worker's from the import of the supervisor's bundle (below the per-row hook)."""
    with synced_pair(tmp_path / "team") as (supervisor, worker):
        case = (
            CaseService(worker)
            .create_case(CaseFields(given_name="Testy", family_name="Waited"))
            .case_id
        )
        NoteService(worker).finalise(
            DraftFields(case, local(2026, 11, 20, 10, 0), text="Fictional note."), confirmed=True
        )
        SyncService(worker).sync_now()
        SyncService(supervisor).sync_now()
        with supervisor.db.read() as s:
            note_id = s.execute(text("SELECT id FROM contact_notes")).scalar_one()
        ReviewService(supervisor).act(ReviewItemKind.NOTE, note_id, ReviewAction.REVIEWED)
        SyncService(supervisor).sync_now()
        SyncService(worker).sync_now()
        for laptop in (supervisor, worker):
            _assert_kept(laptop.db)
            held = _held(laptop.db)[ReviewWait.__tablename__]
            assert [row[0] for row in held] == [
                row[0] for row in _held(supervisor.db)[ReviewWait.__tablename__]
            ]
            assert len(held) == 1


def test_each_trigger_finds_its_rows_by_their_own_index(database: Database) -> None:
    """A trigger runs at every note or sign-off written (a sync import, the demo's 10,000
    cases): each of its statements reaches the rows of the one record by an index, never by
    walking a kind's rows (the first note trigger walked every sign-off: minutes of seeding)."""
    with database.read() as s:
        triggers = s.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE :n"),
            {"n": f"{ReviewWait.__tablename__}%"},
        ).all()
        assert len(triggers) == 6
        walks = []
        for name, sql in triggers:
            body = sql[sql.index(" BEGIN ") + len(" BEGIN ") : sql.rindex("END")]
            for statement in filter(str.strip, body.split(";")):
                literal = re.sub(r"\b(new|old)\.\w+", "'fictional'", statement)
                for *_ids, detail in s.execute(text(f"EXPLAIN QUERY PLAN {literal}")):
                    if detail.startswith("SCAN") or "ix_reviews_figures" in detail:
                        walks.append(f"{name}: {detail}")
    assert walks == []
