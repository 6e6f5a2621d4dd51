"""This app's writers take turns at one database file: a save waits for the background
transaction in progress, never for SQLite's busy timeout, and goes before the background
work's next transaction."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import delete, select

from restart_desktop.store import database as store_database
from restart_desktop.store import engine as store_engine
from restart_desktop.store.database import Database
from restart_desktop.store.engine import INCREMENTAL_VACUUM
from restart_desktop.store.models import Person
from restart_desktop.store.writer import WriteGate


def test_a_save_goes_before_the_next_background_transaction(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 50)
    database.close()  # new connections pick up the short timeout
    order: list[str] = []
    first_held, save_waiting = threading.Event(), threading.Event()

    def background() -> None:
        with database.background():
            with database.write() as s:
                first_held.set()
                save_waiting.wait(10)
                time.sleep(0.3)  # longer than SQLite's own wait: the turn, not SQLite, waits
                s.add(Person(given_name="Testy", family_name="Firstson"))
                order.append("background 1")
            with database.write() as s:  # the save waiting meanwhile goes first
                s.add(Person(given_name="Testy", family_name="Secondson"))
                order.append("background 2")

    thread = threading.Thread(target=background, name="test-background")
    thread.start()
    assert first_held.wait(10)

    def saving() -> None:
        with database.write() as s:
            s.add(Person(given_name="Testy", family_name="Saveson"))
            order.append("save")

    save = threading.Thread(target=saving, name="test-save")
    save.start()
    deadline = time.monotonic() + 10
    while not database.saves_waiting() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert database.saves_waiting()
    save_waiting.set()
    save.join(10)
    thread.join(10)
    assert order == ["background 1", "save", "background 2"]
    with database.read() as s:
        assert sorted(s.scalars(select(Person.family_name))) == ["Firstson", "Saveson", "Secondson"]


def _pragma(database: Database, name: str) -> int:
    with database.engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        return int(raw.execute(f"PRAGMA {name}").fetchone()[0])


def _fill_and_empty(database: Database) -> None:
    with database.write() as s:
        s.add_all(
            Person(given_name="Testy", family_name="Bulkson", needs=["x" * 3000])
            for _ in range(400)
        )
    with database.write() as s:
        s.execute(delete(Person))


def test_compaction_gives_free_pages_back_in_steps(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new database shrinks in short steps; an older one is rewritten whole once."""
    monkeypatch.setattr(store_database, "VACUUM_STEP_PAGES", 16)
    assert _pragma(database, "auto_vacuum") == INCREMENTAL_VACUUM
    _fill_and_empty(database)
    assert _pragma(database, "freelist_count") > 16
    steps = {"n": 0}
    real_turn = WriteGate.turn

    def counted(self: WriteGate, background: bool | None = None) -> Any:
        steps["n"] += 1
        return real_turn(self, background)

    monkeypatch.setattr(WriteGate, "turn", counted)
    pages, free = _pragma(database, "page_count"), _pragma(database, "freelist_count")
    database.compact()
    assert _pragma(database, "freelist_count") == 0
    assert _pragma(database, "page_count") <= pages - free  # the file shrank by them
    assert steps["n"] > 3  # one turn per step, not one long one


def test_an_older_database_is_rewritten_once_then_shrinks_in_steps(database: Database) -> None:
    with database.engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA auto_vacuum = NONE")
        raw.execute("VACUUM")  # as databases made before incremental vacuum are
    assert _pragma(database, "auto_vacuum") == 0
    _fill_and_empty(database)
    database.compact()
    assert _pragma(database, "auto_vacuum") == INCREMENTAL_VACUUM
    assert _pragma(database, "freelist_count") == 0
