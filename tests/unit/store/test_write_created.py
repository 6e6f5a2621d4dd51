"""Records written in bulk (``write_created``, the demo's path) leave exactly what the session
hook leaves for the same records: rows, changes, case index, audit trail and change notice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.notices import ChangeNotice
from restart_desktop.store.changes import Actor, LaterEdit, UnattributedWrite, write_created
from restart_desktop.store.database import Database
from restart_desktop.store.models import (
    AuditEntry,
    Change,
    ContactNote,
    Handover,
    Person,
    SyncCaseIndex,
    SyncedRecord,
    Worker,
)

WORKER, OTHER, PERSON, NOTE, SHARE = (uuid7() for _ in range(5))
AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _records() -> list[SyncedRecord]:
    """Parents before children, some columns left to their defaults."""
    return [
        Worker(id=WORKER, name="Fictional Worker", organisation_code="aspire_oxford"),
        Worker(id=OTHER, name="Fictional Colleague", organisation_code="aspire_oxford"),
        Person(
            id=PERSON,
            given_name="Testy",
            family_name="McExample",
            release_date=dt.date(2031, 5, 6),
            allocated_worker_id=WORKER,
        ),
        ContactNote(
            id=NOTE,
            person_id=PERSON,
            worker_id=WORKER,
            contact_at=AT,
            contact_type="in_person",
            text="Talked about the hostel in Ashbury (fictional).",
        ),
        Handover(id=SHARE, person_id=PERSON, kind="share", to_worker_id=OTHER, at=AT),
    ]


def _open(tmp_path: Path, name: str, key: bytes, actor: Actor | None) -> Database:
    folder = tmp_path / name
    folder.mkdir()
    return Database.open(folder / "restart.db", key, folder / "backups", actor)


def _content(db: Database) -> dict[str, Any]:
    """What a write leaves, less what differs between any two writes (instants, ids of
    audit entries)."""
    with db.read() as s:
        rows = {
            kind.__tablename__: [
                {
                    c: getattr(r, c)
                    for c in kind.__table__.columns.keys()  # noqa: SIM118 - not a dict
                    if c not in _STAMPS
                }
                for r in s.scalars(select(kind).order_by(kind.id))
            ]
            for kind in (Worker, Person, ContactNote, Handover)
        }
        changes = [
            (c.entity, c.record_id, c.case_id, c.base_change_id, c.bases, c.author_id, c.fields)
            for c in s.scalars(select(Change).where(Change.entity != "audit_entries"))
        ]
        changes.sort(key=repr)  # an edit's base is a change id, a creation's None
        index = [
            (i.case_id, i.created_by, i.allocated_worker_id, i.shared_with, i.closed)
            for i in s.scalars(select(SyncCaseIndex))
        ]
        trail = [
            (e.seq, e.action, e.person_id, e.detail, e.worker_id)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
        trail_changes = s.scalars(select(Change.record_id).where(Change.entity == "audit_entries"))
        searched = s.connection().exec_driver_sql(
            "SELECT count(*) FROM note_search WHERE note_search MATCH 'Ashbury'"
        )
        return {
            "rows": rows,
            "changes": changes,
            "index": index,
            "trail": trail,
            "trail changed": len(list(trail_changes)),
            "found": searched.scalar(),
            "seqs": sorted(seq for (seq,) in s.execute(select(Change.seq))),
        }


_STAMPS = {"created_at", "updated_at", "last_change_id"}


def test_bulk_writes_what_the_hook_writes(tmp_path: Path, key: bytes, actor: Actor) -> None:
    by_hook, in_bulk = _open(tmp_path, "hook", key, actor), _open(tmp_path, "bulk", key, actor)
    heard: dict[str, list[ChangeNotice]] = {"hook": [], "bulk": []}
    by_hook.subscribe(heard["hook"].append)
    in_bulk.subscribe(heard["bulk"].append)
    try:
        with by_hook.write() as s:
            for record in _records():
                s.add(record)
                s.flush()  # parents first, as the bulk path orders them
        with in_bulk.write() as s:
            write_created(s, _records())

        assert _content(in_bulk) == _content(by_hook)
        assert _content(in_bulk)["found"] == 1  # the note is in the search index
        [bulk], [hook] = heard["bulk"], heard["hook"]
        assert bulk.cases == hook.cases
        # The case index is written through the session here, inside the hook's flush there:
        # the notice names its local tables too, which no view follows.
        assert {k for k in bulk.kinds if not k.startswith("sync_")} == hook.kinds
        with in_bulk.read() as s:
            person = s.get(Person, PERSON)
            assert person is not None
            assert person.last_change_id is not None
            change = s.get(Change, person.last_change_id)
            assert change is not None
            assert change.record_id == PERSON
    finally:
        by_hook.close()
        in_bulk.close()


def test_bulk_writes_need_an_actor_and_ids(database: Database, tmp_path: Path, key: bytes) -> None:
    anonymous = _open(tmp_path, "anonymous", key, None)
    try:
        with pytest.raises(UnattributedWrite), anonymous.write() as s:
            write_created(s, _records()[:1])
    finally:
        anonymous.close()
    with pytest.raises(UnattributedWrite), database.write() as s:
        write_created(s, [Worker(name="No Id", organisation_code="aspire_oxford")])
    with database.read() as s:
        assert s.scalars(select(Worker)).first() is None  # rolled back whole


def test_a_later_edit_is_written_as_the_hook_writes_an_edit_at_its_own_time(
    tmp_path: Path, key: bytes, actor: Actor
) -> None:
    """The demo's status moves: the row has the edit, and the change is the one an edit in
    the window makes (built on the creation, only the fields set), recorded at its time."""
    by_hook, in_bulk = _open(tmp_path, "hook", key, actor), _open(tmp_path, "bulk", key, actor)
    moved = {"status": "accepted", "status_reason": "Accepted (test)"}
    earlier = AT - dt.timedelta(days=120)
    try:
        with by_hook.write() as s:
            for record in _records():
                s.add(record)
                s.flush()
            person = s.get(Person, PERSON)
            assert person is not None
            person.status, person.status_reason = moved["status"], moved["status_reason"]
        with in_bulk.write() as s:
            write_created(s, [*_records(), LaterEdit(PERSON, moved, earlier)])

        assert _content(in_bulk) == _content(by_hook)
        with in_bulk.read() as s:
            person = s.get(Person, PERSON)
            assert person is not None
            assert person.status == "accepted"
            change = s.get(Change, person.last_change_id)
            assert change is not None
            assert change.fields == moved
            assert change.recorded_at == earlier
        with pytest.raises(UnattributedWrite), in_bulk.write() as s:
            write_created(s, [LaterEdit(uuid7(), moved, earlier)])  # nothing written before it
    finally:
        by_hook.close()
        in_bulk.close()
