"""The change log: one immutable Change per record per write transaction, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from restart_desktop.domain.hlc import HybridClock, Timestamp
from restart_desktop.store.changes import Actor, UnattributedWrite
from restart_desktop.store.database import Database
from restart_desktop.store.models import Change, Person, Worker


class Boom(Exception):
    pass


def _changes(db: Database, record_id: str | None = None) -> list[Change]:
    with db.read() as s:
        stmt = select(Change).where(Change.entity != "audit_entries").order_by(Change.seq)
        if record_id is not None:
            stmt = stmt.where(Change.record_id == record_id)
        return list(s.scalars(stmt))


def _assert_contiguous(db: Database) -> None:
    """Each device's sequence (audit entries included) runs 1, 2, 3... with no gap and no
    repeat; the records' own changes (``_changes``) are a subsequence of it."""
    with db.read() as s:
        by_device: dict[str, list[int]] = {}
        for device, seq in s.execute(select(Change.device_id, Change.seq).order_by(Change.seq)):
            by_device.setdefault(device, []).append(seq)
    for seqs in by_device.values():
        assert seqs == list(range(1, len(seqs) + 1))


def _increasing(values: list[int]) -> bool:
    return all(a < b for a, b in zip(values, values[1:], strict=False))


def _new_person(db: Database, **values: object) -> str:
    with db.write() as s:
        person = Person(given_name="Testy", family_name="McExample", **values)
        s.add(person)
    return person.id


def test_create_writes_one_change_with_every_content_field(
    database: Database, actor: Actor
) -> None:
    person_id = _new_person(database, release_date=dt.date(2031, 5, 6), needs=["health"])

    [change] = _changes(database)
    assert change.change_id == f"{actor.device_id}:1"
    assert (change.device_id, change.seq) == (actor.device_id, 1)
    assert (change.entity, change.record_id) == ("people", person_id)
    assert change.base_change_id is None
    assert change.author_id == actor.worker_id
    content = {c.key for c in Person.__table__.columns} - Person.BOOKKEEPING
    assert set(change.fields) == content
    assert change.fields["family_name"] == "McExample"
    assert change.fields["release_date"] == "2031-05-06"
    assert change.fields["needs"] == ["health"]
    assert change.fields["status"] == "recommended"  # defaults are carried too
    with database.read() as s:
        person = s.get(Person, person_id)
        assert person is not None
        assert person.last_change_id == change.change_id


def test_update_records_only_changed_fields_based_on_the_previous_change(
    database: Database, actor: Actor
) -> None:
    person_id = _new_person(database)
    with database.write() as s:
        person = s.get(Person, person_id)
        assert person is not None
        person.family_name = "McSample"
        person.release_date = dt.date(2031, 1, 2)
        person.given_name = "Testy"  # unchanged value: not part of the change
    with database.write() as s:
        person = s.get(Person, person_id)
        assert person is not None
        person.needs = ["accommodation", "benefits"]

    first, second, third = _changes(database, person_id)
    assert second.change_id == f"{actor.device_id}:{second.seq}"
    assert second.seq > first.seq
    assert second.base_change_id == first.change_id
    assert second.fields == {"family_name": "McSample", "release_date": "2031-01-02"}
    assert third.base_change_id == second.change_id
    assert third.fields == {"needs": ["accommodation", "benefits"]}
    with database.read() as s:
        person = s.get(Person, person_id)
        assert person is not None
        assert person.last_change_id == third.change_id
        assert person.family_name == "McSample"


def test_many_edits_in_one_transaction_make_one_change_per_record(database: Database) -> None:
    first_id = _new_person(database)
    second_id = _new_person(database)
    with database.write() as s:
        first = s.get(Person, first_id)
        second = s.get(Person, second_id)
        assert first is not None
        assert second is not None
        first.family_name = "McSample"
        # A query in between must not flush the first edit into a change of its own.
        assert s.execute(select(func.count()).select_from(Person)).scalar_one() == 2
        first.crn = "Z654321"
        second.preferred_name = "Tess"
        s.add(Person(given_name="Newly", family_name="Invented"))

    changes = _changes(database)
    assert len(changes) == 5
    assert _increasing([c.seq for c in changes])
    _assert_contiguous(database)
    by_record = {c.record_id: c for c in changes[2:]}
    assert len(by_record) == 3
    assert by_record[first_id].fields == {"family_name": "McSample", "crn": "Z654321"}
    assert by_record[second_id].fields == {"preferred_name": "Tess"}


