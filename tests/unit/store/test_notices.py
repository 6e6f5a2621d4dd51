"""Change notices: every committed write transaction announces which cases and kinds of
record it changed, once, after it has committed; a rolled-back one announces nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.notices import ChangeNotice
from restart_desktop.store.changes import Actor
from restart_desktop.store.database import Database
from restart_desktop.store.erasure import erase_cases
from restart_desktop.store.models import Barrier, ContactNote, NoteDraft, Person, Worker


class Boom(Exception):
    pass


def _heard(db: Database) -> list[ChangeNotice]:
    heard: list[ChangeNotice] = []
    db.subscribe(heard.append)
    return heard


def _new_person(db: Database) -> str:
    with db.write() as s:
        person = Person(given_name="Testy", family_name="McExample")
        s.add(person)
    return person.id


def test_a_committed_write_is_announced_once_with_its_case_and_kinds(
    database: Database,
) -> None:
    heard = _heard(database)

    person_id = _new_person(database)

    [notice] = heard
    assert notice.touches("people", person_id)
    assert notice.touches("audit_entries", person_id)  # the trail grew: its view refreshes
    assert not notice.touches("contact_notes")
    assert notice.cases == frozenset({person_id})


def test_a_listener_hears_after_the_commit_on_the_committing_thread(
    database: Database,
) -> None:
    seen: list[tuple[str | None, int]] = []

    def listener(notice: ChangeNotice) -> None:
        with database.read() as s:  # the change is visible to another connection already
            count = s.query(Person).count()
        seen.append((threading.current_thread().name, count))

    database.subscribe(listener)
    _new_person(database)

    assert seen == [(threading.current_thread().name, 1)]


def test_a_rolled_back_transaction_publishes_nothing(database: Database) -> None:
    heard = _heard(database)

    def add_then_fail() -> None:
        with database.write() as s:
            s.add(Person(given_name="Testy", family_name="McExample"))
            s.flush()
            raise Boom

    with pytest.raises(Boom):
        add_then_fail()

    assert heard == []
    _new_person(database)  # the next transaction's notice holds none of the rolled-back one
    [notice] = heard
    assert notice.kinds == frozenset({"people", "audit_entries"})


def test_a_transaction_that_writes_nothing_publishes_nothing(database: Database) -> None:
    heard = _heard(database)
    with database.write():
        pass
    assert heard == []


def test_team_records_and_local_records_are_announced_by_kind(database: Database) -> None:
    person_id = _new_person(database)
    heard = _heard(database)

    with database.write() as s:
        s.add(Barrier(title="No beds", category="housing", raised_on=dt.date(2026, 3, 2)))
    with database.write() as s:
        now = dt.datetime.now(dt.UTC)
        s.add(NoteDraft(person_id=person_id, worker_id=uuid7(), started_at=now, saved_at=now))

    barrier, draft = heard
    assert barrier.touches("barriers")
    assert None in barrier.cases
    assert draft.touches("note_drafts", person_id)
    assert not draft.touches("contact_notes")


def test_every_actor_of_one_database_is_heard(database: Database) -> None:
    heard = _heard(database)
    colleague = database.with_actor(Actor(worker_id=uuid7(), device_id=uuid7()))

    person_id = _new_person(colleague)

    assert [n.touches("people", person_id) for n in heard] == [True]


def test_unsubscribing_stops_the_notices(database: Database) -> None:
    heard: list[ChangeNotice] = []
    stop = database.subscribe(heard.append)
    stop()
    _new_person(database)
    assert heard == []


def test_an_erasure_announces_every_kind_of_record_of_the_case(
    database: Database, actor: Actor
) -> None:
    person_id = _new_person(database)
    with database.write() as s:
        s.add(Worker(id=actor.worker_id, name="Testy Worker", organisation_code="x"))
    with database.write() as s:
        s.add(
            ContactNote(
                person_id=person_id,
                worker_id=actor.worker_id,
                contact_type="visit",
                contact_at=dt.datetime.now(dt.UTC),
                text="Fictional.",
            )
        )
    heard = _heard(database)

    with database.write() as s:
        erase_cases(s, [person_id], actor.device_id, scrub=False)

    [notice] = heard
    assert notice.touches("people", person_id)
    assert notice.touches("contact_notes", person_id)
    assert notice.touches("referrals", person_id)
