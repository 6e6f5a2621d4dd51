"""Each step of the change hook (``store.changes.FLUSH_STEPS``) on its own, on a real database.

The steps run here on a plain SQLAlchemy session (one without the hook), so that what each
one does is all that happens; tests/unit/store/test_changes.py checks the hook as a whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.domain.hlc import HybridClock, Timestamp
from restart_desktop.store import changes
from restart_desktop.store.changes import (
    ERASED_SEQ_FLOOR,
    FLUSH_STEPS,
    Actor,
    Flush,
    ImmutableRecord,
)
from restart_desktop.store.database import Database
from restart_desktop.store.models import (
    Addendum,
    LocalSetting,
    Person,
    SyncCaseIndex,
    SyncConflict,
)

NOW = dt.datetime(2031, 5, 6, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def plain(database: Database) -> Iterator[Session]:
    """A session on the test database without the change hook; rolled back at the end."""
    session = Session(database.engine, autoflush=False)
    session.begin()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def _person_written(database: Database) -> Person:
    with database.write() as s:
        person = Person(given_name="Testy", family_name="McExample")
        s.add(person)
    return person


def _flush(
    session: Session,
    actor: Actor,
    new: list[Person] | None = None,
    dirty: list[Person] | None = None,
) -> Flush:
    return Flush(session, actor, list(new or ()), list(dirty or ()), NOW)


def test_the_steps_run_in_this_order_and_each_has_its_test_here() -> None:
    names = [step.__name__ for step in FLUSH_STEPS]
    assert names == [
        "read_position",
        "stamp_created",
        "capture_edits",
        "append_changes",
        "index_cases",
        "keep_position",
    ]
    for name in names:
        assert f"test_{name}" in globals(), name


def test_read_position(database: Database, actor: Actor, plain: Session) -> None:
    _person_written(database)
    _person_written(database)
    flush = _flush(plain, actor)
    changes.read_position(flush)
    assert flush.seq >= 2  # two people (and their audit entries)
    held = flush.seq
    plain.add(LocalSetting(key=ERASED_SEQ_FLOOR, value=str(held + 40)))
    plain.flush()
    flush = _flush(plain, actor)
    changes.read_position(flush)
    assert flush.seq == held + 40  # never below an erased change's sequence
    cached = HybridClock(Timestamp(123, 4))
    plain.info["restart_change_position"] = (7, cached)
    flush = _flush(plain, actor)
    changes.read_position(flush)
    assert (flush.seq, flush.clock) == (7, cached)  # carried from the transaction's last flush


def test_stamp_created(actor: Actor, plain: Session) -> None:
    person = Person(given_name="Testy", family_name="McExample")
    flush = _flush(plain, actor, new=[person])
    changes.stamp_created(flush)
    assert (person.created_at, person.created_by) == (NOW, actor.worker_id)
    assert person.status == "recommended"  # a column default, filled in now
    [(record, fields, base, bases)] = flush.pending
    assert record is person
    assert base is None
    assert bases == []
    assert fields["family_name"] == "McExample"
    assert fields["status"] == "recommended"


def test_capture_edits(database: Database, actor: Actor, plain: Session) -> None:
    written = _person_written(database)
    person = plain.get(Person, written.id)
    assert person is not None
    plain.add(
        SyncConflict(
            record_id=person.id,
            field="family_name",
            entity="people",
            change_ids=["a:1", "b:1"],
            values=["One", "Two"],
            winner_change_id="b:1",
            detected_at=NOW,
        )
    )
    plain.flush()
    person.family_name = "Chosen"
    person.given_name = "Testy"  # the value it had: not a change
    flush = _flush(plain, actor, dirty=[person])
    changes.capture_edits(flush)
    [(record, fields, base, bases)] = flush.pending
    assert fields == {"family_name": "Chosen"}
    assert base == written.last_change_id
    assert bases == [written.last_change_id]
    assert plain.scalars(select(SyncConflict)).all() == []  # setting the field settled it
    addendum = Addendum(text="Later")  # an append-only kind (domain.merge.RULES)
    addendum.text = "Rewritten"
    with pytest.raises(ImmutableRecord):
        changes.capture_edits(_flush(plain, actor, dirty=[addendum]))  # type: ignore[list-item]


def test_append_changes(actor: Actor, plain: Session) -> None:
    one = Person(given_name="One", family_name="McExample")
    two = Person(given_name="Two", family_name="McExample")
    flush = _flush(plain, actor, new=[one, two])
    flush.seq = 10
    changes.stamp_created(flush)
    changes.append_changes(flush)
    assert [c.seq for c in flush.written] == [11, 12]
    assert flush.seq == 12
    assert [c.change_id for c in flush.written] == [
        f"{actor.device_id}:11",
        f"{actor.device_id}:12",
    ]
    assert flush.written[0].hlc < flush.written[1].hlc
    assert (one.last_change_id, two.last_change_id) == (
        flush.written[0].change_id,
        flush.written[1].change_id,
    )
    assert one.updated_at == NOW
    assert one.updated_by == actor.worker_id
    assert all(c.case_id == c.record_id for c in flush.written)  # a person is its own case


def test_index_cases(actor: Actor, plain: Session) -> None:
    person = Person(given_name="Testy", family_name="McExample")
    plain.add(person)
    flush = _flush(plain, actor, new=[person])
    for step in (changes.stamp_created, changes.append_changes):
        step(flush)
    assert plain.get(SyncCaseIndex, person.id) is None
    changes.index_cases(flush)
    plain.flush()
    row = plain.get(SyncCaseIndex, person.id)
    assert row is not None
    assert row.created_by == actor.worker_id


def test_keep_position(actor: Actor, plain: Session) -> None:
    flush = _flush(plain, actor)
    flush.seq = 41
    changes.keep_position(flush)
    assert plain.info["restart_change_position"] == (41, flush.clock)


def test_the_merge_rules_name_only_synced_kinds() -> None:
    """domain.merge.RULES is keyed by table name: a misspelt kind would merge by the plain
    rules without a word."""
    from restart_desktop.domain.merge import RULES
    from restart_desktop.store.base import SyncedRecord

    synced = {
        mapper.class_.__tablename__
        for mapper in SyncedRecord.registry.mappers
        if issubclass(mapper.class_, SyncedRecord)
    }
    assert set(RULES) <= synced
    assert {kind for kind, rules in RULES.items() if rules.immutable} >= {
        "contact_notes",
        "addenda",
        "audit_entries",
        "handovers",
        "reviews",
    }
