"""SQLite is configured in one place, and its failures reach the worker as plain messages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from restart_desktop.store import engine as store_engine
from restart_desktop.store.database import Database
from restart_desktop.store.engine import connect_raw
from restart_desktop.store.errors import (
    DatabaseLocked,
    DatabaseUnreadable,
    DiskFull,
    ReadOnlyStorage,
    translate,
)
from restart_desktop.store.models import Device, Person


def test_every_connection_is_configured(database: Database, db_path: Path, key: bytes) -> None:
    raw = connect_raw(db_path, key)
    try:
        pragma = {
            name: raw.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "foreign_keys", "synchronous", "temp_store")
        }
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == store_engine.BUSY_TIMEOUT_MS
    finally:
        raw.close()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2, "temp_store": 2}


def test_key_must_be_256_bits(db_path: Path) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        connect_raw(db_path, b"short")
    assert not db_path.exists()


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError), database.write() as s:
        s.add(Device(worker_id="no-such-worker", label="Fictional laptop"))


def test_a_plain_sqlite_file_is_unreadable_with_a_key(tmp_path: Path, key: bytes) -> None:
    plain = tmp_path / "plain.db"
    with sqlite3.connect(plain) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    with pytest.raises(DatabaseUnreadable):
        connect_raw(plain, key)


def test_a_writer_blocked_by_another_reports_a_locked_database(
    database: Database, db_path: Path, key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 50)
    database.close()  # new connections pick up the short timeout
    other = connect_raw(db_path, key)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseLocked, match="in use by another copy"), database.write() as s:
            s.add(Person(given_name="Testy", family_name="McExample"))
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_an_open_read_never_blocks_a_writer(
    database: Database, db_path: Path, key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caseload is read while other work writes: reads must not take the write lock."""
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 50)
    database.close()
    with database.read() as reading:
        assert reading.scalars(select(Person)).all() == []  # the read transaction is open
        writer = connect_raw(db_path, key)
        try:
            writer.execute("BEGIN IMMEDIATE")  # fails with "database is locked" if it is held
            writer.execute("ROLLBACK")
        finally:
            writer.close()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("database is locked", DatabaseLocked),
        ("database or disk is full", DiskFull),
        ("file is not a database", DatabaseUnreadable),
        ("database disk image is malformed", DatabaseUnreadable),
        ("attempt to write a readonly database", ReadOnlyStorage),
    ],
)
def test_environment_failures_are_translated(message: str, expected: type[Exception]) -> None:
    assert isinstance(translate(sqlite3.OperationalError(message)), expected)


def test_bugs_are_not_translated() -> None:
    assert translate(sqlite3.OperationalError("no such column: nickname")) is None