def test_writing_the_current_value_makes_no_change(database: Database) -> None:
    person_id = _new_person(
        database, needs=["health", "benefits"], release_date=dt.date(2031, 1, 1)
    )
    with database.read() as s:
        before = s.get(Person, person_id)
        assert before is not None
        updated_at = before.updated_at
    with database.write() as s:
        person = s.get(Person, person_id)
        assert person is not None
        person.family_name = "McExample"
        person.release_date = dt.date(2031, 1, 1)
        person.needs = ["health", "benefits"]  # an equal, new list
        person.iom = False

    assert len(_changes(database)) == 1
    with database.read() as s:
        after = s.get(Person, person_id)
        assert after is not None
        assert after.updated_at == updated_at
        assert after.last_change_id == before.last_change_id


def test_rolled_back_write_leaves_no_change_and_no_row(database: Database) -> None:
    person_id = _new_person(database)
    written: list[int] = []

    def write_then_fail() -> None:
        with database.write() as s:
            person = s.get(Person, person_id)
            assert person is not None
            person.family_name = "Rolledback"
            s.add(Person(given_name="Never", family_name="Saved"))
            s.flush()  # the change rows are written inside the transaction...
            counted = select(func.count()).select_from(Change)
            written.append(s.execute(counted.where(Change.entity != "audit_entries")).scalar_one())
            raise Boom  # ...and must disappear with it

    with pytest.raises(Boom):
        write_then_fail()
    assert written == [3]

    assert len(_changes(database)) == 1
    with database.read() as s:
        assert s.execute(select(func.count()).select_from(Person)).scalar_one() == 1
        person = s.get(Person, person_id)
        assert person is not None
        assert person.family_name == "McExample"
    # The sequence carries on without a gap.
    _new_person(database)
    assert len(_changes(database)) == 2
    _assert_contiguous(database)


def test_sequence_and_clock_increase_strictly_even_when_the_wall_clock_stops(
    database: Database,
    actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _new_person(database)
    # From now on the laptop's clock is stuck far in the past.
    monkeypatch.setattr(
        "restart_desktop.store.changes.HybridClock",
        lambda last=None: HybridClock(last, wall=lambda: 1_000_000.0),
    )
    for _ in range(3):
        with database.write() as s:
            s.add(Person(given_name="Testy", family_name="McExample"))
            s.add(Person(given_name="Testa", family_name="McSample"))

    changes = _changes(database)
    assert len(changes) == 7
    assert _increasing([c.seq for c in changes])
    assert [c.change_id for c in changes] == [f"{actor.device_id}:{c.seq}" for c in changes]
    _assert_contiguous(database)
    clocks = [Timestamp.decode(c.hlc) for c in changes]
    assert all(a < b for a, b in zip(clocks, clocks[1:], strict=False))
    assert [c.hlc for c in changes] == sorted(c.hlc for c in changes)


def test_each_device_has_its_own_sequence(database: Database, actor: Actor) -> None:
    _new_person(database)
    other = database.with_actor(Actor(worker_id=actor.worker_id, device_id="fictional-device"))
    with other.write() as s:
        s.add(Person(given_name="Testy", family_name="McExample"))
    _new_person(database)

    changes = _changes(database)
    assert [c.device_id for c in changes] == [actor.device_id, "fictional-device", actor.device_id]
    assert changes[1].seq == 1
    assert changes[0].seq == 1
    assert changes[2].seq > 1
    _assert_contiguous(database)


def test_write_without_an_actor_is_refused(database: Database) -> None:
    anonymous = Database(database.engine)
    with pytest.raises(UnattributedWrite), anonymous.write() as s:
        s.add(Worker(name="Testy McExample", organisation_code="pact"))

    with database.read() as s:
        assert s.execute(select(func.count()).select_from(Worker)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Change)).scalar_one() == 0


def test_deleting_a_synced_record_is_refused(database: Database) -> None:
    person_id = _new_person(database)

    def delete() -> None:
        with database.write() as s:
            s.delete(s.get(Person, person_id))

    with pytest.raises(UnattributedWrite):
        delete()

    with database.read() as s:
        assert s.get(Person, person_id) is not None


def test_several_flushes_in_one_transaction_continue_one_sequence(database: Database) -> None:
    with database.write() as s:
        first = Person(given_name="One", family_name="Example")
        s.add(first)
        s.flush()
        second = Person(given_name="Two", family_name="Example")
        s.add(second)
        s.flush()
        first.family_name = "Changed"
    changes = _changes(database)
    assert [c.seq for c in changes] == [1, 2, 3]
    assert [c.record_id for c in changes] == [first.id, second.id, first.id]
    assert changes[0].hlc < changes[1].hlc < changes[2].hlc

    def add_then_fail() -> None:
        with database.write() as s:
            s.add(Person(given_name="Never", family_name="Saved"))
            s.flush()
            raise Boom

    with pytest.raises(Boom):
        add_then_fail()
    _new_person(database)  # the rolled-back transaction's position is not reused
    assert len(_changes(database)) == 4
    _assert_contiguous(database)
