"""Every entity survives a round trip through a real encrypted file, and the file is unreadable."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from restart_desktop.domain.ids import uuid7
from restart_desktop.store.changes import Actor
from restart_desktop.store.database import Database
from restart_desktop.store.engine import connect_raw
from restart_desktop.store.errors import DatabaseUnreadable
from restart_desktop.store.models import Change, Device, LocalSetting, Person, Worker

UNUSUAL_NAME = "Zebedee Qwertyfictional"

PERSON_VALUES: dict[str, Any] = {
    "given_name": "Testy",
    "family_name": "McExample",
    "preferred_name": "Tess",
    "date_of_birth": dt.date(1980, 2, 29),
    "nomis_number": "Z1234AB",
    "crn": "Z123456",
    "prison_code": "bullingdon",
    "release_date": dt.date(2031, 3, 14),
    "release_time": "08:30",
    "sentence_type": "determinate",
    "iom": True,
    "mappa": True,
    "referral_source": "probation",
    "referral_date": dt.date(2030, 12, 1),
    "has_settled_address": True,
    "consent_given": True,
    "consent_date": dt.date(2030, 12, 2),
    "consent_method": "written",
    "consent_scope": "Fictional partner agencies only",
    "consent_categories": ["accommodation", "substance_misuse"],
    "housing_authority": "cherwell",
    "needs": ["accommodation", "benefits", "id_and_bank"],
    "status": "engaged_in_custody",
    "status_reason": "Met at a fictional induction",
    "legal_hold": True,
    "closure_reason": "other",
    "earlier_custodial_sentences": 0,
    "research_consent_date": dt.date(2030, 12, 3),
}


def _reopen(db_path: Path, key: bytes, actor: Actor) -> Database:
    return Database.open(db_path, key, db_path.parent / "backups", actor)


def test_person_with_every_field_round_trips_through_the_file(
    database: Database, db_path: Path, key: bytes, actor: Actor
) -> None:
    # Every content column is covered, so a new column without a test fails here.
    content = {c.key for c in Person.__table__.columns} - Person.BOOKKEEPING
    content.discard("allocated_worker_id")
    assert set(PERSON_VALUES) == content

    with database.write() as s:
        s.add(Worker(id=actor.worker_id, name="Testy Worker", organisation_code="pact"))
        s.flush()
        person = Person(allocated_worker_id=actor.worker_id, **PERSON_VALUES)
        s.add(person)
    person_id = person.id
    database.close()

    reopened = _reopen(db_path, key, actor)
    try:
        with reopened.read() as s:
            loaded = s.get(Person, person_id)
            assert loaded is not None
            for name, value in PERSON_VALUES.items():
                assert getattr(loaded, name) == value, name
            assert isinstance(loaded.date_of_birth, dt.date)
            assert loaded.allocated_worker_id == actor.worker_id
            assert loaded.created_by == loaded.updated_by == actor.worker_id
            assert isinstance(loaded.created_at, dt.datetime)
            assert loaded.last_change_id == f"{actor.device_id}:2"
    finally:
        reopened.close()


def test_new_person_gets_column_defaults(database: Database) -> None:
    with database.write() as s:
        person = Person(given_name="Testy", family_name="McExample")
        s.add(person)
    with database.read() as s:
        loaded = s.get(Person, person.id)
        assert loaded is not None
        assert loaded.needs == []
        assert loaded.status == "recommended"
        assert loaded.iom is False
        assert loaded.date_of_birth is None
        assert loaded.nomis_number == ""
        assert len(loaded.id) == 36


def test_worker_device_and_setting_round_trip(
    database: Database, db_path: Path, key: bytes, actor: Actor
) -> None:
    worker_id, device_id = uuid7(), uuid7()
    with database.write() as s:
        s.add(
            Worker(
                id=worker_id,
                name="Fictional Supervisor",
                organisation_code="pact",
                role="supervisor",
                active=False,
            )
        )
        s.flush()
        s.add(Device(id=device_id, worker_id=worker_id, label="Fictional laptop"))
        s.add(LocalSetting(key="idle_lock_minutes", value="7"))
    database.close()

    reopened = _reopen(db_path, key, actor)
    try:
        with reopened.read() as s:
            worker = s.get(Worker, worker_id)
            device = s.get(Device, device_id)
            setting = s.get(LocalSetting, "idle_lock_minutes")
            assert worker is not None
            assert device is not None
            assert setting is not None
            assert (worker.name, worker.organisation_code, worker.role, worker.active) == (
                "Fictional Supervisor",
                "pact",
                "supervisor",
                False,
            )
            assert (device.worker_id, device.label) == (worker_id, "Fictional laptop")
            assert setting.value == "7"
            # Local settings are never synced, so they leave no change behind.
            entities = set(s.scalars(select(Change.entity)))
            assert entities == {"workers", "devices", "audit_entries"}  # and who wrote them
    finally:
        reopened.close()


def test_change_round_trips_with_json_fields(
    database: Database, db_path: Path, key: bytes, actor: Actor
) -> None:
    recorded = dt.datetime(2030, 1, 2, 3, 4, 5, 600000, tzinfo=dt.UTC)
    fields = {"family_name": "McExample", "needs": ["health"], "release_date": "2031-01-01"}
    with database.write() as s:
        s.add(
            Change(
                change_id="fictional-device:41",
                device_id="fictional-device",
                seq=41,
                entity="people",
                record_id="fictional-record",
                base_change_id="fictional-device:40",
                hlc="000001893456000-000002",
                author_id="fictional-author",
                fields=fields,
                recorded_at=recorded,
            )
        )
    database.close()

    reopened = _reopen(db_path, key, actor)
    try:
        with reopened.read() as s:
            change = s.get(Change, "fictional-device:41")
            assert change is not None
            assert (change.device_id, change.seq, change.entity, change.record_id) == (
                "fictional-device",
                41,
                "people",
                "fictional-record",
            )
            assert change.base_change_id == "fictional-device:40"
            assert change.hlc == "000001893456000-000002"
            assert change.author_id == "fictional-author"
            assert change.fields == fields
            assert change.recorded_at == recorded
    finally:
        reopened.close()


def _raw_bytes(db_path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-journal"):
        path = Path(str(db_path) + suffix)
        if path.exists():
            data += path.read_bytes()
    return data


def _assert_no_plaintext(data: bytes) -> None:
    for needle in (UNUSUAL_NAME, "Qwertyfictional", "QWERTYFICTIONAL", "Zebedee"):
        assert needle.encode("utf-8") not in data
        assert needle.encode("utf-16-le") not in data


def test_database_files_hold_no_plaintext_of_a_record(
    database: Database, db_path: Path, key: bytes
) -> None:
    with database.write() as s:
        s.add(
            Person(given_name="Zebedee", family_name="Qwertyfictional", preferred_name=UNUSUAL_NAME)
        )
    # While open, the committed transaction sits in the write-ahead log.
    assert Path(str(db_path) + "-wal").stat().st_size > 0
    _assert_no_plaintext(_raw_bytes(db_path))

    database.close()
    raw = connect_raw(db_path, key)
    try:
        # The record is really there: the test would notice if it had not been written.
        names = raw.execute("SELECT preferred_name FROM people").fetchall()
        assert names == [(UNUSUAL_NAME,)]
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    data = _raw_bytes(db_path)
    assert len(data) > 4096
    _assert_no_plaintext(data)
    assert not data.startswith(b"SQLite format 3")


def test_wrong_key_fails_to_open(database: Database, db_path: Path, backups: Path) -> None:
    with database.write() as s:
        s.add(Person(given_name="Testy", family_name="McExample"))
    database.close()
    before = db_path.read_bytes()

    with pytest.raises(DatabaseUnreadable):
        Database.open(db_path, secrets.token_bytes(32), backups)
    with pytest.raises(DatabaseUnreadable):
        connect_raw(db_path, secrets.token_bytes(32))
    assert db_path.read_bytes() == before
    assert not backups.exists()
